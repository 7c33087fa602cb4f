"""What the global search (erp/search.py) finds in sales: customers by code or name, quotations,
sales orders and deliveries by number; only the records the user may see (crm/access.py)."""

from erp.search import register

from . import access


def register_search() -> None:
    from .models import Customer, Delivery, Quotation, SalesOrder

    register(
        "customer",
        Customer._meta.verbose_name_plural,
        "crm:customer_detail",
        queryset=lambda user: access.scope(Customer.objects.all(), user),
        fields=("code", "name"),
        title=lambda c: f"{c.code} {c.name}",
        order=30,
    )
    for kind, model, url_name, order in (
        ("quotation", Quotation, "crm:quotation_detail", 21),
        ("sales_order", SalesOrder, "crm:order_detail", 20),
        ("delivery", Delivery, "crm:delivery_detail", 22),
    ):
        register(
            kind,
            model._meta.verbose_name_plural,
            url_name,
            queryset=lambda user, model=model: access.scope(model.objects.all(), user),
            fields=("number",),
            subtitle=lambda d: f"{d.customer.name} · {d.get_status_display()}",
            select_related=("customer",),
            order=order,
        )
