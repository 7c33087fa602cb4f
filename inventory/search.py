"""What the global search (erp/search.py) finds in the warehouse: items and suppliers by code or
name, stock documents by number."""

from erp.search import register, register_bench


def register_search() -> None:
    register_bench("item", bench_items)
    from .models import Item, OtherIssue, OtherReceipt, StockCount, Supplier, Transfer

    register(
        "item",
        Item._meta.verbose_name_plural,
        "inventory:item_detail",
        queryset=lambda user: Item.objects.all(),
        fields=("code", "name"),
        prefix_first=True,
        title=lambda i: f"{i.code} {i.name}",
        subtitle=lambda i: i.spec,
        order=10,
    )
    register(
        "supplier",
        Supplier._meta.verbose_name_plural,
        "inventory:supplier_edit",
        queryset=lambda user: Supplier.objects.all(),
        fields=("code", "name"),
        prefix_first=True,
        title=lambda s: f"{s.code} {s.name}",
        order=31,
    )
    for kind, model, order in (
        ("other_receipt", OtherReceipt, 60),
        ("other_issue", OtherIssue, 61),
        ("transfer", Transfer, 62),
        ("stock_count", StockCount, 63),
    ):
        register(
            kind,
            model._meta.verbose_name_plural,
            f"inventory:{kind}_detail",
            queryset=lambda user, model=model: model.objects.all(),
            fields=("number",),
            subtitle=lambda d: d.get_status_display(),
            order=order,
        )


def bench_items(start: int, count: int) -> None:
    """bench_search: `count` items BS-<n> with Chinese names."""
    from .models import Item, UnitOfMeasure

    uom = UnitOfMeasure.objects.get_or_create(code="pcs", defaults={"name": "pcs"})[0]
    words = ["轴承", "螺栓", "链条", "车架", "轮胎", "刹车", "齿轮", "把手", "座垫", "辐条"]
    Item.objects.bulk_create(
        [
            Item(code=f"BS-{i:06d}", name=f"{words[i % 10]}{words[(i // 10) % 10]} 型号{i:05d}", uom=uom)
            for i in range(start, start + count)
        ],
        batch_size=5000,
    )
