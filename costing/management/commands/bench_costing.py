"""Benchmark: a month with 2,000 production orders and ~50,000 stock moves, then the cost run.

python manage.py bench_costing [--orders 2000] [--keep]

The synthetic month is written in bulk (documents, allocations and ledger rows with balances
that equal the sum of the moves); only the cost run is timed. Rolled back unless --keep.
"""

import datetime
import time
from collections import defaultdict
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from costing.models import CostCentre, CostPool, WorkHours
from costing.services.runs import cost_run_now
from erp.models import Period
from inventory.models import Item, StockBalance, StockMove, UnitOfMeasure, Warehouse
from production.models import FGReceipt, Picking, PickingAllocation, PickingLine, WorkOrder, WorkOrderMaterial


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the period cost run on a synthetic month (rolled back unless --keep)."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2000)
        parser.add_argument("--year", type=int, default=2031)
        parser.add_argument("--keep", action="store_true")

    def handle(self, *args, orders, year, keep=False, **options):
        try:
            with transaction.atomic():
                self._run(orders, year)
                if not keep:
                    raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back")

    def _run(self, n_orders: int, year: int) -> None:
        t0 = time.perf_counter()
        D = Decimal
        uom, _c = UnitOfMeasure.objects.get_or_create(code="pcs", defaults={"name": "pcs"})
        rm = Warehouse.objects.create(code=f"BC-RM{year}", name="bench rm")
        rm2 = Warehouse.objects.create(code=f"BC-RM2{year}", name="bench rm2")
        fgw = Warehouse.objects.create(code=f"BC-FG{year}", name="bench fg")
        comps = Item.objects.bulk_create(
            [Item(code=f"BC{year}-C{i:03d}", name=f"c{i}", uom=uom, low_level_code=1) for i in range(200)]
        )
        fgs = Item.objects.bulk_create(
            [
                Item(code=f"BC{year}-F{i:03d}", name=f"f{i}", uom=uom, supply_type="manufacture", standard_cost=50)
                for i in range(100)
            ]
        )
        prev = Period.objects.get_or_create(year=year, month=1)[0]
        period = Period.objects.get_or_create(year=year, month=2)[0]
        d_open, d = datetime.date(year, 1, 15), datetime.date(year, 2, 10)
        seq = [0]
        moves: list[StockMove] = []

        def mv(item, wh, qty, value, kind, stype, sid, line, per=period, day=d, number=""):
            seq[0] += 1
            moves.append(
                StockMove(
                    item_id=item,
                    warehouse_id=wh,
                    qty=D(qty),
                    value=D(value),
                    unit_cost=abs(D(value) / D(qty)) if qty else D(0),
                    move_date=day,
                    period=per,
                    source_type=stype,
                    source_id=sid,
                    source_line=line,
                    source_number=number,
                    kind=kind,
                )
            )

        for c in comps:  # opening: 10,000 @ 2.00
            mv(c.pk, rm.pk, 10000, 20000, "opening", "bench.opening", 1, c.pk, per=prev, day=d_open)
        for i in range(5000):  # purchases in the month at 2.00 .. 2.49
            c = comps[i % 200]
            price = D("2") + D(i % 50) / 100
            mv(c.pk, rm.pk, 20, 20 * price, "purchase_receipt", "bench.purchase", i + 1, c.pk)
        for i in range(1400):  # transfers rm → rm2 and back
            c = comps[i % 200]
            mv(c.pk, rm.pk, -5, -10, "transfer_out", "bench.transfer", i + 1, c.pk)
            mv(c.pk, rm2.pk, 5, 10, "transfer_in", "bench.transfer", i + 1, c.pk)
        wos = WorkOrder.objects.bulk_create(
            [
                WorkOrder(
                    number=f"BC{year}-WO{i:05d}",
                    item=fgs[i % 100],
                    qty=D(10),
                    status="started",
                    planned_start=d,
                    planned_finish=d,
                    received_qty=D(8) if i % 4 else D(10),
                    warehouse=fgw,
                )
                for i in range(n_orders)
            ],
            batch_size=1000,
        )
        mats = WorkOrderMaterial.objects.bulk_create(
            [
                WorkOrderMaterial(
                    work_order=wo,
                    line_no=k * 10,
                    component=comps[(i * 7 + k) % 200],
                    qty_per=D(1),
                    required=D(10),
                    issued_qty=D(10),
                    warehouse=rm,
                )
                for i, wo in enumerate(wos)
                for k in range(10)
            ],
            batch_size=5000,
        )
        per_picking = 100
        pickings = Picking.objects.bulk_create(
            [
                Picking(number=f"BC{year}-PK{j:04d}", status="confirmed", mode="batch", pick_date=d)
                for j in range((n_orders + per_picking - 1) // per_picking)
            ]
        )
        lines = PickingLine.objects.bulk_create(
            [
                PickingLine(
                    picking=pickings[idx // (per_picking * 10)],
                    line_no=idx + 1,
                    item_id=m.component_id,
                    warehouse=rm,
                    qty=D(10),
                    issued_qty=D(10),
                )
                for idx, m in enumerate(mats)
            ],
            batch_size=5000,
        )
        PickingAllocation.objects.bulk_create(
            [
                PickingAllocation(line=ln, material=m, qty=D(10), issued_qty=D(10))
                for ln, m in zip(lines, mats, strict=True)
            ],
            batch_size=5000,
        )
        for ln in lines:
            mv(ln.item_id, rm.pk, -10, -21, "production_issue", "production.picking", ln.picking_id, ln.pk)
        receipts = FGReceipt.objects.bulk_create(
            [
                FGReceipt(
                    number=f"BC{year}-FR{i:05d}",
                    work_order=wo,
                    receipt_date=d,
                    qty=wo.received_qty,
                    warehouse=fgw,
                    status="confirmed",
                )
                for i, wo in enumerate(wos)
            ],
            batch_size=1000,
        )
        for r in receipts:
            mv(r.work_order.item_id, fgw.pk, r.qty, r.qty * 50, "fg_receipt", "production.fgreceipt", r.pk, 0)
        for i in range(50000 - len(moves)):  # sales deliveries of FG
            f = fgs[i % 100]
            mv(f.pk, fgw.pk, -1, -50, "sales_issue", "crm.delivery", i + 1, i + 1)
        StockMove.objects.bulk_create(moves, batch_size=5000)
        bal: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [D(0), D(0)])
        for m in moves:
            b = bal[(m.item_id, m.warehouse_id)]
            b[0] += m.qty
            b[1] += m.value
        StockBalance.objects.bulk_create(
            [StockBalance(item_id=i, warehouse_id=w, qty=q, value=v) for (i, w), (q, v) in bal.items()],
            batch_size=5000,
        )
        Warehouse.objects.filter(pk=fgw.pk).update(allow_negative=True)
        centre = CostCentre.objects.create(code=f"BC{year}", name="bench")
        WorkHours.objects.bulk_create(
            [
                WorkHours(work_order=wo, cost_centre=centre, work_date=d, actual_hours=D(i % 7 + 1))
                for i, wo in enumerate(wos)
            ],
            batch_size=2000,
        )
        CostPool.objects.create(period=period, cost_centre=centre, element="labour", amount=D("400000"))
        CostPool.objects.create(period=period, cost_centre=centre, element="overhead", amount=D("600000"))
        self.stdout.write(f"built {len(wos)} orders, {len(moves)} moves in {time.perf_counter() - t0:.1f} s")
        t1 = time.perf_counter()
        run = cost_run_now(period_id=period.pk)
        elapsed = time.perf_counter() - t1
        self.stdout.write(
            f"cost run {run.status}: {run.move_count} moves, {run.order_count} orders, {run.entry_count} entries "
            f"in {elapsed:.1f} s {run.message}"
        )
