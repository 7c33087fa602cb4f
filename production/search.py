"""What the global search (erp/search.py) finds in production: work orders, pickings and
finished-goods receipts by number."""

from erp.search import register


def register_search() -> None:
    from .models import FGReceipt, Picking, WorkOrder

    register(
        "work_order",
        WorkOrder._meta.verbose_name_plural,
        "production:wo_detail",
        queryset=lambda user: WorkOrder.objects.all(),
        fields=("number",),
        subtitle=lambda d: f"{d.item.code} {d.item.name} · {d.get_status_display()}",
        select_related=("item",),
        order=50,
    )
    register(
        "picking",
        Picking._meta.verbose_name_plural,
        "production:picking_detail",
        queryset=lambda user: Picking.objects.all(),
        fields=("number",),
        subtitle=lambda d: d.get_status_display(),
        order=51,
    )
    register(
        "fg_receipt",
        FGReceipt._meta.verbose_name_plural,
        "production:receipt_detail",
        queryset=lambda user: FGReceipt.objects.all(),
        fields=("number",),
        subtitle=lambda d: d.get_status_display(),
        order=52,
    )
