"""Net-change MRP (docs/mrp.md "Net change", docs/adr net-change ADR).

Every change of demand or supply records a `inventory.PlanningChange` (the items it touches) in
the transaction that makes it. After commit the listener registered here queues the task
`mrp.tasks_netchange.net_change`: at once for the first change of a quiet scope; changes that
arrive while a task is queued or running are planned together by the next one (batching, not a
fixed wait: ADR 0008 "Debounce"). The task takes the scope's advisory lock, reads the pending
changes and the part of the BOM and of the plan's inputs they reach, re-plans in low-level-code
order only the items whose inputs change (dependent demand of the other parents from the current
plan's planned orders) and replaces just their rows in the current plan. A `PlanUpdate` row
records which changes caused it and how long it took.

While a full run of the scope is queued or running the task waits (it is queued again): the full
run will read the changes itself, and the pending ones are applied to its plan afterwards.
"""

import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from erp.dispatch import send
from erp.fields import QTY_PLACES, round_qty
from erp.locks import AdvisoryLock, advisory_lock
from inventory.models import PlanningChange

from ..engine import MrpResult
from ..engine import PlannedOrder as PlanRow
from ..engine.netting import gc_paused
from ..engine.partial import DeltaResult, bom_maps, replan_changed, replan_scope
from ..models import ACTIVE, MrpMessage, MrpPeg, MrpRun, PlannedOrder, PlanUpdate, engine_qty, exact_text
from ..selectors import current_run
from ..states import PlannedStatus
from .risk import late_keys, new_late_items

# leading-edge debounce: the first change is planned at once (no wait added to its latency); the
# changes committed while its task is queued or running are taken together by the next task
DEBOUNCE_SECONDS = 0.0
STUCK_SECONDS = 30.0  # a pending change this old without its task: queue one again


class Phases(dict):
    """Wall seconds per phase of a net change (bench_netchange prints them for the slow cases)."""

    def __init__(self) -> None:
        super().__init__()
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self[name] = self.get(name, 0.0) + now - self._t
        self._t = now


@dataclass
class NetChangeOutcome:
    update: PlanUpdate | None
    scope_items: set[int] = field(default_factory=set)
    result: MrpResult | None = None
    waiting: bool = False  # a full run is active: try again later
    replan: "Replan | None" = None
    phases: Phases = field(default_factory=Phases)


# ---- recording side: the listener and the debounce ----------------------------------------


def on_planning_change(change: PlanningChange) -> None:
    """inventory's planning listener (after commit): queue the scope's net-change task unless one is
    already queued or running for earlier pending changes (it, or the task it queues when it
    finishes, takes this one too: changes arriving together are planned together)."""
    schedule(scope=change.scope, change_id=change.pk)


def schedule(*, scope: str = "all", change_id: int | None = None, countdown: float = DEBOUNCE_SECONDS) -> bool:
    """Queue the net-change task of the scope. With `change_id`: only when no earlier change is
    still pending (its task is queued and will take this one too), or when the earliest pending
    change is older than STUCK_SECONDS (its task was lost)."""
    from ..tasks_netchange import net_change

    if change_id is not None:
        earliest = (
            PlanningChange.objects.filter(scope=scope, processed_at__isnull=True, pk__lt=change_id)
            .order_by("pk")
            .values_list("created_at", flat=True)
            .first()
        )
        if earliest is not None and (timezone.now() - earliest).total_seconds() < STUCK_SECONDS:
            return False
    send(net_change, scope, countdown=countdown)  # broker down: the changes stay pending for erp.requeue
    return True


def stuck_scopes(before):
    """Requeue provider (erp/requeue.py): scopes with planning changes pending since before `before`."""
    scopes = PlanningChange.objects.filter(processed_at__isnull=True, created_at__lt=before).values_list(
        "scope", flat=True
    )
    for scope in sorted(set(scopes)):
        yield (scope,)


def pending_changes(scope: str = "all") -> int:
    return PlanningChange.objects.filter(scope=scope, processed_at__isnull=True).count()


# ---- planning side -------------------------------------------------------------------------


def _ids_param(column: str) -> str:
    """`column = ANY(ids)` with the ids as one array parameter (`_ids`), through a sub-select so
    that the planner keeps the (run, item) indexes (mrp.sources.among). Other databases (the
    quick start's SQLite): the ids as one JSON array."""
    if connection.vendor != "postgresql":
        return f"{column} IN (SELECT value FROM json_each(%s))"
    return f"{column} = ANY(ARRAY(SELECT unnest(%s::bigint[])))"


def _ids(ids: Iterable[int]) -> list[int] | str:
    """The parameter of `_ids_param`."""
    ordered = sorted(ids)
    return ordered if connection.vendor == "postgresql" else json.dumps(ordered)


def _parents_orders(run: MrpRun, item_ids: Iterable[int], codes: dict) -> list[PlanRow]:
    """The current plan's open planned orders of these items (parents outside the scope), one query
    (a plain cursor: tens of thousands of rows for a large change)."""
    ids = sorted(item_ids)
    if not ids:
        return []
    sql = (
        "SELECT item_id, order_type, qty, qty_exact, release_date, due_date, late, pegged_to, net_qty, seq, firm "
        f"FROM {PlannedOrder._meta.db_table} WHERE run_id = %s AND status = %s AND {_ids_param('item_id')}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [run.pk, PlannedStatus.OPEN.value, _ids(ids)])
        rows = cur.fetchall()
    return [
        PlanRow(i, codes.get(i, ""), t, engine_qty(q, qe), r, d, late, peg, net, seq, firm)
        for i, t, q, qe, r, d, late, peg, net, seq, firm in rows
    ]


def _row_text(values) -> str:
    """A row's values as `_stale_rows` reads them from the database (text, tab-separated)."""
    return "\t".join("" if v is None else str(v) for v in values)


def _stale_rows(
    model, run: MrpRun, item_ids: set[int], columns: list[str], new_rows: list[str]
) -> tuple[list[int], list[bool]]:
    """Which stored rows of these items are not among the new ones, and which new ones are not
    stored yet: (ids of stored rows to delete, for each new row whether to insert it). Rows are
    compared as text (`_row_text`; quantities as stored, 6 places): the database formats its rows,
    no value is parsed here. Equal rows are matched one for one (a multiset), so a plan that keeps
    most of its rows writes only the difference. Other databases (the quick start's SQLite, whose
    text forms differ): every stored row of these items is replaced."""
    if connection.vendor != "postgresql":
        stale = model.objects.filter(run=run, item_id__in=item_ids).values_list("pk", flat=True)
        return list(stale), [True] * len(new_rows)
    text = ", ".join(f"coalesce({model._meta.get_field(c).column}::text, '')" for c in columns)
    sql = f"SELECT id, concat_ws(E'\\t', {text}) FROM {model._meta.db_table} WHERE run_id = %s AND {_ids_param('item_id')}"
    stored: dict[str, list[int]] = {}
    with connection.cursor() as cur:
        cur.execute(sql, [run.pk, _ids(item_ids)])
        for pk, row in cur.fetchall():
            stored.setdefault(row, []).append(pk)
    insert = []
    for k in new_rows:
        ids = stored.get(k)
        if ids:
            ids.pop()
            insert.append(False)
        else:
            insert.append(True)
    return [pk for ids in stored.values() for pk in ids], insert


def _delete_ids(model, ids: list[int]) -> int:
    if not ids:
        return 0
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {model._meta.db_table} WHERE {_ids_param('id')}", [_ids(ids)])
        return cur.rowcount


def _peg_texts(pegs: list) -> list[str]:
    """`_row_text` of each peg's `_PEG_KEY` values (quantity as stored), written out: a large change
    compares ~100,000 pegs."""
    places, half_up = QTY_PLACES, ROUND_HALF_UP
    return [
        f"{g.item_id}\t{g.demand_kind}\t{g.demand_ref}\t{'' if g.demand_date is None else g.demand_date}\t"
        f"{g.supply_kind}\t{g.supply_ref}\t{'' if g.supply_date is None else g.supply_date}\t"
        f"{g.qty.quantize(places, rounding=half_up)}"
        for g in pegs
    ]


_PEG_KEY = ["item_id", "demand_kind", "demand_ref", "demand_date", "supply_kind", "supply_ref", "supply_date", "qty"]
_MESSAGE_KEY = ["item_id", "kind", "date", "ref", "qty", "new_date"]


def _stored_key(p: PlanRow) -> tuple:
    """A planned order as stored (quantities rounded to 6 places, the exact one where it has more):
    equal keys, same row."""
    return (p.order_type, round_qty(p.qty), exact_text(p.qty), p.release_date, p.due_date, p.late, p.pegged_to,
            round_qty(p.net), p.firm)  # fmt: skip


@dataclass
class Replan:
    scope: set[int]  # the items the change can reach
    planned: set[int]  # the items planned again (their inputs changed)
    changed: set[int]  # the items whose planned orders changed (rows replaced)
    part: MrpResult  # the new orders of the changed items, the messages and pegs of the planned ones
    removed: int  # planned orders removed
    late_before: Counter  # late orders of the changed items before
    runs: int = 0
    removed_messages: int = 0
    written: MrpResult = field(default_factory=MrpResult)  # the rows written (those that differ from the stored ones)


def reach_inputs(*, d0, horizon_days: int, reach: set[int], outside: set[int]) -> dict:
    """The plan's inputs of the reached items, plus the BOM lines from the parents outside the
    reach onto it (their dependent demand is all that is read of them)."""
    from ..sources import _bom_lines, collect

    data = collect(d0=d0, horizon_days=horizon_days, item_ids=reach)
    if outside:
        data["bom_lines"] = list(data["bom_lines"]) + _bom_lines(outside, components=reach)[0]
    return data


def replan_items(
    *, run: MrpRun, seeds: Iterable[int], data: dict | None = None, phases: Phases | None = None
) -> Replan:
    """Re-plan what the change of the seeds reaches on `run`'s plan (inside the caller's transaction):
    the scope (the seeds and everything below them in the BOM) is read alone (`bom_scope`, then the
    inputs of its items and of their parents outside it); in low-level-code order only the items
    whose inputs change are planned again (`replan_changed`); only their rows are replaced — planned
    orders of the items whose orders changed, pegs and messages of the items planned again."""
    from ..selectors_netchange import bom_scope
    from ..services.runs import write_plan

    seeds = sorted({int(i) for i in seeds})
    lap = phases.lap if phases is not None else (lambda name: None)
    seen: dict[int, list[PlanRow]] = {}
    codes: dict[int, str] = {}

    def current(ids: set[int]) -> dict[int, list[PlanRow]]:
        lap("plan")
        found: dict[int, list[PlanRow]] = {i: [] for i in ids}
        for row in _parents_orders(run, sorted(ids), codes):
            found[row.item_id].append(row)
        seen.update(found)
        lap("read_plan")
        return found

    def replan(part: dict, scope: set[int]) -> DeltaResult:
        codes.update((i, it.code) for i, it in part["items"].items())
        return replan_changed(
            d0=run.run_date,
            horizon_days=run.horizon_days,
            data=part,
            scope=scope,
            seeds=seeds,
            current=current,
            next_seq=last + 1,
            key=_stored_key,
        )

    last = PlannedOrder.objects.filter(run=run).order_by("-seq").values_list("seq", flat=True).first() or 0
    delta: DeltaResult | None = None
    scope: set[int] = set()
    if data is None:
        # first the changed items alone (with their phantom parents): when none of their planned
        # orders changes, nothing below them can (their components' inputs are the same) and the
        # rest of the reach is never read; else the whole reach below them
        lap("start")
        near, near_outside = bom_scope(seeds, descend=False)
        lap("bom")
        data = reach_inputs(d0=run.run_date, horizon_days=run.horizon_days, reach=near, outside=near_outside)
        lap("read")
        if not any(data["items"][s].passes_through for s in seeds if s in data["items"]):
            delta, scope = replan(data, near), near
            if any(r.changed for r in delta.plans.values()):
                delta = None
        lap("plan")
        if delta is None:
            reach, outside = bom_scope(seeds)
            lap("bom")
            data = reach_inputs(d0=run.run_date, horizon_days=run.horizon_days, reach=reach, outside=outside)
            lap("read")
    items = data["items"]
    if delta is None:
        children, parents = bom_maps(data["bom_lines"])
        scope = replan_scope(seeds, items, children, parents)
        delta = replan(data, scope)
        lap("plan")
    changed = {i for i, r in delta.plans.items() if r.changed}
    planned = set(delta.plans)
    late_before = late_keys(p for i in changed for p in seen.get(i, ()))
    part = MrpResult(
        planned_orders=[p for i in sorted(changed, key=lambda i: items[i].code) for p in delta.plans[i].orders],
        exceptions=[e for r in delta.plans.values() for e in r.messages],
        pegs=[g for r in delta.plans.values() for g in r.pegs],
    )
    part.planned_orders.sort(key=lambda p: (p.item_code, p.due_date, p.release_date, p.seq))
    lap("plan")
    # only the rows that differ are written: an order equal to a stored one kept its number
    # (replan_changed), so its row stays; pegs and messages are compared with the stored ones
    old_seqs = {p.seq for i in changed for p in seen.get(i, ())}
    new_seqs = {p.seq for p in part.planned_orders}
    stale_orders = sorted(old_seqs - new_seqs)
    write = MrpResult(planned_orders=[p for p in part.planned_orders if p.seq not in old_seqs])
    stale_pegs: list[int] = []
    stale_messages: list[int] = []
    if planned:
        stale_pegs, insert = _stale_rows(MrpPeg, run, planned, _PEG_KEY, _peg_texts(part.pegs))
        write.pegs = [g for g, new in zip(part.pegs, insert, strict=True) if new]
        keys = [_row_text((e.item_id, e.kind, e.date, e.ref, None if e.qty is None else round_qty(e.qty), e.new_date))
                for e in part.exceptions]  # fmt: skip
        stale_messages, insert = _stale_rows(MrpMessage, run, planned, _MESSAGE_KEY, keys)
        write.exceptions = [e for e, new in zip(part.exceptions, insert, strict=True) if new]
    lap("compare")
    removed = 0
    if stale_orders:
        with connection.cursor() as cur:
            cur.execute(
                f"DELETE FROM {PlannedOrder._meta.db_table} WHERE run_id = %s AND status = %s AND {_ids_param('seq')}",
                [run.pk, PlannedStatus.OPEN.value, _ids(stale_orders)],
            )
            removed = cur.rowcount
    _delete_ids(MrpPeg, stale_pegs)
    removed_messages = _delete_ids(MrpMessage, stale_messages)
    lap("delete")
    write_plan(run, write)
    lap("write")
    return Replan(scope, planned, changed, part, removed, late_before, delta.runs, removed_messages, write)


def net_change_apply(*, scope: str = "all", data: dict | None = None, follow_up: bool = True) -> NetChangeOutcome:
    """Apply the scope's pending planning changes to the current plan (idempotent: a change is
    applied once; with no current plan the changes are marked done, the next full run reads them).
    `data`: the plan's inputs when the caller has them (tests), else only the reached items' are
    read here. The plan is updated when its planned orders, pegs and messages are committed; the
    sales-order lines it puts at risk are checked right after by a task of their own
    (`follow_up`: queue it; bench_netchange runs it itself, timed apart)."""
    started = time.perf_counter()
    phases = Phases()
    with transaction.atomic():
        advisory_lock(AdvisoryLock.MRP_PLAN, scope)
        if MrpRun.objects.filter(scope=scope, status__in=ACTIVE).exists():
            return NetChangeOutcome(None, waiting=True)
        changes = list(PlanningChange.objects.filter(scope=scope, processed_at__isnull=True).order_by("id"))
        if not changes:
            return NetChangeOutcome(None)
        run = current_run(scope)
        if run is None:
            PlanningChange.objects.filter(pk__in=[c.pk for c in changes]).update(processed_at=timezone.now())
            return NetChangeOutcome(None)
        seeds = sorted({int(i) for c in changes for i in c.item_ids})
        # the commit does not wait for the WAL flush: a server crash right after it loses this
        # update together with the changes' processed mark (same transaction), so they are planned
        # again — never a half-written plan (as the full run's write, services.runs._finish)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit TO OFF")
        phases.lap("start")
        with gc_paused():  # ~100,000 short-lived rows, no cycles: no collection walks them
            replan = replan_items(run=run, seeds=seeds, data=data, phases=phases)
        part = replan.part
        # the cause as data (the first change's document, line and kind, the number of changes):
        # pages render it in the reader's language (PlanUpdate.change_text)
        first = changes[0]
        finished = timezone.now()
        update = PlanUpdate.objects.create(
            run=run,
            cause=first.cause_text[:300],  # as text (admin, search): pages render the data below
            document=first.document,
            line_no=first.line_no,
            kind=first.kind,
            change_count=len(changes),
            seed_count=len(seeds),
            item_count=len(replan.planned),
            order_count=len(replan.written.planned_orders),
            removed_count=replan.removed,
            duration_ms=int((time.perf_counter() - started) * 1000),
            # what the at-risk follow-up checks: lines above items with a new late planned order,
            # and lines already at risk above the changed items
            risk_items={
                "late": sorted(new_late_items(part, replan.late_before)),
                "above": sorted(set(seeds) | replan.changed),
            },
        )
        PlanningChange.objects.filter(pk__in=[c.pk for c in changes]).update(
            processed_at=finished, plan_update_id=update.pk
        )
        MrpRun.objects.filter(pk=run.pk).update(
            order_count=F("order_count") + len(replan.written.planned_orders) - replan.removed,
            exception_count=F("exception_count") + len(replan.written.exceptions) - replan.removed_messages,
        )
        phases.lap("record")
    phases.lap("commit")
    # the latency runs to the commit (the plan is updated when others can read it)
    update.latency_ms = max(0, int((timezone.now() - changes[0].created_at).total_seconds() * 1000))
    PlanUpdate.objects.filter(pk=update.pk).update(latency_ms=update.latency_ms)
    # the plan is committed: customers' lines next, in their own task (docs/mrp.md "At risk")
    if follow_up:
        from ..tasks_netchange import at_risk

        if send(at_risk, update.pk) and at_risk.app.conf.task_always_eager:  # it ran here: its count
            update.refresh_from_db(fields=["at_risk_count"])
    phases.lap("at_risk")
    return NetChangeOutcome(update, replan.scope, part, replan=replan, phases=phases)


def round_result(result: MrpResult) -> MrpResult:
    """Quantities as stored (6 places, half-up): what a full run's rows hold."""
    for p in result.planned_orders:
        p.qty, p.net = round_qty(p.qty), round_qty(p.net)
    return result
