"""What the global search (erp/search.py) finds in purchasing: requisitions, purchase orders,
receipts and outsourcing orders by number."""

from erp.search import register, register_bench


def register_search() -> None:
    register_bench("purchase_order", bench_purchase_orders)
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


def bench_purchase_orders(start: int, count: int) -> None:
    """bench_search: `count` purchase orders PO-<year>-<n> for 100 bench suppliers."""
    import datetime

    from inventory.models import Supplier, Warehouse

    from .models import PurchaseOrder

    suppliers = [
        Supplier.objects.get_or_create(code=f"BS-S{i:03d}", defaults={"name": f"基准供应商{i:03d}有限公司"})[0]
        for i in range(100)
    ]
    warehouse = Warehouse.objects.get_or_create(code="BS-WH", defaults={"name": "基准仓"})[0]
    PurchaseOrder.objects.bulk_create(
        [
            PurchaseOrder(
                number=f"PO-{2016 + i // 40000}-{i % 40000 + 1:06d}",
                supplier=suppliers[i % len(suppliers)],
                warehouse=warehouse,
                order_date=datetime.date(2016 + i // 40000, 1, 1) + datetime.timedelta(days=(i % 40000) // 120),
                status="confirmed",
            )
            for i in range(start, start + count)
        ],
        batch_size=5000,
    )
