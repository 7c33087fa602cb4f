"""Net-change MRP (docs/mrp.md "Net change", docs/adr net-change ADR).

Every change of demand or supply records a `inventory.PlanningChange` (the items it touches) in
the transaction that makes it. After commit the listener registered here queues the debounced task
`mrp.tasks_netchange.net_change` (changes within a second are planned together). The task takes
the scope's advisory lock, reads the pending changes, re-plans the changed items and everything
below them in the BOM (in low-level-code order, dependent demand of unaffected parents taken from
the current plan's planned orders) and replaces just their planned orders, pegs and messages in the
current plan. A `PlanUpdate` row records which changes caused it and how long it took.

While a full run of the scope is queued or running the task waits (it is queued again): the full
run will read the changes itself, and the pending ones are applied to its plan afterwards.
"""

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.dispatch import send
from erp.fields import round_qty
from erp.locks import AdvisoryLock, advisory_lock
from inventory.models import PlanningChange

from ..engine import MrpResult
from ..engine import PlannedOrder as PlanRow
from ..engine.partial import EXTERNAL_REF, bom_maps, replan_scope, run_scope
from ..models import ACTIVE, MrpMessage, MrpPeg, MrpRun, PlannedOrder, PlanUpdate
from ..selectors import current_run
from ..states import PlannedStatus
from .risk import check_at_risk, late_keys

DEBOUNCE_SECONDS = 1.0  # changes within a second are planned together
STUCK_SECONDS = 30.0  # a pending change this old without its task: queue one again


@dataclass
class NetChangeOutcome:
    update: PlanUpdate | None
    scope_items: set[int] = field(default_factory=set)
    result: MrpResult | None = None
    waiting: bool = False  # a full run is active: try again later


# ---- recording side: the listener and the debounce ----------------------------------------


def on_planning_change(change: PlanningChange) -> None:
    """inventory's planning listener (after commit): queue the scope's net-change task unless one is
    already queued for earlier pending changes (debounce: they are planned together)."""
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
    rows = PlannedOrder.objects.filter(run=run, item_id__in=ids, status=PlannedStatus.OPEN).values_list(
        "item_id", "order_type", "qty", "release_date", "due_date", "late", "pegged_to", "net_qty", "seq", "firm"
    )
    return [
        PlanRow(i, codes.get(i, ""), t, q, r, d, late, peg, net, seq, firm)
        for i, t, q, r, d, late, peg, net, seq, firm in rows
    ]


def _renumber(part: MrpResult, offset: int) -> MrpResult:
    """The part's planned orders numbered after the run's last number; pegs naming them follow, pegs
    naming a parent outside the part get that parent's number back."""
    for p in part.planned_orders:
        p.seq += offset
    pegs = []
    for g in part.pegs:
        changes = {}
        for kind_f, ref_f in (("demand_kind", "demand_ref"), ("supply_kind", "supply_ref")):
            kind, ref = getattr(g, kind_f), getattr(g, ref_f)
            if kind == "planned" and ref:
                changes[ref_f] = ref[len(EXTERNAL_REF) :] if ref.startswith(EXTERNAL_REF) else str(int(ref) + offset)
        pegs.append(g.__class__(**{**{f: getattr(g, f) for f in g.__slots__}, **changes}) if changes else g)
    part.pegs = pegs
    return part


def replan_items(*, run: MrpRun, seeds: Iterable[int], data: dict) -> tuple[set[int], MrpResult, int, Counter]:
    """Re-plan the seeds and their BOM descendants on `run`'s plan (inside the caller's transaction):
    returns (scope, the part's result, orders removed, late orders of the scope before)."""
    from ..services.runs import write_plan

    items = data["items"]
    children, parents = bom_maps(data["bom_lines"])
    scope = replan_scope(seeds, items, children, parents)
    outside_parents = {p for c in scope for p in parents.get(c, ()) if p not in scope}
    codes = {i: items[i].code for i in outside_parents if i in items}
    parent_orders = _parents_orders(run, outside_parents, codes)
    part = run_scope(
        d0=run.run_date, horizon_days=run.horizon_days, data=data, scope=scope, parent_orders=parent_orders
    )
    ids = sorted(scope)
    last = PlannedOrder.objects.filter(run=run).order_by("-seq").values_list("seq", flat=True).first() or 0
    part = _renumber(part, last)
    old = PlannedOrder.objects.filter(run=run, item_id__in=ids, status=PlannedStatus.OPEN)
    late_before = late_keys(
        old.filter(late=True).only("item_id", "order_type", "qty", "release_date", "due_date", "pegged_to", "late")
    )
    removed, _d = old.delete()
    MrpMessage.objects.filter(run=run, item_id__in=ids).delete()
    MrpPeg.objects.filter(run=run, item_id__in=ids).delete()
    write_plan(run, part)
    return scope, part, removed, late_before


def net_change_apply(*, scope: str = "all", data: dict | None = None) -> NetChangeOutcome:
    """Apply the scope's pending planning changes to the current plan (idempotent: a change is
    applied once; with no current plan the changes are marked done, the next full run reads them).
    `data`: the plan's inputs when the caller has them (tests, benchmark), else read here."""
    from ..sources import collect

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
        if data is None:
            data = collect(d0=run.run_date, horizon_days=run.horizon_days)
        seeds = sorted({int(i) for c in changes for i in c.item_ids})
        scope_items, part, removed, late_before = replan_items(run=run, seeds=seeds, data=data)
        cause, document = _cause(changes)
        finished = timezone.now()
        update = PlanUpdate.objects.create(
            run=run,
            cause=cause[:300],
            document=document,
            change_count=len(changes),
            seed_count=len(seeds),
            item_count=len(scope_items),
            order_count=len(part.planned_orders),
            removed_count=removed,
            duration_ms=int((time.perf_counter() - started) * 1000),
            latency_ms=max(0, int((finished - changes[0].created_at).total_seconds() * 1000)),
        )
        PlanningChange.objects.filter(pk__in=[c.pk for c in changes]).update(
            processed_at=finished, plan_update_id=update.pk
        )
        MrpRun.objects.filter(pk=run.pk).update(
            order_count=PlannedOrder.objects.filter(run=run).count(),
            exception_count=MrpMessage.objects.filter(run=run).count(),
        )
    # the plan is committed: customers' lines next (own transaction, time-boxed: docs/mrp.md "At risk")
    at_risk = check_at_risk(
        run=run, data=data, scope_items=scope_items, part=part, late_before=late_before, cause=cause
    )
    if at_risk:
        PlanUpdate.objects.filter(pk=update.pk).update(at_risk_count=at_risk)
        update.at_risk_count = at_risk
    return NetChangeOutcome(update, scope_items, part)


def round_result(result: MrpResult) -> MrpResult:
    """Quantities as stored (6 places, half-up): what a full run's rows hold."""
    for p in result.planned_orders:
        p.qty, p.net = round_qty(p.qty), round_qty(p.net)
    return result
