"""What the global search (erp/search.py) finds in purchasing: requisitions, purchase orders,
receipts and outsourcing orders by number."""

from erp.search import register


def register_search() -> None:
    from .models import OutsourcingOrder, PurchaseOrder, PurchaseReceipt, Requisition

    def supplier_and_status(d) -> str:
        return f"{d.supplier.name} · {d.get_status_display()}"

    register(
        "purchase_order",
        PurchaseOrder._meta.verbose_name_plural,
        "procurement:po_detail",
        queryset=lambda user: PurchaseOrder.objects.all(),
        fields=("number",),
        subtitle=supplier_and_status,
        select_related=("supplier",),
        order=40,
    )
    register(
        "requisition",
        Requisition._meta.verbose_name_plural,
        "procurement:requisition_detail",
        queryset=lambda user: Requisition.objects.all(),
        fields=("number",),
        subtitle=lambda d: d.get_status_display(),
        order=41,
    )
    register(
        "purchase_receipt",
        PurchaseReceipt._meta.verbose_name_plural,
        "procurement:receipt_detail",
        queryset=lambda user: PurchaseReceipt.objects.all(),
        fields=("number",),
        subtitle=supplier_and_status,
        select_related=("supplier",),
        order=42,
    )
    register(
        "outsourcing_order",
        OutsourcingOrder._meta.verbose_name_plural,
        "procurement:outsourcing_detail",
        queryset=lambda user: OutsourcingOrder.objects.all(),
        fields=("number",),
        subtitle=supplier_and_status,
        select_related=("supplier",),
        order=43,
    )
