"""Benchmark: tracking figures and merged picking over many work orders (rolled back).

python manage.py bench_production --orders 1000 --lines 8
"""

import datetime
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from inventory.models import Item, UnitOfMeasure, Warehouse
from inventory.services.ledger import MoveSpec, stock_moves_post


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the production tracking list and a merged picking on synthetic data (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=1000)
        parser.add_argument("--lines", type=int, default=8)

    def handle(self, *args, orders, lines, **options):
        from production.models import WorkOrder, WorkOrderMaterial
        from production.selectors import timeline, tracking_rows
        from production.services.picking import picking_confirm, picking_create_merged

        try:
            with transaction.atomic():
                uom, _c = UnitOfMeasure.objects.get_or_create(code="pcs")
                wh = Warehouse.objects.create(code="BENCH-WH", name="bench")
                fg = Item.objects.create(code="BENCH-FG", name="fg", uom=uom, supply_type="manufacture")
                comps = Item.objects.bulk_create(
                    [Item(code=f"BENCH-C{i}", name=f"c{i}", uom=uom, default_warehouse=wh) for i in range(lines)]
                )
                stock_moves_post(
                    source_type="bench.opening",
                    source_id=1,
                    moves=[
                        MoveSpec(c.pk, wh.pk, Decimal(orders), Decimal(1), source_line=n) for n, c in enumerate(comps)
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
                    ]
                )
                q0 = len(connection.queries)
                t0 = time.perf_counter()
                rows = tracking_rows(qs=WorkOrder.objects.filter(number__startswith="BENCH-"))
                t1 = time.perf_counter()
                timeline(qs=WorkOrder.objects.filter(number__startswith="BENCH-"))
                t2 = time.perf_counter()
                merged = picking_create_merged(work_order_ids=[wo.pk for wo in wos[:50]])
                t3 = time.perf_counter()
                picking_confirm(picking_id=merged.pk)
                t4 = time.perf_counter()
                self.stdout.write(f"orders: {orders}, material lines: {orders * lines}")
                self.stdout.write(f"tracking figures for {len(rows)} orders: {(t1 - t0) * 1000:.0f} ms")
                self.stdout.write(f"timeline (60 bars): {(t2 - t1) * 1000:.0f} ms")
                self.stdout.write(f"merged picking proposal, 50 orders x {lines} lines: {(t3 - t2) * 1000:.0f} ms")
                self.stdout.write(
                    f"merged picking confirm (post {lines} lines, 50 allocations each): {(t4 - t3) * 1000:.0f} ms"
                )
                if connection.queries:
                    self.stdout.write(f"queries: {len(connection.queries) - q0}")
                raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back")
