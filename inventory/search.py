"""What the global search (erp/search.py) finds in the warehouse: items and suppliers by code or
name, stock documents by number."""

from erp.search import register


def register_search() -> None:
    from .models import Item, OtherIssue, OtherReceipt, StockCount, Supplier, Transfer

    register(
        "item",
        Item._meta.verbose_name_plural,
        "inventory:item_detail",
        queryset=lambda user: Item.objects.all(),
        fields=("code", "name"),
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
