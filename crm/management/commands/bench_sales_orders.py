"""Benchmark: N sales orders (2 lines each), then time the sales-order list page and count queries."""

import datetime
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from crm.models import Customer, SalesOrder, SalesOrderLine
from inventory.models import Item, UnitOfMeasure


class Command(BaseCommand):
    help = "Create N sales orders (default 10,000) with prefix BENCH- and time one page of the order list."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=10000)
        parser.add_argument("--keep", action="store_true", help="keep the orders afterwards")

    def handle(self, *args, orders, keep, **opts):
        n = orders
        uom = UnitOfMeasure.objects.get_or_create(code="pcs", defaults={"name": "pcs"})[0]
        item = Item.objects.get_or_create(code="BENCH-BIKE", defaults={"name": "bench bike", "uom": uom})[0]
        cust = Customer.objects.get_or_create(code="BENCH-C", defaults={"name": "bench customer"})[0]
        t0 = time.perf_counter()
        with transaction.atomic():
            existing = SalesOrder.objects.filter(number__startswith="BENCH-").count()
            new = SalesOrder.objects.bulk_create(
                [
                    SalesOrder(
                        number=f"BENCH-{i:06d}",
                        customer=cust,
                        order_date=datetime.date(2026, 6, 1),
                        status="confirmed",
                        total=Decimal("2260.00"),
                    )
                    for i in range(existing, n)
                ],
                batch_size=2000,
            )
            SalesOrderLine.objects.bulk_create(
                [
                    SalesOrderLine(
                        order=o,
                        line_no=j,
                        item=item,
                        qty=Decimal("10"),
                        delivered_qty=Decimal(j),
                        due_date=datetime.date(2026, 7, 1),
                        unit_price=Decimal("100"),
                    )
                    for o in new
                    for j in (1, 2)
                ],
                batch_size=4000,
            )
        self.stdout.write(
            f"created {len(new)} orders in {time.perf_counter() - t0:.2f} s "
            f"({SalesOrder.objects.count()} orders in the database)"
        )
        user = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create_superuser(
            "bench-admin", password=None
        )
        with override_settings(ALLOWED_HOSTS=["*"], SECURE_SSL_REDIRECT=False):
            self._measure(user)
        if not keep:
            with transaction.atomic():
                SalesOrderLine.objects.filter(order__number__startswith="BENCH-").delete()
                SalesOrder.objects.filter(number__startswith="BENCH-").delete()
            self.stdout.write("bench orders removed")

    def _measure(self, user):
        client = Client()
        client.force_login(user)
        url = reverse("crm:order_list")
        client.get(url)  # warm up
        for label, query in [("page 1", ""), ("page 200", "?page=200"), ("filter status", "?status=confirmed")]:
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                resp = client.get(url + query)
                ms = (time.perf_counter() - t) * 1000
            self.stdout.write(f"{label}: HTTP {resp.status_code}, {ms:.0f} ms, {len(ctx.captured_queries)} queries")
