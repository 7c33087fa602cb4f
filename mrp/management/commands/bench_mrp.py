"""Benchmark MRP on a generated layered data set (issue 12).

Usage (PostgreSQL, a database of its own — the command refuses a database that has items)::

    createdb -h 127.0.0.1 -U postgres tg_mrp_bench   # then migrate it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tg_mrp_bench .venv/bin/python manage.py bench_mrp --items 50000

1. Generates and loads (bulk writes) ``--items`` items in 6 levels: finished goods (10 % made to
   order), semi-finished (made, outsourced, phantom), purchased parts shared by many parents;
   three BOM lines per item on average (150,000 for 50,000 items) with mixed lot rules (MOQ,
   multiples, period order quantities, safety stock), 20,000 sales-order lines, forecasts, open
   purchase orders and work orders, opening stock.
2. Runs ``mrp_run --export`` in a subprocess (the real command, its own peak memory) and a
   second run in-process for the read / compute / write split.
3. Times the planned-order, message and pegging pages on the plan (Django test client).
4. With ``--net-change N``: N random single-line changes on that plan, each followed by the
   net change the worker runs; prints p50 / p95 of the latency from commit to plan updated.
Prints load / read / compute / write seconds, planned orders, pegs, peak memory and page ms.
"""

from __future__ import annotations

import datetime
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

D0 = datetime.date(2026, 3, 2)
LEVELS = (0.10, 0.10, 0.12, 0.13, 0.15, 0.40)  # share of items per level (0 = finished goods)


def _dec(x) -> Decimal:
    return Decimal(str(x))


def _loadavg() -> str:
    """The machine's load average (1/5/15 min): the figures are wall times on a shared machine."""
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            return "load average " + " ".join(fh.read().split()[:3])
    except OSError:
        return "load average unknown"


class Command(BaseCommand):
    help = "Generate a layered data set, run MRP on it and print load/read/compute/write times and page times."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=12)
        parser.add_argument("--sales-lines", type=int, default=None, help="default: 0.4 × items (20,000 at 50k)")
        parser.add_argument("--no-pages", action="store_true")
        parser.add_argument(
            "--net-change",
            type=int,
            default=0,
            dest="net_change",
            help="then apply N random single-line changes and print the net-change latency (issue 14)",
        )

    def handle(self, *args, items, seed, sales_lines, no_pages, net_change=0, **opts):
        from inventory.models import Item

        if connection.vendor != "postgresql":
            raise CommandError("bench_mrp needs PostgreSQL (COPY).")
        if Item.objects.exists():
            raise CommandError("This database already has items: run bench_mrp on an empty database of its own.")
        rng = random.Random(seed)
        n_sales = sales_lines if sales_lines is not None else max(10, int(items * 0.4))
        t0 = time.perf_counter()
        counts = self._load(rng, items, n_sales)
        load = time.perf_counter() - t0
        self.stdout.write(
            f"load: {counts['items']} items, {counts['bom_lines']} BOM lines, {counts['sales_lines']} sales-order lines, "
            f"{counts['po_lines']} PO lines, {counts['work_orders']} work orders, {counts['forecasts']} forecasts "
            f"in {load:.1f} s"
        )
        # 1) the real command in a subprocess: wall time and its own peak memory
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "planned_orders.csv")
            t1 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "manage.py", "mrp_run", "--date", D0.isoformat(), "--export", out],
                cwd=settings.BASE_DIR,
                capture_output=True,
                text=True,
                env=os.environ.copy(),
            )
            wall = time.perf_counter() - t1
            if proc.returncode != 0:
                raise CommandError(proc.stderr[-2000:])
            child = resource.getrusage(resource.RUSAGE_CHILDREN)
            peak_mb = child.ru_maxrss / 1024
            with open(out, encoding="utf-8") as fh:
                rows = sum(1 for _line in fh) - 1
        self.stdout.write(
            f"mrp_run --export: {wall:.1f} s wall, {child.ru_utime + child.ru_stime:.1f} s CPU (the command's process; "
            f"PostgreSQL's work not included), peak {peak_mb:.0f} MB, {rows} planned orders exported; {_loadavg()}"
        )
        # 2) in-process: the split
        from mrp.services.runs import mrp_run_create, mrp_run_execute

        timings: dict = {}
        run = mrp_run_execute(run_id=mrp_run_create(run_date=D0).pk, timings=timings)
        self.stdout.write(
            f"run {run.pk}: read {timings['read']:.1f} s, compute {timings['compute']:.1f} s, "
            f"write {timings['write']:.1f} s (COPY) wall; CPU of this process read {timings['cpu_read']:.1f} s, "
            f"compute {timings['cpu_compute']:.1f} s, write {timings['cpu_write']:.1f} s; {run.order_count} planned "
            f"orders, {timings['pegs']} pegs, {run.exception_count} messages; status {run.status}; {_loadavg()}"
        )
        if not no_pages:
            self._pages(run)
        if net_change:
            self._net_change(run, net_change, seed)

    def _net_change(self, run, count: int, seed: int) -> None:
        """Issue 14: `count` random single-line changes on this plan, p50 / p95 of the latency from
        each change's commit to the plan updated (mrp/management/commands/bench_netchange.py)."""
        from .bench_netchange import measure_net_change

        measure_net_change(run=run, count=count, rnd=random.Random(seed), write=self.stdout.write)

    # --- data ---------------------------------------------------------------------------------

    @transaction.atomic
    def _load(self, rng: random.Random, n: int, n_sales: int) -> dict:
        from django.contrib.auth import get_user_model

        from bom.models import Bom, BomLine
        from crm.models import Customer, Forecast, SalesOrder, SalesOrderLine
        from inventory.models import Item, StockBalance, Supplier, UnitOfMeasure, Warehouse
        from procurement.models import PurchaseOrder, PurchaseOrderLine
        from production.models import WorkOrder

        uom, _c = UnitOfMeasure.objects.get_or_create(code="pcs", defaults={"name": "pcs"})
        wh = Warehouse.objects.create(code="BENCH", name="Bench", nettable=True)
        suppliers = Supplier.objects.bulk_create([Supplier(code=f"BS{i:03d}", name=f"Supplier {i}") for i in range(50)])
        customer = Customer.objects.create(code="BC001", name="Bench customer")
        # five planners share the items (the workbench's planner filter); nothing else depends on them
        user_model = get_user_model()
        planners = [user_model.objects.get_or_create(username=f"bench-planner-{k}")[0] for k in range(1, 6)]
        # levels
        sizes = [max(1, int(n * share)) for share in LEVELS]
        sizes[-1] = n - sum(sizes[:-1])
        level_of, objs = [], []
        for lvl, size in enumerate(sizes):
            for _k in range(size):
                i = len(objs)
                if lvl == 0:
                    st = "manufacture"
                elif lvl == len(LEVELS) - 1:
                    st = "purchase"
                else:
                    st = rng.choices(["manufacture", "outsource", "phantom"], [80, 10, 10])[0]
                rule = rng.random()
                objs.append(
                    Item(
                        code=f"M{lvl}-{i:06d}",
                        name=f"Bench item {i}",
                        uom=uom,
                        supply_type=st,
                        make_to_order=lvl == 0 and rng.random() < 0.10,
                        lead_time_days=rng.randint(0, 6),
                        safety_stock=_dec(rng.choice([0, 0, 0, 5, 20])) if st != "phantom" else Decimal(0),
                        min_order_qty=_dec(rng.choice([0, 0, 10, 50])) if rule < 0.6 else Decimal(0),
                        order_multiple=_dec(rng.choice([0, 5, 10])) if rule < 0.6 else Decimal(0),
                        # most parts are ordered weekly (periodic order quantity), some lot for lot
                        order_period_days=7 if rng.random() < 0.75 else 0,
                        default_supplier=rng.choice(suppliers) if st in ("purchase", "outsource") else None,
                        default_warehouse=wh,
                        standard_cost=_dec(rng.randint(1, 100)),
                        planner=planners[i % len(planners)],
                    )
                )
                level_of.append(lvl)
        items = Item.objects.bulk_create(objs, batch_size=5000)
        by_level: list[list[Item]] = [[] for _ in LEVELS]
        for it, lvl in zip(items, level_of, strict=True):
            by_level[lvl].append(it)
        # BOMs: every non-leaf item, ~3 lines per item overall (5 per parent), components deeper
        parents = [it for lvl in range(len(LEVELS) - 1) for it in by_level[lvl]]
        target_lines = 3 * n
        per_parent = max(1, round(target_lines / max(1, len(parents))))
        boms = Bom.objects.bulk_create(
            [Bom(item=p, version="V1.0", status="approved", output_qty=Decimal(1)) for p in parents], batch_size=5000
        )
        lines = []
        level_index = {it.pk: lvl for it, lvl in zip(items, level_of, strict=True)}
        for bom, parent in zip(boms, parents, strict=True):
            lvl = level_index[parent.pk]
            chosen = set()
            for k in range(per_parent):
                # mostly the next level; shared purchased parts from the leaf level; some skip levels
                r = rng.random()
                if r < 0.55:
                    pool = by_level[lvl + 1]
                elif r < 0.85:
                    pool = by_level[-1]
                else:
                    pool = by_level[rng.randint(lvl + 1, len(LEVELS) - 1)]
                comp = pool[rng.randrange(len(pool))]
                if comp.pk in chosen:
                    continue
                chosen.add(comp.pk)
                lines.append(
                    BomLine(
                        bom=bom,
                        line_no=(k + 1) * 10,
                        component=comp,
                        qty_per=_dec(rng.choice([1, 1, 2, 3, "0.5"])),
                        scrap_rate=_dec(rng.choice([0, 0, 0, "0.02"])),
                    )
                )
        BomLine.objects.bulk_create(lines, batch_size=10000)
        # stock
        StockBalance.objects.bulk_create(
            [
                StockBalance(item=it, warehouse=wh, qty=_dec(rng.randint(1, 200)), value=Decimal(0))
                for it in items
                if rng.random() < 0.3 and it.supply_type != "phantom"
            ],
            batch_size=10000,
        )
        # sales orders: 10 lines each on finished goods
        fgs = by_level[0]
        orders = SalesOrder.objects.bulk_create(
            [
                SalesOrder(number=f"BSO{k:06d}", customer=customer, order_date=D0, status="confirmed")
                for k in range((n_sales + 9) // 10)
            ],
            batch_size=5000,
        )
        so_lines = []
        for k in range(n_sales):
            so_lines.append(
                SalesOrderLine(
                    order=orders[k // 10],
                    line_no=(k % 10) + 1,
                    item=fgs[rng.randrange(len(fgs))],
                    qty=_dec(rng.randint(1, 50)),
                    due_date=D0 + datetime.timedelta(days=rng.randint(-5, 85)),
                    unit_price=Decimal(10),
                )
            )
        SalesOrderLine.objects.bulk_create(so_lines, batch_size=10000)
        fc_keys = {
            (rng.randrange(len(fgs)), D0 + datetime.timedelta(days=rng.randint(0, 85))) for _k in range(max(1, n // 10))
        }
        fc = [Forecast(item=fgs[i], date=day, qty=_dec(rng.randint(10, 100))) for i, day in sorted(fc_keys)]
        Forecast.objects.bulk_create(fc, batch_size=10000)
        # open purchase orders on purchased parts, open work orders on made items
        leaves = by_level[-1]
        n_po = max(1, n // 50)
        pos = PurchaseOrder.objects.bulk_create(
            [
                PurchaseOrder(number=f"BPO{k:06d}", supplier=suppliers[k % len(suppliers)], order_date=D0,
                              status="confirmed")
                for k in range(n_po)
            ],
            batch_size=5000,
        )  # fmt: skip
        po_lines = [
            PurchaseOrderLine(
                order=pos[k // 5],
                line_no=(k % 5) + 1,
                item=leaves[rng.randrange(len(leaves))],
                qty=_dec(rng.randint(10, 500)),
                due_date=D0 + datetime.timedelta(days=rng.randint(-3, 60)),
                unit_price=Decimal(1),
            )
            for k in range(n_po * 5)
        ]
        PurchaseOrderLine.objects.bulk_create(po_lines, batch_size=10000)
        made = [it for lvl in (1, 2, 3) for it in by_level[lvl] if it.supply_type == "manufacture"]
        wos = []
        for k in range(max(1, n // 25)):
            start = D0 + datetime.timedelta(days=rng.randint(-5, 40))
            wos.append(
                WorkOrder(
                    number=f"BWO{k:06d}",
                    item=made[rng.randrange(len(made))],
                    qty=_dec(rng.randint(5, 100)),
                    planned_start=start,
                    planned_finish=start + datetime.timedelta(days=rng.randint(1, 10)),
                    warehouse=wh,
                )
            )
        WorkOrder.objects.bulk_create(wos, batch_size=5000)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        return {
            "items": len(items),
            "bom_lines": len(lines),
            "sales_lines": len(so_lines),
            "po_lines": len(po_lines),
            "work_orders": len(wos),
            "forecasts": len(fc),
        }

    # --- pages --------------------------------------------------------------------------------

    def _pages(self, run) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        from mrp.models import MrpPeg, PlannedOrder

        connection.cursor().execute("ANALYZE")
        user = get_user_model().objects.filter(username="bench-mrp").first()
        if user is None:
            user = get_user_model().objects.create_superuser("bench-mrp", email="", password=None)
        host = next((h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")), "localhost")
        client = Client(HTTP_HOST=host, raise_request_exception=False)
        client.force_login(user)
        ids = PlannedOrder.objects.filter(run=run).order_by("id").values_list("id", flat=True)
        far = ids[min(run.order_count - 1, 49_950)] if run.order_count else 0
        some = PlannedOrder.objects.filter(run=run, pegged_to="").order_by("id").first()
        so = MrpPeg.objects.filter(run=run, demand_kind="sales").values_list("demand_ref", flat=True).first()
        planner_id = get_user_model().objects.filter(username="bench-planner-1").values_list("pk", flat=True).first()
        base = f"/mrp/runs/{run.pk}/"
        pages = [
            ("planned orders, page 1", base),
            ("planned orders, page 1,000 (keyset)", f"{base}?after={far}"),
            ("planned orders, item filter", f"{base}?item=M5-04"),
            ("planned orders, item filter, after 50,000", f"{base}?item=M5-04&after={far}"),
            ("planned orders, planner filter", f"{base}?planner={planner_id}"),
            ("planned orders, planner + item + late", f"{base}?planner={planner_id}&item=M3&late=1"),
            ("planned orders, late + type", f"{base}?late=1&order_type=purchase"),
            ("planned orders, release window", f"{base}?release_from=2026-03-10&release_to=2026-03-20"),
            ("action messages, page 1", f"{base}messages/"),
            ("action messages, kind filter", f"{base}messages/?kind=reschedule_in"),
            ("action messages, item filter", f"{base}messages/?item=M5-04"),
            ("action messages, page 200", f"{base}messages/?page=200"),
            ("planned order pegging", f"/mrp/planned/{some.pk}/" if some else base),
            ("supply tree of a sales line", f"{base}supply/?so={so or ''}"),
            ("MRP record (week)", f"{base}items/{some.item_id}/record/?bucket=week" if some else base),
        ]
        self.stdout.write(f"{'page':<40} {'median ms':>10} {'status':>7}")
        for name, url in pages:
            client.get(url, secure=True)
            times = []
            for _k in range(5):
                t0 = time.perf_counter()
                response = client.get(url, secure=True)
                times.append((time.perf_counter() - t0) * 1000)
            self.stdout.write(f"{name:<40} {statistics.median(times):>10.1f} {response.status_code:>7}")
