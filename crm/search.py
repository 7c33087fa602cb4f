"""What the global search (erp/search.py) finds in sales: customers by code or name, quotations,
sales orders and deliveries by number; only the records the user may see (crm/access.py)."""

from erp.search import register, register_bench

from . import access


def register_search() -> None:
    register_bench("sales_order", bench_sales_orders)
    from .models import Customer, Delivery, Quotation, SalesOrder

    register(
        "customer",
        Customer._meta.verbose_name_plural,
        "crm:customer_detail",
        queryset=lambda user: access.scope(Customer.objects.all(), user),
        fields=("code", "name"),
        prefix_first=True,
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


def bench_sales_orders(start: int, count: int) -> None:
    """bench_search: `count` sales orders SO-<year>-<n> for 200 bench customers, newest last."""
    import datetime

    from .models import Customer, SalesOrder

    customers = [
        Customer.objects.get_or_create(code=f"BS-C{i:04d}", defaults={"name": f"基准客户{i:04d}贸易有限公司"})[0]
        for i in range(200)
    ]
    SalesOrder.objects.bulk_create(
        [
            SalesOrder(
                number=f"SO-{2016 + i // 40000}-{i % 40000 + 1:06d}",
                customer=customers[i % len(customers)],
                order_date=datetime.date(2016 + i // 40000, 1, 1) + datetime.timedelta(days=(i % 40000) // 120),
                status="confirmed",
            )
            for i in range(start, start + count)
        ],
        batch_size=5000,
    )
