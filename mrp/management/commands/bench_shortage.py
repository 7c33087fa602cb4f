"""Benchmark: kitting and shortage analyses of many open work orders (rolled back).

python manage.py bench_shortage --orders 2000 --lines 10
"""

import datetime
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from inventory.models import Item, UnitOfMeasure, Warehouse
from inventory.services.ledger import MoveSpec, stock_moves_post


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the kitting and shortage analyses on synthetic open work orders (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2000)
        parser.add_argument("--lines", type=int, default=10)

    def handle(self, *args, orders, lines, **options):
        from mrp.services import analysis as an
        from production.models import WorkOrder, WorkOrderMaterial

        try:
            with transaction.atomic():
                uom, _c = UnitOfMeasure.objects.get_or_create(code="pcs")
                wh = Warehouse.objects.create(code="BENCH-WH", name="bench", nettable=True)
                fg = Item.objects.create(code="BENCH-FG", name="fg", uom=uom, supply_type="manufacture")
                comps = Item.objects.bulk_create(
                    [Item(code=f"BENCH-C{i:02d}", name=f"c{i}", uom=uom, default_warehouse=wh) for i in range(lines)]
                )
                stock_moves_post(
                    source_type="bench.opening",
                    source_id=1,
                    moves=[
                        MoveSpec(c.pk, wh.pk, Decimal(orders * 5), Decimal(1), source_line=n)
                        for n, c in enumerate(comps)
                    ],
                )
                start = datetime.date.today()
                wos = WorkOrder.objects.bulk_create(
                    [
                        WorkOrder(
                            number=f"BENCH-{n:06d}",
                            item=fg,
                            qty=Decimal(10),
                            status="released",
                            planned_start=start + datetime.timedelta(days=n % 30),
                            planned_finish=start + datetime.timedelta(days=n % 30 + 7),
                        )
                        for n in range(orders)
                    ]
                )
                WorkOrderMaterial.objects.bulk_create(
                    [
                        WorkOrderMaterial(
                            work_order=wo,
                            line_no=(i + 1) * 10,
                            component=c,
                            qty_per=Decimal(1),
                            required=Decimal(10),
                            warehouse=wh,
                        )
                        for wo in wos
                        for i, c in enumerate(comps)
                    ],
                    batch_size=5000,
                )
                with CaptureQueriesContext(connection) as q1:
                    t0 = time.perf_counter()
                    kit = an.kitting_analyse(on_date=start, receipts_until=start + datetime.timedelta(days=30))
                    t1 = time.perf_counter()
                with CaptureQueriesContext(connection) as q2:
                    t2 = time.perf_counter()
                    short = an.shortage_analyse(on_date=start, include_outsourcing=True)
                    t3 = time.perf_counter()
                c = kit.counts
                self.stdout.write(
                    f"kitting: {len(kit.demands)} work orders x {lines} lines in {t1 - t0:.2f} s, "
                    f"{len(q1.captured_queries)} queries ({c['complete']} complete, {c['partial']} partial, "
                    f"{c['short']} short, written back)"
                )
                self.stdout.write(
                    f"shortage: {short.orders} orders, {len(short.rows)} lines in {t3 - t2:.2f} s, "
                    f"{len(q2.captured_queries)} queries"
                )
                raise _Rollback
        except _Rollback:
            pass
