"""Benchmark of net change and capable to promise (docs/mrp.md §5, issue 14).

    python manage.py bench_netchange --generate 2000        # layered data set (items NCB-*), then:
    python manage.py bench_netchange --net-change 100 --ctp 10

`--generate N` writes a layered data set of N items (6 levels, 3 components per parent, shared
components, phantoms, mixed lot rules, stock, confirmed sales orders on the top level, open
purchase orders) — meant for an empty bench database; it stays. `--net-change K` runs a full MRP
(when there is no current plan), then applies K random single-line changes (quantity or due date
of an open sales-order line, due date of a purchase-order line, through their services, committed)
and after each one the net change the worker would run (`net_change_apply`), and prints p50 / p95
of the latency from the change's commit to the plan being updated (the worker starts on the first
change at once: no debounce wait on top; `measure_net_change`, also used by `bench_mrp
--net-change`). `--ctp M` times M capable-to-promise answers on random top items (current plan as
the base, as the pages do).
"""

import datetime
import random
import statistics
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

LEVELS = 6
PREFIX = "NCB-"


def _loadavg() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            return " ".join(fh.read().split()[:3])
    except OSError:
        return "?"


def _random_change(rnd: random.Random, so_ids: list[int], po_ids: list[int]) -> str:
    """One random single-line change, committed by its service (which records the planning change):
    half sales-order line quantities (±), a quarter sales-order due dates, a quarter purchase-order
    line due dates. Returns its kind."""
    from crm.models import SalesOrderLine
    from crm.services.orders import sales_order_line_change
    from procurement.models import PurchaseOrderLine
    from procurement.services.orders import purchase_order_line_reschedule

    pick = rnd.random()
    if pick < 0.25 and po_ids:
        line = PurchaseOrderLine.objects.select_related("order").get(pk=rnd.choice(po_ids))
        due = max(line.order.order_date, line.due_date + datetime.timedelta(days=rnd.choice([-3, -2, 2, 3, 5])))
        purchase_order_line_reschedule(line_id=line.pk, due_date=due, reason="bench")
        return "po_due"
    line = SalesOrderLine.objects.select_related("order").get(pk=rnd.choice(so_ids))
    due = max(line.order.order_date, line.due_date)
    if pick < 0.5:
        due = max(line.order.order_date, due + datetime.timedelta(days=rnd.choice([-5, -2, 2, 5, 9])))
        sales_order_line_change(line_id=line.pk, due_date=due, reason="bench")
        return "so_due"
    qty = max(line.delivered_qty + 1, line.qty + rnd.choice([-1, 1]) * rnd.randint(1, 20))
    sales_order_line_change(line_id=line.pk, qty=qty, due_date=due, reason="bench")
    return "so_qty"


def measure_net_change(*, run, count: int, rnd: random.Random, write) -> dict:
    """Apply `count` random single-line changes (`_random_change`, each committed) on the current
    plan and after each one the net change the worker runs (`net_change_apply`); `write` gets the
    p50 / p95 of the latency from the change's commit to the plan being updated (PlanUpdate), the
    process CPU of the worker's call, the items planned again and the load average. Returns the
    figures. Used by this command and by `bench_mrp --net-change`."""
    from crm.models import SalesOrderLine
    from inventory.services.planning import unregister_planning_listener
    from mrp.services.netchange import net_change_apply, on_planning_change
    from mrp.services.risk import plan_update_at_risk
    from procurement.models import PurchaseOrderLine

    # the at-risk check follows the plan update in a task of its own (not part of the latency): the
    # benchmark runs it itself after each update and counts its time apart
    # the benchmark plays the worker: it applies each change itself, right after the commit
    unregister_planning_listener(on_planning_change)
    so_ids = list(SalesOrderLine.objects.open().filter(order__status="confirmed").values_list("pk", flat=True))
    po_ids = list(
        PurchaseOrderLine.objects.filter(order__status="confirmed", closed=False).values_list("pk", flat=True)
    )
    if not so_ids:
        raise CommandError("no open sales-order lines to change")
    load_before = _loadavg()
    rows: list = []
    risk: list[tuple[float, float]] = []
    for _attempt in range(3 * count):
        if len(rows) >= count:
            break
        kind = _random_change(rnd, so_ids, po_ids)
        t, cpu = time.perf_counter(), time.process_time()
        outcome = net_change_apply(follow_up=False)
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        if outcome.update is None:  # the random change changed nothing (e.g. a date kept): another one
            continue
        u = outcome.update
        t_risk, cpu_risk = time.perf_counter(), time.process_time()
        plan_update_at_risk(update_id=u.pk)
        risk.append((time.perf_counter() - t_risk, time.process_time() - cpu_risk))
        u.refresh_from_db(fields=["latency_ms"])
        pegs = len(outcome.replan.written.pegs) if outcome.replan is not None else 0
        rows.append((kind, u.latency_ms, u.duration_ms, cpu * 1000, u.item_count, u.order_count, wall, pegs,
                     dict(outcome.phases)))  # fmt: skip
    lat = [r[1] for r in rows]
    so_lat = [r[1] for r in rows if r[0] != "po_due"]
    figures = {
        "p50": _pct(lat, 50),
        "p95": _pct(lat, 95),
        "max": max(lat),
        "cpu_p50": _pct([r[3] for r in rows], 50),
        "cpu_p95": _pct([r[3] for r in rows], 95),
        "planned_median": statistics.median(r[4] for r in rows),
        "planned_max": max(r[4] for r in rows),
        "orders_max": max(r[5] for r in rows),
    }
    kinds = ", ".join(f"{k} {sum(1 for r in rows if r[0] == k)}" for k in ("so_qty", "so_due", "po_due"))
    write(
        f"net change × {count} ({kinds}): latency commit → plan updated p50 {figures['p50']:.0f} ms, "
        f"p95 {figures['p95']:.0f} ms, max {figures['max']:.0f} ms; sales-order changes alone p50 "
        f"{_pct(so_lat, 50):.0f} ms, p95 {_pct(so_lat, 95):.0f} ms; worker process CPU of the plan update "
        f"p50 {figures['cpu_p50']:.0f} ms, p95 {figures['cpu_p95']:.0f} ms; items planned "
        f"again per change median {figures['planned_median']:.0f}, max {figures['planned_max']}, planned "
        f"orders written max {figures['orders_max']}; at-risk follow-up (after the update) p50 "
        f"{_pct([r[0] * 1000 for r in risk], 50):.0f} ms, p95 {_pct([r[0] * 1000 for r in risk], 95):.0f} ms wall, "
        f"CPU p50 {_pct([r[1] * 1000 for r in risk], 50):.0f} ms; load average {load_before} → {_loadavg()}"
    )
    # where the slow ones spend their time (wall seconds per phase of net_change_apply)
    for r in sorted(rows, key=lambda r: -r[1])[: max(1, len(rows) // 20)]:
        phases = " ".join(f"{k} {v:.2f}" for k, v in r[8].items() if v >= 0.005)
        write(
            f"  slow: {r[0]} latency {r[1]} ms, {r[4]} items planned, {r[5]} orders, {r[7]} pegs written; "
            f"CPU {r[3]:.0f} ms; phases s: {phases}"
        )
    return figures


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return 0.0
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


class Command(BaseCommand):
    help = "Net-change latency and CTP answer times (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--generate", type=int, default=0, help="write a layered data set of N items first")
        parser.add_argument("--net-change", type=int, default=0, dest="net_change")
        parser.add_argument("--ctp", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, generate, net_change, ctp, seed, **options):
        rnd = random.Random(seed)
        today = timezone.localdate()
        if generate:
            t = time.perf_counter()
            self._generate(generate, rnd, today)
            self.stdout.write(f"generated {generate} items in {time.perf_counter() - t:.1f} s")
        if net_change or ctp:
            run = self._plan(today)
        if net_change:
            self._net_change(run, net_change, rnd)
        if ctp:
            self._ctp(ctp, rnd, today)

    # ---- data ---------------------------------------------------------------------------
    def _generate(self, n: int, rnd: random.Random, today: datetime.date) -> None:
        from bom.models import Bom, BomLine
        from crm.models import Customer, SalesOrder, SalesOrderLine
        from inventory.models import Item, Supplier, UnitOfMeasure, Warehouse
        from inventory.services.ledger import MoveSpec, stock_moves_post
        from procurement.models import PurchaseOrder, PurchaseOrderLine

        if Item.objects.filter(code__startswith=PREFIX).exists():
            raise CommandError("bench items exist already (NCB-*): use a fresh database")
        with transaction.atomic():
            uom, _c = UnitOfMeasure.objects.get_or_create(code="pcs", defaults={"name": "pcs"})
            wh, _c = Warehouse.objects.get_or_create(code=PREFIX + "WH", defaults={"name": "bench", "nettable": True})
            sup, _c = Supplier.objects.get_or_create(code=PREFIX + "S", defaults={"name": "bench supplier"})
            cust, _c = Customer.objects.get_or_create(code=PREFIX + "C", defaults={"name": "bench customer"})
            sizes = [max(1, n // 10)] + [0] * (LEVELS - 1)
            rest = n - sizes[0]
            for lv in range(1, LEVELS):
                sizes[lv] = rest // (LEVELS - 1) + (1 if lv <= rest % (LEVELS - 1) else 0)
            items, levels = [], []
            for lv, size in enumerate(sizes):
                ids = []
                for _k in range(size):
                    last = lv == LEVELS - 1
                    supply = "purchase" if last else rnd.choices(
                        ["manufacture", "outsource", "phantom"], [85, 10, 5]
                    )[0] if lv else "manufacture"  # fmt: skip
                    items.append(
                        Item(
                            code=f"{PREFIX}{lv}-{len(items):06d}",
                            name=f"bench {lv}",
                            uom=uom,
                            supply_type=supply,
                            lead_time_days=0 if supply == "phantom" else rnd.randint(1, 10),
                            safety_stock=Decimal(rnd.choice([0, 0, 0, 10])) if supply != "phantom" else 0,
                            min_order_qty=Decimal(rnd.choice([0, 0, 50])),
                            order_multiple=Decimal(rnd.choice([0, 0, 10])),
                            make_to_order=lv == 0 and rnd.random() < 0.1,
                            default_supplier=sup if supply in ("purchase", "outsource") else None,
                            default_warehouse=wh,
                            standard_cost=Decimal(1),
                        )
                    )
                    ids.append(len(items) - 1)
                levels.append(ids)
            Item.objects.bulk_create(items, batch_size=5000)
            boms, lines = [], []
            for lv in range(LEVELS - 1):
                for idx in levels[lv]:
                    boms.append(Bom(item=items[idx], status="approved", version="V1.0"))
            Bom.objects.bulk_create(boms, batch_size=5000)
            k = 0
            for lv in range(LEVELS - 1):
                below = levels[lv + 1]
                for _parent in levels[lv]:
                    for n_line, comp in enumerate(rnd.sample(below, min(3, len(below))), start=1):
                        lines.append(
                            BomLine(
                                bom=boms[k],
                                line_no=n_line * 10,
                                component=items[comp],
                                qty_per=Decimal(rnd.choice([1, 1, 2, 3])),
                            )
                        )
                    k += 1
            BomLine.objects.bulk_create(lines, batch_size=10000)
            stocked = [it for it in items if it.supply_type != "phantom" and rnd.random() < 0.5]
            stock_moves_post(
                source_type="bench.opening",
                source_id=1,
                moves=[
                    MoveSpec(it.pk, wh.pk, Decimal(rnd.randint(1, 200)), Decimal(1), source_line=i)
                    for i, it in enumerate(stocked)
                ],
                move_date=today,
            )
            tops = [items[i] for i in levels[0]]
            orders, so_lines = [], []
            n_lines = max(1, int(n * 0.4))
            for o in range((n_lines + 9) // 10):
                orders.append(
                    SalesOrder(number=f"{PREFIX}SO-{o:06d}", customer=cust, order_date=today, status="confirmed")
                )
            SalesOrder.objects.bulk_create(orders, batch_size=5000)
            for i in range(n_lines):
                so_lines.append(
                    SalesOrderLine(
                        order=orders[i // 10],
                        line_no=(i % 10 + 1) * 10,
                        item=rnd.choice(tops),
                        qty=Decimal(rnd.randint(1, 50)),
                        due_date=today + datetime.timedelta(days=rnd.randint(5, 80)),
                        unit_price=Decimal(10),
                    )
                )
            SalesOrderLine.objects.bulk_create(so_lines, batch_size=5000)
            buys = [it for it in items if it.supply_type == "purchase" and rnd.random() < 0.2]
            pos, po_lines = [], []
            for o in range((len(buys) + 9) // 10):
                pos.append(PurchaseOrder(number=f"{PREFIX}PO-{o:06d}", supplier=sup, order_date=today,
                                         status="confirmed"))  # fmt: skip
            PurchaseOrder.objects.bulk_create(pos, batch_size=5000)
            for i, it in enumerate(buys):
                po_lines.append(
                    PurchaseOrderLine(
                        order=pos[i // 10],
                        line_no=(i % 10 + 1) * 10,
                        item=it,
                        qty=Decimal(rnd.randint(10, 300)),
                        unit_price=Decimal(1),
                        due_date=today + datetime.timedelta(days=rnd.randint(1, 40)),
                    )
                )
            PurchaseOrderLine.objects.bulk_create(po_lines, batch_size=5000)
            from inventory.models import PlanningChange

            PlanningChange.objects.filter(processed_at__isnull=True).update(processed_at=timezone.now())

    # ---- plan ---------------------------------------------------------------------------
    def _plan(self, today: datetime.date):
        from inventory.models import PlanningChange
        from mrp.selectors import current_run
        from mrp.services.runs import mrp_run_create, mrp_run_execute

        run = current_run()
        if run is None:
            t = time.perf_counter()
            run = mrp_run_execute(run_id=mrp_run_create(run_date=today).pk)
            self.stdout.write(
                f"full run: {run.item_count} items, {run.order_count} planned orders in {time.perf_counter() - t:.1f} s"
            )
        PlanningChange.objects.filter(processed_at__isnull=True).update(processed_at=timezone.now())
        return run

    def _net_change(self, run, count: int, rnd: random.Random) -> None:
        measure_net_change(run=run, count=count, rnd=rnd, write=self.stdout.write)

    def _ctp(self, count: int, rnd: random.Random, today: datetime.date) -> None:
        from bom.models import Bom
        from mrp.services.promise import ctp_promise

        tops = list(Bom.objects.filter(status="approved").values_list("item_id", flat=True)[:2000])
        times = []
        for _n in range(count):
            t = time.perf_counter()
            ctp_promise(item_id=rnd.choice(tops), qty=Decimal(rnd.randint(1, 100)), d0=today, use_plan=True)
            times.append((time.perf_counter() - t) * 1000)
        self.stdout.write(
            f"CTP × {count} (current plan as base): p50 {_pct(times, 50):.0f} ms, p95 {_pct(times, 95):.0f} ms"
        )
