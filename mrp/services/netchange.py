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

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.dispatch import send
from erp.fields import round_qty
from erp.locks import AdvisoryLock, advisory_lock
from inventory.models import PlanningChange

from ..engine import MrpResult
from ..engine import PlannedOrder as PlanRow
from ..engine.partial import DeltaResult, bom_maps, replan_changed, replan_scope
from ..models import ACTIVE, MrpMessage, MrpPeg, MrpRun, PlannedOrder, PlanUpdate
from ..selectors import current_run
from ..sources import among
from ..states import PlannedStatus
from .risk import check_at_risk, late_keys

# leading-edge debounce: the first change is planned at once (no wait added to its latency); the
# changes committed while its task is queued or running are taken together by the next task
DEBOUNCE_SECONDS = 0.0
STUCK_SECONDS = 30.0  # a pending change this old without its task: queue one again


@dataclass
class NetChangeOutcome:
    update: PlanUpdate | None
    scope_items: set[int] = field(default_factory=set)
    result: MrpResult | None = None
    waiting: bool = False  # a full run is active: try again later
    replan: "Replan | None" = None


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


def _cause(changes: list[PlanningChange]) -> tuple[str, str]:
    first = changes[0]
    if len(changes) == 1:
        return first.cause, first.document
    return (
        _("%(cause)s and %(n)s more changes") % {"cause": first.cause, "n": len(changes) - 1},
        first.document,
    )


def _parents_orders(run: MrpRun, item_ids: Iterable[int], codes: dict) -> list[PlanRow]:
    """The current plan's open planned orders of these items (parents outside the scope), one query."""
    ids = list(item_ids)
    if not ids:
        return []
    found = PlannedOrder.objects.filter(among(PlannedOrder, "item_id", ids), run=run, status=PlannedStatus.OPEN)
    rows = found.values_list(
        "item_id", "order_type", "qty", "release_date", "due_date", "late", "pegged_to", "net_qty", "seq", "firm"
    )
    return [
        PlanRow(i, codes.get(i, ""), t, q, r, d, late, peg, net, seq, firm)
        for i, t, q, r, d, late, peg, net, seq, firm in rows
    ]


def _stored_key(p: PlanRow) -> tuple:
    """A planned order as stored (quantities rounded to 6 places): equal keys, same row."""
    return (p.order_type, round_qty(p.qty), p.release_date, p.due_date, p.late, p.pegged_to, round_qty(p.net), p.firm)


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


def reach_inputs(*, d0, horizon_days: int, reach: set[int], outside: set[int]) -> dict:
    """The plan's inputs of the reached items, plus the BOM lines from the parents outside the
    reach onto it (their dependent demand is all that is read of them)."""
    from ..sources import _bom_lines, collect

    data = collect(d0=d0, horizon_days=horizon_days, item_ids=reach)
    if outside:
        data["bom_lines"] = list(data["bom_lines"]) + _bom_lines(outside, components=reach)[0]
    return data


def replan_items(*, run: MrpRun, seeds: Iterable[int], data: dict | None = None) -> Replan:
    """Re-plan what the change of the seeds reaches on `run`'s plan (inside the caller's transaction):
    the scope (the seeds and everything below them in the BOM) is read alone (`bom_scope`, then the
    inputs of its items and of their parents outside it); in low-level-code order only the items
    whose inputs change are planned again (`replan_changed`); only their rows are replaced — planned
    orders of the items whose orders changed, pegs and messages of the items planned again."""
    from ..selectors_netchange import bom_scope
    from ..services.runs import write_plan

    seeds = sorted({int(i) for i in seeds})
    seen: dict[int, list[PlanRow]] = {}
    codes: dict[int, str] = {}

    def current(ids: set[int]) -> dict[int, list[PlanRow]]:
        found: dict[int, list[PlanRow]] = {i: [] for i in ids}
        for row in _parents_orders(run, sorted(ids), codes):
            found[row.item_id].append(row)
        seen.update(found)
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
        near, near_outside = bom_scope(seeds, descend=False)
        data = reach_inputs(d0=run.run_date, horizon_days=run.horizon_days, reach=near, outside=near_outside)
        if not any(data["items"][s].passes_through for s in seeds if s in data["items"]):
            delta, scope = replan(data, near), near
            if any(r.changed for r in delta.plans.values()):
                delta = None
        if delta is None:
            reach, outside = bom_scope(seeds)
            data = reach_inputs(d0=run.run_date, horizon_days=run.horizon_days, reach=reach, outside=outside)
    items = data["items"]
    if delta is None:
        children, parents = bom_maps(data["bom_lines"])
        scope = replan_scope(seeds, items, children, parents)
        delta = replan(data, scope)
    changed = {i for i, r in delta.plans.items() if r.changed}
    planned = set(delta.plans)
    late_before = late_keys(p for i in changed for p in seen.get(i, ()))
    part = MrpResult(
        planned_orders=[p for i in sorted(changed, key=lambda i: items[i].code) for p in delta.plans[i].orders],
        exceptions=[e for r in delta.plans.values() for e in r.messages],
        pegs=[g for r in delta.plans.values() for g in r.pegs],
    )
    part.planned_orders.sort(key=lambda p: (p.item_code, p.due_date, p.release_date, p.seq))
    removed = 0
    if changed:
        old = PlannedOrder.objects.filter(among(PlannedOrder, "item_id", changed), run=run, status=PlannedStatus.OPEN)
        removed = old._raw_delete(old.db)  # no relations, no signals: one DELETE (index run, item)
    removed_messages = 0
    if planned:
        messages = MrpMessage.objects.filter(among(MrpMessage, "item_id", planned), run=run)
        removed_messages = messages._raw_delete(messages.db)
        pegs = MrpPeg.objects.filter(among(MrpPeg, "item_id", planned), run=run)
        pegs._raw_delete(pegs.db)
    write_plan(run, part)
    return Replan(scope, planned, changed, part, removed, late_before, delta.runs, removed_messages)


def net_change_apply(*, scope: str = "all", data: dict | None = None) -> NetChangeOutcome:
    """Apply the scope's pending planning changes to the current plan (idempotent: a change is
    applied once; with no current plan the changes are marked done, the next full run reads them).
    `data`: the plan's inputs when the caller has them (tests), else only the reached items' are
    read here."""
    started = time.perf_counter()
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
        replan = replan_items(run=run, seeds=seeds, data=data)
        part = replan.part
        cause, document = _cause(changes)
        finished = timezone.now()
        update = PlanUpdate.objects.create(
            run=run,
            cause=cause[:300],
            document=document,
            change_count=len(changes),
            seed_count=len(seeds),
            item_count=len(replan.planned),
            order_count=len(part.planned_orders),
            removed_count=replan.removed,
            duration_ms=int((time.perf_counter() - started) * 1000),
            latency_ms=max(0, int((finished - changes[0].created_at).total_seconds() * 1000)),
        )
        PlanningChange.objects.filter(pk__in=[c.pk for c in changes]).update(
            processed_at=finished, plan_update_id=update.pk
        )
        MrpRun.objects.filter(pk=run.pk).update(
            order_count=F("order_count") + len(part.planned_orders) - replan.removed,
            exception_count=F("exception_count") + len(part.exceptions) - replan.removed_messages,
        )
    # the plan is committed: customers' lines next (own transaction, time-boxed: docs/mrp.md "At risk")
    at_risk = check_at_risk(
        run=run,
        data=data,
        above=set(seeds) | replan.changed,
        part=part,
        late_before=replan.late_before,
        cause=cause,
    )
    if at_risk:
        PlanUpdate.objects.filter(pk=update.pk).update(at_risk_count=at_risk)
        update.at_risk_count = at_risk
    return NetChangeOutcome(update, replan.scope, part, replan=replan)


def round_result(result: MrpResult) -> MrpResult:
    """Quantities as stored (6 places, half-up): what a full run's rows hold."""
    for p in result.planned_orders:
        p.qty, p.net = round_qty(p.qty), round_qty(p.net)
    return result
