"""Benchmark: create, receive and invoice N purchase orders, then time the reports.

Runs inside a transaction that is rolled back: the database is left as it was.
    python manage.py bench_procurement --orders 200
"""

import datetime
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from inventory.models import Item, Supplier, UnitOfMeasure, Warehouse

from ... import selectors, services


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time purchase order → receipt → invoice for N orders and the accrual / ageing reports (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=200)
        parser.add_argument("--lines", type=int, default=3)

    def handle(self, *args, orders, lines, **options):
        day = datetime.date.today().replace(day=1)
        figures = {}
        try:
            with transaction.atomic():
                uom = UnitOfMeasure.objects.get_or_create(code="pcs")[0]
                wh = Warehouse.objects.create(code="BENCH-WH", name="bench")
                sup = Supplier.objects.create(code="BENCH-S", name="bench supplier")
                items = [Item.objects.create(code=f"BENCH-{i}", name=f"bench {i}", uom=uom) for i in range(lines)]
                t0 = time.perf_counter()
                pos = []
                for _n in range(orders):
                    po = services.purchase_order_create(
                        supplier_id=sup.pk,
                        order_date=day,
                        warehouse_id=wh.pk,
                        lines=[{"item_id": it.pk, "qty": Decimal("10"), "unit_price": Decimal("2.5")} for it in items],
                    )
                    services.purchase_order_confirm(order_id=po.pk)
                    pos.append(po)
                t1 = time.perf_counter()
                receipts = [
                    services.purchase_receipt_post(
                        order_id=po.pk, lines=[(ln.pk, Decimal("10")) for ln in po.lines.all()], receipt_date=day
                    )
                    for po in pos
                ]
                t2 = time.perf_counter()
                for gr in receipts:
                    inv = services.supplier_invoice_create(
                        supplier_id=sup.pk,
                        invoice_date=day,
                        lines=[
                            {"receipt_line_id": rl.pk, "qty": rl.qty, "unit_price": Decimal("2.6")}
                            for rl in gr.lines.all()
                        ],
                    )
                    services.supplier_invoice_confirm(invoice_id=inv.pk)
                t3 = time.perf_counter()
                selectors.accrual_balance_report(year=day.year, month=day.month)
                t4 = time.perf_counter()
                selectors.payables_ageing()
                t5 = time.perf_counter()
                selectors.supplier_performance()
                t6 = time.perf_counter()
                figures = {
                    "orders": orders,
                    "lines per order": lines,
                    "create+confirm PO, ms/order": (t1 - t0) * 1000 / orders,
                    "receipt post, ms/receipt": (t2 - t1) * 1000 / orders,
                    "invoice create+match, ms/invoice": (t3 - t2) * 1000 / orders,
                    "accrual balance report, ms": (t4 - t3) * 1000,
                    "payables ageing, ms": (t5 - t4) * 1000,
                    "supplier performance, ms": (t6 - t5) * 1000,
                }
                raise _Rollback
        except _Rollback:
            pass
        for key, value in figures.items():
            self.stdout.write(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")
