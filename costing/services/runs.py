"""成本计算: the period cost run (Celery job with progress). Collects the period's moves, orders,
pools and invoice differences in bulk, computes with `costing.engine`, stores the results and
posts the corrections as append-only cost entries plus value-only stock moves (deltas to what
earlier runs of the period posted: a re-run with unchanged inputs posts nothing).

Faults (as the MRP run): executing is idempotent — only a queued run is taken (queued →
running); a redelivered task that finds it running or finished does nothing. The run computes
and posts in one transaction, so a thread of the worker writes its heartbeat and progress on a
connection of its own (`erp.heartbeat`). A running run whose heartbeat is older than
`settings.COST_RUN_STALE_SECONDS` (a killed worker: its transaction was rolled back, nothing was
posted) is marked failed by `fail_stale_cost_runs` (before every new run, on the progress poll and
by the beat task), so a new run can start. A run that could not be queued (broker down) stays
queued and is sent again by the kernel's requeue job (`queued_cost_runs`).
"""

import calendar
import datetime
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.dispatch import send_on_commit
from erp.errors import ClosedPeriodError, ConcurrencyError, DomainError
from erp.fields import ZERO, round_money
from erp.heartbeat import Heartbeat, fail_stale
from erp.locks import lock_row
from erp.models import Period, PeriodStatus
from erp.periods import period_end_steps
from erp.types import User
from inventory.models import Item, StockMove
from inventory.services.valuation import Revaluation, stock_revalue
from procurement.models import (
    AdjustmentTarget,
    CostAdjustmentEntry,
    OutsourcingMaterial,
    OutsourcingOrder,
    OutsourcingReceipt,
)
from production.models import FGReceipt, PickingAllocation, WorkOrder, WorkOrderMaterial
from production.states import LineType, WorkOrderStatus

from .. import engine as eng
from ..engine import core
from ..models import (
    RUN_FLOW,
    Basis,
    CostEntry,
    CostPool,
    CostRun,
    CostSettings,
    Element,
    ItemCost,
    OrderCost,
    RunStatus,
    Scope,
    WipCompletion,
    WorkHours,
)
from .listeners import CostEntryData, CostRunEvent, notify

SOURCE = "costing.costrun"
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
FINISHED = (RunStatus.DONE, RunStatus.FAILED)

ISSUE_KINDS = {
    "production_issue",
    "production_return",
    "backflush",
    "sales_issue",
    "sales_return",
    "other_issue",
    "count_gain",
    "count_loss",
    "outsourcing_consume",
    "outsourcing_scrap_out",
}
OUTPUT_KINDS = {"fg_receipt", "co_product", "outsourcing_receipt"}
PICKING = "production.picking"
FG_RECEIPT = "production.fgreceipt"
OS_RECEIPT = "procurement.outsourcingreceipt"
OPEN_AT_END = (WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED)


def period_bounds(period: Period) -> tuple[datetime.date, datetime.date]:
    last = calendar.monthrange(period.year, period.month)[1]
    return period.start, datetime.date(period.year, period.month, last)


def _consumer_role(source_type: str, kind: str) -> str:
    if source_type in (PICKING, FG_RECEIPT):
        return "wip"
    if kind == "outsourcing_consume":
        return "outsourcing"
    if source_type.startswith("crm."):
        return "cogs"
    return "expense"


# --- starting and finishing ------------------------------------------------------------------


def _check_period(period: Period) -> None:
    if period.status == PeriodStatus.CLOSED:
        raise ClosedPeriodError(
            _("Period %(period)s is closed: its costs are final and the cost run cannot change them.")
            % {"period": period},
            code="period_closed",
        )


def stale_seconds() -> int:
    return int(getattr(settings, "COST_RUN_STALE_SECONDS", 300))


HEARTBEAT_EVERY = 2.0  # seconds between heartbeats while the run computes


def fail_stale_cost_runs(*, run_id: int | None = None) -> int:
    """Running runs whose heartbeat (or start) is older than the timeout → failed, with a message.
    A row a live worker holds locked (it is finishing) is skipped. Returns the count."""
    return fail_stale(
        CostRun,
        flow=RUN_FLOW,
        running=RunStatus.RUNNING,
        failed=RunStatus.FAILED,
        seconds=stale_seconds(),
        run_id=run_id,
        message=lambda when, secs: (
            _(
                "The worker stopped answering (no heartbeat since %(when)s, timeout %(secs)s s); the run was marked failed and nothing of it was posted."
            )
            % {"when": when, "secs": secs}
        ),
    )


def queued_cost_runs(before: datetime.datetime) -> Iterator[tuple[int]]:
    """Requeue provider (erp/requeue.py): runs still queued that were created before `before`."""
    for pk in (
        CostRun.objects.filter(status=RunStatus.QUEUED, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        yield (pk,)


def cost_run_create(*, period_id: int, user: User | None = None) -> CostRun:
    """A queued run; refused for a closed period and while another run of the period is active
    (a run whose worker died is failed first)."""
    period = Period.objects.get(pk=period_id)
    _check_period(period)
    fail_stale_cost_runs()
    try:
        with transaction.atomic():
            return CostRun.objects.create(period=period, created_by=user if getattr(user, "pk", None) else None)
    except IntegrityError:
        raise ConcurrencyError(
            _("A cost run of %(period)s is already queued or running; wait for it to finish.") % {"period": period},
            code="cost_run_active",
        ) from None


def cost_run_start(*, period_id: int, user: User | None = None) -> CostRun:
    """Queue a run for the worker (costing.tasks.execute_cost_run, after commit); when the broker
    is down the run stays queued and the requeue job sends it later."""
    from ..tasks import execute_cost_run

    run = cost_run_create(period_id=period_id, user=user)
    send_on_commit(execute_cost_run, run.pk)
    return run


def cost_run_now(*, period_id: int, user: User | None = None) -> CostRun:
    """Create and execute a run in this process (commands, period close, tests)."""
    run = cost_run_create(period_id=period_id, user=user)
    return cost_run_execute(run_id=run.pk)


def _beat(run_id: int, pct: int | None) -> None:
    """Heartbeat and progress (from the heartbeat thread, autocommit)."""
    fields: dict[str, object] = {"heartbeat_at": timezone.now()}
    if pct is not None:
        fields["progress"] = pct
    CostRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(**fields)


def _take(run_id: int) -> tuple[CostRun, bool]:
    """Queued → running. Returns (run, taken): a run already running (a redelivered task while
    another worker computes it) or finished is left alone."""
    with transaction.atomic():
        run = CostRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.QUEUED:
            return run, False
        RUN_FLOW.apply(run, RunStatus.RUNNING)
        run.started_at = run.heartbeat_at = timezone.now()
        run.save(update_fields=["status", "started_at", "heartbeat_at"])
    return run, True


def cost_run_execute(*, run_id: int) -> CostRun:
    """Compute and store one run. Idempotent: only a queued run is executed. A failure ends the
    run as failed with the message; nothing of it is posted."""
    run, taken = _take(run_id)
    if not taken:
        return run
    started = time.perf_counter()
    try:
        with (
            Heartbeat(lambda pct: _beat(run_id, pct), every=HEARTBEAT_EVERY) as hb,
            transaction.atomic(),
            period_end_steps(),
        ):
            period = lock_row(Period, run.period_id)
            _check_period(period)
            pause = int(os.environ.get("COST_RUN_PAUSE_SECONDS") or 0)  # whole seconds
            if pause:  # fault injection for the worker-kill test (tests/erp/test_faults_worker.py)
                time.sleep(pause)
            _execute(run, period, hb)
            hb.stop()  # before this transaction updates the run row the thread writes
            current = CostRun.objects.select_for_update().get(pk=run_id)
            if current.status != RunStatus.RUNNING:  # failed as stale meanwhile: post nothing
                transaction.set_rollback(True)
                return current
            RUN_FLOW.apply(run, RunStatus.DONE)
            run.progress = 100
            run.finished_at = run.heartbeat_at = timezone.now()
            run.duration_ms = int((time.perf_counter() - started) * 1000)
            run.save()
        return run
    except DomainError as exc:
        return _fail(run_id, str(exc), started)
    except Exception as exc:
        _fail(run_id, f"{exc.__class__.__name__}: {exc}", started)
        raise


def _fail(run_id: int, message: str, started: float) -> CostRun:
    with transaction.atomic():
        run = CostRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            return run
        RUN_FLOW.apply(run, RunStatus.FAILED)
        run.message = message
        run.finished_at = timezone.now()
        run.duration_ms = int((time.perf_counter() - started) * 1000)
        run.save()
    return run


# --- collecting ------------------------------------------------------------------------------


@dataclass
class _Ref:
    """Where an engine move comes from (for entry keys and sources)."""

    move_id: int
    item: int
    wh: int
    source_type: str
    source_id: int
    source_number: str
    role: str  # consumer role (issues) or credit role (receipts)
    consumer: str = ""  # "wo:1" / "oo:2" / ""


@dataclass
class _Collected:
    moves: list[core.MoveIn] = field(default_factory=list)
    refs: dict[int, _Ref] = field(default_factory=dict)
    orders: dict[str, core.OrderIn] = field(default_factory=dict)
    opening: dict[tuple[int, int], tuple[Decimal, Decimal]] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)
    invoice_parts: list[tuple[CostAdjustmentEntry, str, int | None, Decimal]] = field(default_factory=list)
    order_numbers: dict[str, str] = field(default_factory=dict)


def _opening(start: datetime.date, per_wh: bool) -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    keys = ["item_id", "warehouse_id"] if per_wh else ["item_id"]
    rows = StockMove.objects.filter(move_date__lt=start).values(*keys).annotate(q=Sum("qty"), v=Sum("value")).order_by()
    out = {}
    for r in rows:
        q, v = r["q"] or ZERO, r["v"] or ZERO
        if q or v:
            out[(r["item_id"], r["warehouse_id"] if per_wh else 0)] = (q, v)
    return out


def _previous_closing_wip(period: Period) -> dict[str, dict[str, Decimal]] | None:
    """Closing WIP by order and element of the previous month's latest finished run (None: no
    such run; the opening WIP then comes from the posted values, `_posted_wip_before`)."""
    prev_year, prev_month = (period.year, period.month - 1) if period.month > 1 else (period.year - 1, 12)
    prev = Period.objects.filter(year=prev_year, month=prev_month).first()
    if not prev:
        return None
    run = CostRun.objects.filter(period=prev, status=RunStatus.DONE).order_by("-finished_at", "-pk").first()
    if not run:
        return None
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for oc in OrderCost.objects.filter(run=run).exclude(closing_wip=0):
        key = f"wo:{oc.work_order_id}" if oc.work_order_id else f"oo:{oc.outsourcing_order_id}"
        out[key][oc.element] = oc.closing_wip
    return out


def _posted_wip_before(wo_ids: set[int], start: datetime.date) -> dict[str, dict[str, Decimal]]:
    """Without a previous run (costing starts this month): the opening WIP of the orders is their
    posted value before the period — material issued (pickings by allocation, backflush) less
    what their receipts took out — all as material."""
    if not wo_ids:
        return {}
    allocs = list(
        PickingAllocation.objects.filter(material__work_order_id__in=wo_ids, issued_qty__gt=0).values_list(
            "line_id", "line__picking_id", "line__issued_qty", "material__work_order_id", "issued_qty"
        )
    )
    line_value = dict(
        StockMove.objects.filter(
            source_type=PICKING,
            source_id__in={a[1] for a in allocs},
            source_line__in={a[0] for a in allocs},
            move_date__lt=start,
        )
        .values_list("source_line")
        .annotate(v=Sum("value"))
        .order_by()
    )
    wip: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line_id, _pk, line_qty, wo_id, q in allocs:
        if line_qty and line_id in line_value:
            wip[wo_id] -= line_value[line_id] * q / line_qty
    receipt_wo = dict(FGReceipt.objects.filter(work_order_id__in=wo_ids).values_list("pk", "work_order_id"))
    for rid, v in (
        StockMove.objects.filter(source_type=FG_RECEIPT, source_id__in=list(receipt_wo), move_date__lt=start)
        .values_list("source_id")
        .annotate(v=Sum("value"))
        .order_by()
    ):
        wip[receipt_wo[rid]] -= v or ZERO
    return {f"wo:{w}": {Element.MATERIAL: round_money(v)} for w, v in wip.items() if round_money(v)}


def _collect(period: Period, cfg: CostSettings) -> _Collected:
    start, end = period_bounds(period)
    per_wh = cfg.scope == Scope.ITEM_WAREHOUSE
    c = _Collected()
    c.opening = _opening(start, per_wh)
    rows = list(
        StockMove.objects.filter(move_date__gte=start, move_date__lte=end)
        .exclude(source_type=SOURCE)
        .order_by("pk")
        .values_list(
            "pk",
            "item_id",
            "warehouse_id",
            "qty",
            "value",
            "kind",
            "source_type",
            "source_id",
            "source_line",
            "reversal",
            "source_number",
        )
    )
    picking_lines = {r[8] for r in rows if r[6] == PICKING}
    allocs: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for line_id, wo_id, q in (
        PickingAllocation.objects.filter(line_id__in=picking_lines, issued_qty__gt=0)
        .order_by("line_id", "pk")
        .values_list("line_id", "material__work_order_id", "issued_qty")
    ):
        allocs[line_id].append((wo_id, q))
    fg_ids = {r[7] for r in rows if r[6] == FG_RECEIPT}
    fg_wo = dict(FGReceipt.objects.filter(pk__in=fg_ids).values_list("pk", "work_order_id"))
    mat_ids = {r[8] for r in rows if r[6] == FG_RECEIPT and r[5] in ("backflush", "co_product")}
    materials = {
        m["pk"]: m
        for m in WorkOrderMaterial.objects.filter(pk__in=mat_ids).values(
            "pk", "work_order_id", "line_type", "cost_share", "component_id", "component__standard_cost"
        )
    }
    os_ids = {r[7] for r in rows if r[6] == OS_RECEIPT}
    os_order = dict(OutsourcingReceipt.objects.filter(pk__in=os_ids).values_list("pk", "order_id"))
    os_fee: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for oid, fee in OutsourcingReceipt.objects.filter(
        pk__in=os_ids, receipt_date__gte=start, receipt_date__lte=end
    ).values_list("order_id", "fee_value"):
        os_fee[oid] += fee
    os_mat = dict(
        OutsourcingMaterial.objects.filter(pk__in={r[8] for r in rows if r[5] == "outsourcing_consume"}).values_list(
            "pk", "order_id"
        )
    )

    # transfers: pair "..._out" with "..._in" of the same document line
    outs: dict[tuple, int] = {}
    for r in rows:
        if r[5].endswith("_out") and r[5] not in ISSUE_KINDS:
            outs[(r[6], r[7], r[8], r[9], r[5][:-4])] = r[0]

    key = 0
    wo_ids: set[int] = set()
    co_outputs: dict[str, dict[int, int]] = defaultdict(dict)  # order -> material id -> output index

    def add(r, qty, value, cls, role, consumer="", link=None, order="", output=0):
        nonlocal key
        key += 1
        c.moves.append(core.MoveIn(key, r[1], r[2], qty, value, cls, consumer, link, order, output))
        c.refs[key] = _Ref(r[0], r[1], r[2], r[6], r[7], r[10], role, consumer or order)
        return key

    by_move_key: dict[int, int] = {}
    pending_in = []
    for r in rows:
        pk, item, wh, qty, value, kind, stype, sid, sline, reversal, number = r
        if kind in ISSUE_KINDS:
            role = _consumer_role(stype, kind)
            if stype == PICKING and allocs.get(sline):
                parts = allocs[sline]
                total = sum((q for _w, q in parts), ZERO)
                values = core.allocate(value, {i: q for i, (_w, q) in enumerate(parts)})
                for i, (wo_id, q) in enumerate(parts):
                    wo_ids.add(wo_id)
                    add(r, qty * q / total, values[i], core.ISSUE, role, consumer=f"wo:{wo_id}")
            elif stype == FG_RECEIPT and sline in materials:
                wo_id = materials[sline]["work_order_id"]
                wo_ids.add(wo_id)
                add(r, qty, value, core.ISSUE, role, consumer=f"wo:{wo_id}")
            elif kind == "outsourcing_consume" and sline in os_mat:
                add(r, qty, value, core.ISSUE, role, consumer=f"oo:{os_mat[sline]}")
            else:
                add(r, qty, value, core.ISSUE, role)
        elif kind in OUTPUT_KINDS and stype == FG_RECEIPT and sid in fg_wo:
            okey = f"wo:{fg_wo[sid]}"
            wo_ids.add(fg_wo[sid])
            idx = 0
            if kind == "co_product" and sline in materials:
                idx = co_outputs[okey].setdefault(sline, len(co_outputs[okey]) + 1)
            add(r, qty, value, core.OUTPUT, "wip", order=okey, output=idx)
        elif kind == "outsourcing_receipt" and sid in os_order:
            add(r, qty, value, core.OUTPUT, "outsourcing", order=f"oo:{os_order[sid]}")
        elif kind.endswith("_out") and (stype, sid, sline, reversal, kind[:-4]) in outs:
            by_move_key[pk] = add(r, qty, value, core.XFER_OUT, "stock")
        elif kind.endswith("_in") and (stype, sid, sline, reversal, kind[:-3]) in outs:
            pending_in.append(add(r, qty, value, core.XFER_IN, "stock"))
            c.moves[-1].link = outs[(stype, sid, sline, reversal, kind[:-3])]  # move pk for now
        else:
            add(r, qty, value, core.PRICED, "stock")
    for k in pending_in:
        mv = c.moves[k - 1]
        mv.link = by_move_key.get(mv.link) if mv.link is not None else None

    # hours and pools
    hours = list(
        WorkHours.objects.filter(work_date__gte=start, work_date__lte=end).values_list(
            "work_order_id", "cost_centre_id", "actual_hours", "standard_hours"
        )
    )
    wo_ids |= {h[0] for h in hours}
    prev_wip = _previous_closing_wip(period)
    if prev_wip is None:
        prev_wip = _posted_wip_before(wo_ids, start)
    wo_ids |= {int(k[3:]) for k in prev_wip if k.startswith("wo:")}

    # invoice differences of issued goods (procurement entries with target "issued")
    adjustments = list(CostAdjustmentEntry.objects.filter(period=period, target=AdjustmentTarget.ISSUED).order_by("pk"))
    inv_moves = _issues_for_adjustments(adjustments, end)
    wo_ids |= {int(m[3][3:]) for ms in inv_moves.values() for m in ms if m[3].startswith("wo:")}

    orders = {
        wo.pk: wo
        for wo in WorkOrder.objects.filter(pk__in=wo_ids).only(
            "pk", "number", "item_id", "qty", "status", "scrapped_qty", "actual_finish"
        )
    }
    received_to_end = dict(
        FGReceipt.objects.filter(work_order_id__in=wo_ids, status="confirmed", receipt_date__lte=end)
        .values_list("work_order_id")
        .annotate(q=Sum("qty"))
        .order_by()
    )
    completion = dict(
        WipCompletion.objects.filter(period=period, work_order_id__in=wo_ids).values_list(
            "work_order_id", "completion_pct"
        )
    )
    co_lines = defaultdict(list)
    for m in WorkOrderMaterial.objects.filter(
        work_order_id__in=wo_ids, line_type__in=[LineType.BY_PRODUCT, LineType.JOINT_PRODUCT]
    ).values("pk", "work_order_id", "line_type", "cost_share", "component_id", "component__standard_cost"):
        co_lines[m["work_order_id"]].append(m)

    def open_at_end(wo: WorkOrder) -> bool:
        if wo.status in OPEN_AT_END:
            return True
        return wo.status != WorkOrderStatus.CANCELLED and bool(wo.actual_finish and wo.actual_finish > end)

    out_qty: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    for mi in c.moves:
        if mi.cls == core.OUTPUT:
            out_qty[(mi.order, mi.output)] += mi.qty
    default_pct = Decimal(str(cfg.default_completion_pct))
    for wo in orders.values():
        k = f"wo:{wo.pk}"
        outputs = [core.Output(core.MAIN, wo.item_id, out_qty[(k, 0)])]
        index = co_outputs.get(k, {})
        for line in co_lines.get(wo.pk, []):
            idx = index.setdefault(line["pk"], len(index) + 1)
            while len(outputs) <= idx:
                outputs.append(core.Output(core.BY, 0, ZERO))
            outputs[idx] = core.Output(
                core.BY if line["line_type"] == LineType.BY_PRODUCT else core.JOINT,
                line["component_id"],
                out_qty[(k, idx)],
                line["cost_share"] or ZERO,
                line["component__standard_cost"] or ZERO,
            )
        wip_qty = ZERO
        if open_at_end(wo):
            wip_qty = max(ZERO, wo.qty - (received_to_end.get(wo.pk) or ZERO) - wo.scrapped_qty)
        c.orders[k] = core.OrderIn(
            key=k,
            item=wo.item_id,
            number=wo.number,
            opening=prev_wip.get(k, {}),
            completed_qty=out_qty[(k, 0)],
            wip_qty=wip_qty,
            completion=Decimal(completion.get(wo.pk, default_pct)) / 100,
            outputs=outputs,
        )
        c.order_numbers[k] = wo.number
    for oo in OutsourcingOrder.objects.filter(pk__in=set(os_order.values())).only("pk", "number", "item_id"):
        k = f"oo:{oo.pk}"
        c.orders[k] = core.OrderIn(
            key=k,
            item=oo.item_id,
            number=oo.number,
            fixed={Element.OUTSOURCING: os_fee.get(oo.pk, ZERO)},
            completed_qty=out_qty[(k, 0)],
            outputs=[core.Output(core.MAIN, oo.item_id, out_qty[(k, 0)])],
            no_wip=True,
        )
        c.order_numbers[k] = oo.number

    _allocate_pools(period, c, hours)
    _attribute_invoice_differences(c, adjustments, inv_moves, orders, open_at_end)

    items = {m.item for m in c.moves} | {s[0] for s in c.opening} | {o.item for o in c.orders.values()}
    c.levels = dict(Item.objects.filter(pk__in=items).values_list("pk", "low_level_code"))
    return c


def _issues_for_adjustments(adjustments, end) -> dict[int, list[tuple]]:
    """For each issued-part adjustment: the issues of its item from its warehouse, from the
    receipt to the period end, as (qty, role, to_wh, consumer)."""
    if not adjustments:
        return {}
    from procurement.services.accruals import sources

    dates: dict[int, datetime.date] = {}
    for stype in {a.source_type for a in adjustments}:
        srcs = sources(stype, [a.source_id for a in adjustments if a.source_type == stype])
        for a in adjustments:
            if a.source_type == stype and a.source_id in srcs:
                dates[a.pk] = srcs[a.source_id].received_date
    since = min(dates.values(), default=end)
    rows = list(
        StockMove.objects.filter(
            item_id__in={a.item_id for a in adjustments},
            warehouse_id__in={a.warehouse_id for a in adjustments},
            move_date__gte=since,
            move_date__lte=end,
            qty__lt=0,
        )
        .exclude(source_type=SOURCE)
        .values_list(
            "item_id", "warehouse_id", "move_date", "qty", "kind", "source_type", "source_id", "source_line", "reversal"
        )
    )
    lines = {r[7] for r in rows if r[5] == PICKING}
    allocs: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for line_id, wo_id, q in PickingAllocation.objects.filter(line_id__in=lines, issued_qty__gt=0).values_list(
        "line_id", "material__work_order_id", "issued_qty"
    ):
        allocs[line_id].append((wo_id, q))
    mats = dict(
        WorkOrderMaterial.objects.filter(
            pk__in={r[7] for r in rows if r[5] == FG_RECEIPT and r[4] == "backflush"}
        ).values_list("pk", "work_order_id")
    )
    # transfer destinations
    pairs = {(r[5], r[6], r[7]) for r in rows if r[4].endswith("_out") and r[4] not in ISSUE_KINDS}
    dest = {}
    if pairs:
        for stype, sid, sline, wh in StockMove.objects.filter(
            source_type__in={p[0] for p in pairs}, source_id__in={p[1] for p in pairs}, qty__gt=0
        ).values_list("source_type", "source_id", "source_line", "warehouse_id"):
            dest[(stype, sid, sline)] = wh
    out: dict[int, list[tuple]] = {}
    for a in adjustments:
        d0 = dates.get(a.pk, since)
        parts: list[tuple[Decimal, str, int | None, str]] = []
        for item, wh, day, qty, kind, stype, sid, sline, _rev in rows:
            if item != a.item_id or wh != a.warehouse_id or day < d0 or day > a.entry_date:
                continue
            q = -qty
            if stype == PICKING and allocs.get(sline):
                tot = sum((x for _w, x in allocs[sline]), ZERO)
                parts += [(q * x / tot, "wip", None, f"wo:{w}") for w, x in allocs[sline]]
            elif stype == FG_RECEIPT and sline in mats:
                parts.append((q, "wip", None, f"wo:{mats[sline]}"))
            elif (stype, sid, sline) in dest:
                parts.append((q, "stock", dest[(stype, sid, sline)], ""))
            else:
                parts.append((q, _consumer_role(stype, kind), None, ""))
        out[a.pk] = parts
    return out


def _attribute_invoice_differences(c: _Collected, adjustments, inv_moves, orders, open_at_end) -> None:
    """The issued part of an invoice difference goes to the orders that consumed the goods while
    they are still in process (their material this period), else to cost of goods sold (sold,
    finished), expense (other issues) or the stock they were transferred to."""
    for a in adjustments:
        parts = inv_moves.get(a.pk) or []
        weights: dict[tuple[str, int | None, str], Decimal] = defaultdict(lambda: ZERO)
        for q, role, to_wh, consumer in parts:
            if consumer.startswith("wo:"):
                wo = orders.get(int(consumer[3:]))
                if wo is None or not open_at_end(wo):
                    role, consumer = "cogs", ""
            weights[(role, to_wh, consumer)] += q
        if not weights:
            weights[("cogs", None, "")] = Decimal(1)
        for (role, to_wh, consumer), amount in core.allocate(a.amount, dict(weights)).items():
            if not amount:
                continue
            if consumer in c.orders:
                fixed = c.orders[consumer].fixed
                fixed[Element.MATERIAL] = fixed.get(Element.MATERIAL, ZERO) + amount
            c.invoice_parts.append(
                (a, role, to_wh, amount) if not consumer else (a, f"{role}|{consumer}", to_wh, amount)
            )


def _allocate_pools(period: Period, c: _Collected, hours) -> None:
    """Labour and overhead pools to the orders by basis: actual or standard hours reported in the
    pool's cost centre, output quantity or (posted) material cost of those orders; when no order
    reported hours in the centre, all production orders of the period share it."""
    actual: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    standard: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for wo_id, centre, act, std in hours:
        actual[centre][f"wo:{wo_id}"] += act
        standard[centre][f"wo:{wo_id}"] += std
    material: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for m in c.moves:
        if m.cls == core.ISSUE and m.consumer.startswith("wo:"):
            material[m.consumer] -= m.value
    production = [k for k in c.orders if k.startswith("wo:")]
    for pool in CostPool.objects.filter(period=period).order_by("pk"):
        members = list(actual.get(pool.cost_centre_id, {})) or production
        if pool.basis == Basis.ACTUAL_HOURS:
            weights = {k: actual[pool.cost_centre_id][k] for k in members}
        elif pool.basis == Basis.STANDARD_HOURS:
            weights = {k: standard[pool.cost_centre_id][k] for k in members}
        elif pool.basis == Basis.OUTPUT_QTY:
            weights = {k: c.orders[k].completed_qty for k in members if k in c.orders}
        else:
            weights = {k: material[k] for k in members}
        for k, amount in core.allocate(pool.amount, weights).items():
            if amount and k in c.orders:
                fixed = c.orders[k].fixed
                fixed[pool.element] = fixed.get(pool.element, ZERO) + amount


# --- executing -------------------------------------------------------------------------------


def _execute(run: CostRun, period: Period, hb: Heartbeat) -> None:
    cfg = CostSettings.get()
    start, end = period_bounds(period)
    c = _collect(period, cfg)
    hb.progress = 30
    result = eng.compute(
        moves=c.moves,
        orders=c.orders.values(),
        opening=c.opening,
        levels=c.levels,
        per_warehouse=cfg.scope == Scope.ITEM_WAREHOUSE,
        wip_method=cfg.wip_method,
        joint_method=cfg.joint_method,
    )
    hb.progress = 70
    _store_results(run, period, c, result)
    entries = _post_entries(run, period, end, c, result)
    run.move_count = len(c.moves)
    run.order_count = len(c.orders)
    run.entry_count = len(entries)
    notify(
        CostRunEvent(
            run_id=run.pk,
            period=str(period),
            period_id=period.pk,
            entries=[
                CostEntryData(
                    e.pk,
                    str(period),
                    e.entry_date,
                    e.item_id,
                    e.warehouse_id,
                    e.work_order_id,
                    e.kind,
                    e.debit,
                    e.credit,
                    e.amount,
                    e.source_type,
                    e.source_id,
                    e.source_number,
                )
                for e in entries
            ],
        )
    )


def _store_results(run: CostRun, period: Period, c: _Collected, result: core.RunResult) -> None:
    ItemCost.objects.bulk_create(
        [
            ItemCost(
                run=run,
                period=period,
                item_id=s.item,
                warehouse_id=s.wh or None,
                opening_qty=s.opening_qty,
                opening_value=s.opening_value,
                receipt_qty=s.receipt_qty,
                receipt_value=s.receipt_value,
                issue_qty=s.issue_qty,
                issue_value=s.issue_value,
                closing_qty=s.closing_qty,
                closing_value=s.closing_value,
                unit_cost=s.unit_cost or ZERO,
            )
            for s in result.scopes.values()
        ],
        batch_size=2000,
    )
    rows = []
    for key, out in result.orders.items():
        o = c.orders[key]
        is_wo = key.startswith("wo:")
        for el, e in out.elements.items():
            if not (e.opening or e.this_period or e.fg or e.closing_wip) and el == Element.OUTSOURCING and is_wo:
                continue
            rows.append(
                OrderCost(
                    run=run,
                    period=period,
                    work_order_id=int(key[3:]) if is_wo else None,
                    outsourcing_order_id=None if is_wo else int(key[3:]),
                    order_no=o.number,
                    item_id=o.item,
                    element=el,
                    opening_wip=e.opening,
                    this_period=e.this_period,
                    fg=e.fg,
                    closing_wip=e.closing_wip,
                    completed_qty=o.completed_qty,
                    wip_qty=o.wip_qty,
                    completion_pct=(o.completion * 100).quantize(Decimal("0.001")),
                )
            )
    OrderCost.objects.bulk_create(rows, batch_size=2000)


def _post_entries(run, period, end, c: _Collected, result: core.RunResult) -> list[CostEntry]:
    """Required corrections per key, minus what earlier runs of the period posted = this run's
    entries (append-only); their stock side as value-only moves per item and warehouse."""
    required: dict[str, dict] = {}
    sources: dict[str, set[tuple[str, int, str]]] = defaultdict(set)

    def need(key, amount, **fields):
        row = required.get(key)
        if row is None:
            required[key] = {"amount": amount, **fields}
        else:
            row["amount"] += amount

    # one entry per item, warehouse and consumer (a work order, an outsourcing order, or the
    # role: cost of goods sold, expense, transfer): the source document when there is one only
    for m in c.moves:
        target = result.targets[m.key]
        diff = target - m.value
        if not diff:
            continue
        ref = c.refs[m.key]
        wo_id = int(ref.consumer[3:]) if ref.consumer.startswith("wo:") else None
        common = {"item_id": m.item, "warehouse_id": m.wh, "work_order_id": wo_id}
        if m.cls in (core.ISSUE, core.XFER_OUT):
            key = f"iss:{m.item}:{m.wh}:{ref.consumer or ref.role}"
            need(key, -diff, kind=CostEntry.Kind.ISSUE_REVALUATION, debit=ref.role, credit="stock", **common)
        else:
            key = f"rcv:{m.item}:{m.wh}:{ref.consumer or ref.role}"
            need(key, diff, kind=CostEntry.Kind.RECEIPT_REVALUATION, debit="stock", credit=ref.role, **common)
        if len(sources[key]) < 2:
            sources[key].add((ref.source_type, ref.source_id, ref.source_number))
    for key, srcs in sources.items():
        if len(srcs) == 1:
            stype, sid, number = next(iter(srcs))
        else:
            types = {t for t, _i, _n in srcs}
            stype, sid, number = (types.pop() if len(types) == 1 else "mixed"), 0, ""
        required[key].update(source_type=stype, source_id=sid, source_number=number)
    for adj, role, to_wh, amount in c.invoice_parts:
        consumer = ""
        if "|" in role:
            role, consumer = role.split("|", 1)
        key = f"inv:{adj.pk}:{role}:{to_wh or ''}:{consumer}"
        need(
            key,
            amount,
            kind=CostEntry.Kind.INVOICE_DIFFERENCE,
            debit=role,
            credit="invoice_difference",
            item_id=adj.item_id,
            warehouse_id=to_wh,
            work_order_id=int(consumer[3:]) if consumer.startswith("wo:") else None,
            source_type=adj.source_type,
            source_id=adj.source_id,
            source_number=adj.document_number,
        )
    posted: dict[str, dict] = {}
    for e in CostEntry.objects.filter(period=period).values(
        "key",
        "amount",
        "kind",
        "debit",
        "credit",
        "item_id",
        "warehouse_id",
        "work_order_id",
        "source_type",
        "source_id",
        "source_number",
    ):
        if e["key"] in posted:
            posted[e["key"]]["amount"] += e["amount"]
        else:
            posted[e["key"]] = dict(e)
    entries = []
    for key in sorted(set(required) | set(posted)):
        want = required.get(key)
        have = posted.get(key)
        delta = round_money((want["amount"] if want else ZERO) - (have["amount"] if have else ZERO))
        if not delta:
            continue
        base = dict(want or have)  # type: ignore[arg-type]
        base.pop("amount")
        base.pop("key", None)
        entries.append(CostEntry(run=run, period=period, entry_date=end, key=key, amount=delta, **base))
    CostEntry.objects.bulk_create(entries, batch_size=2000)
    stock: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for ce in entries:
        if ce.warehouse_id is None:
            continue
        if ce.kind == CostEntry.Kind.ISSUE_REVALUATION:
            stock[(ce.item_id, ce.warehouse_id)] -= ce.amount
        else:
            stock[(ce.item_id, ce.warehouse_id)] += ce.amount
    adjustments = [
        Revaluation(
            item_id=i, warehouse_id=w, value=v, source_line=n, note=_("Cost run %(period)s") % {"period": period}
        )
        for n, ((i, w), v) in enumerate(sorted(stock.items()), start=1)
        if v
    ]
    if adjustments:
        stock_revalue(
            source_type=SOURCE,
            source_id=run.pk,
            adjustments=adjustments,
            move_date=end,
            user=run.created_by,
            source_number=f"CR{period.year}{period.month:02d}-{run.pk}",
        )
    return entries


def latest_run(period: Period) -> CostRun | None:
    return CostRun.objects.filter(period=period, status=RunStatus.DONE).order_by("-finished_at", "-pk").first()


def run_is_stale(run: CostRun) -> bool:
    """Something that feeds the run changed after it started reading (moves, pools, hours,
    invoice adjustments): conservative, a posting committed while the run computed counts."""
    start, end = period_bounds(run.period)
    since = run.started_at or run.finished_at
    after = Q(posted_at__gt=since)
    if StockMove.objects.filter(after, move_date__gte=start, move_date__lte=end).exclude(source_type=SOURCE).exists():
        return True
    if CostPool.objects.filter(period=run.period, updated_at__gt=since).exists():
        return True
    if WorkHours.objects.filter(work_date__gte=start, work_date__lte=end, created_at__gt=since).exists():
        return True
    return CostAdjustmentEntry.objects.filter(period=run.period, created_at__gt=since).exists()
