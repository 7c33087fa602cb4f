"""What the global search (erp/search.py) finds in production: work orders, pickings and
finished-goods receipts by number."""

from erp.search import register, register_bench


def register_search() -> None:
    register_bench("work_order", bench_work_orders)
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


def bench_work_orders(start: int, count: int) -> None:
    """bench_search: `count` work orders WO-<year>-<n> making 50 bench items."""
    import datetime
    from decimal import Decimal

    from inventory.models import Item, UnitOfMeasure, Warehouse

    from .models import WorkOrder

    uom = UnitOfMeasure.objects.get_or_create(code="pcs", defaults={"name": "pcs"})[0]
    items = [
        Item.objects.get_or_create(code=f"BS-FG{i:03d}", defaults={"name": f"基准成品{i:03d}", "uom": uom})[0]
        for i in range(50)
    ]
    warehouse = Warehouse.objects.get_or_create(code="BS-WH", defaults={"name": "基准仓"})[0]
    WorkOrder.objects.bulk_create(
        [
            WorkOrder(
                number=f"WO-{2016 + i // 40000}-{i % 40000 + 1:06d}",
                item=items[i % len(items)],
                qty=Decimal(10),
                warehouse=warehouse,
                planned_start=datetime.date(2016 + i // 40000, 1, 1) + datetime.timedelta(days=(i % 40000) // 120),
                planned_finish=datetime.date(2016 + i // 40000, 1, 5) + datetime.timedelta(days=(i % 40000) // 120),
                status="released",
            )
            for i in range(start, start + count)
        ],
        batch_size=5000,
    )
