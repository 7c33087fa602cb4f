"""Capable-to-promise dates from the database (reads only: a what-if plan writes nothing).

`ctp_promise` loads the plan's inputs (mrp.sources.collect), computes the base plan in memory
(or takes the current plan when it is up to date) and asks the pure engine (mrp.engine.ctp).
`register()` makes it crm's CTP provider (crm.atp.register_ctp_provider): quotation and
sales-order pages show the date and the limiting chain without crm importing mrp.
"""

import contextlib
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import ValidationError

from ..engine import MrpCycleError, run_mrp
from ..engine import PlannedOrder as PlanRow
from ..engine.ctp import CtpError, CtpResult, capable_to_promise
from ..engine.partial import bom_maps, replan_scope, restrict
from ..selectors_netchange import bom_ancestors, bom_scope

# pages answer without today's plan only on small data (the base plan is then computed in memory)
PAGE_ITEMS_WITHOUT_PLAN = 5000


@dataclass(frozen=True)
class Promise:
    item_id: int
    qty: Decimal
    d0: datetime.date
    date: datetime.date | None
    kind: str  # atp | ctp | none
    limiting_item_code: str
    chain_text: str
    duration_ms: int
    evaluations: int
    from_plan: bool = False  # the base plan was read from the current plan (else computed in memory)


def chain_text(result: CtpResult) -> str:
    """ "A: buy, 5 days; FG: make, 2 days" in the current language."""
    labels = {
        "purchase": _("buy"),
        "manufacture": _("make"),
        "outsource": _("outsource"),
        "phantom": _("phantom"),
    }
    return "; ".join(
        _("%(item)s: %(how)s, %(days)s days")
        % {"item": c.item_code, "how": labels.get(c.supply_type, c.supply_type), "days": c.lead_time_days}
        for c in result.chain
    )


def _outside_parents(data: dict, item_ids: set[int]) -> set[int]:
    """The parents outside the CTP scopes of these items: the only base orders the engine reads
    (their dependent demand on the scope, mrp.engine.partial.external_demands)."""
    items = data["items"]
    children, parents = bom_maps(data.get("bom_lines", ()))
    out: set[int] = set()
    for item_id in item_ids:
        scope = replan_scope([item_id], items, children, parents)
        out.update(p for c in scope for p in parents.get(c, ()) if p not in scope)
    return out


def _current_plan(d0: datetime.date, horizon_days: int, *, exact: bool):
    """The current plan (MrpRun) when it was computed for this date and horizon, else None.
    `exact`: only when it is also up to date (`plan_is_current`)."""
    from bom.models import Bom, BomLine
    from inventory.models import Item, PlanningChange

    from ..selectors import current_run

    run = current_run()
    if run is None or run.run_date != d0 or run.horizon_days != horizon_days:
        return None
    if not exact:
        return run
    if run.started_at is None or PlanningChange.objects.filter(scope=run.scope, processed_at__isnull=True).exists():
        return None
    if any(model.history.filter(history_date__gte=run.started_at).exists() for model in (Item, Bom, BomLine)):
        return None
    return run


def plan_is_current(d0: datetime.date, horizon_days: int = 90) -> bool:
    """The current plan is what a full run on today's data gives, so an exact answer may start from
    it: it was computed for this date and horizon, no planning change waits for net change (every
    change of demand or supply is recorded, and net change keeps the plan equal to a full run), and
    no item, BOM or BOM line changed since its run read the data (net change does not follow master
    data; the next full run does). A few small queries on indexed columns."""
    return _current_plan(d0, horizon_days, exact=True) is not None


def _base_orders(run, data: dict, item_ids: set[int]) -> list[PlanRow]:
    """The open planned orders of `run` that the CTP of `item_ids` reads: those of the parents
    outside their scopes (their dependent demand on the scopes), one query."""
    from ..models import PlannedOrder, engine_qty
    from ..sources import among
    from ..states import PlannedStatus

    items = data["items"]
    rows = (
        PlannedOrder.objects.filter(run=run, status=PlannedStatus.OPEN)
        .filter(among(PlannedOrder, "item_id", sorted(_outside_parents(data, item_ids))))
        .values_list(
            "item_id",
            "order_type",
            "qty",
            "qty_exact",
            "release_date",
            "due_date",
            "late",
            "pegged_to",
            "net_qty",
            "seq",
            "firm",
        )
    )
    # one plain fetch: a server-side cursor (`.iterator()`) made PostgreSQL take ~6 s for the 45k
    # orders of the 2,000-item bench plan instead of 0.2 s; the rows end up in one list anyway
    return [
        PlanRow(i, items[i].code if i in items else "", t, engine_qty(q, qe), r, d, late, peg, net, seq, firm)
        for i, t, q, qe, r, d, late, peg, net, seq, firm in rows
    ]


@contextlib.contextmanager
def _snapshot():
    """One snapshot for every read of an answer (PostgreSQL, outside a caller's transaction): the
    freshness check, the plan's orders and the inputs see the same committed data."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _inputs(
    requests: list[tuple[object, int, Decimal]],
    d0: datetime.date,
    horizon_days: int,
    run,
    max_items_without_plan: int | None,
) -> tuple[dict | None, list[PlanRow] | None]:
    """(the engine's data, the base plan's orders of the parents outside the scopes). Only the part
    of the BOM the answers read (docs/mrp.md §5): the asked items and what is below them (the
    scopes), with their other parents' BOM lines onto them and those parents' orders from `run`;
    without a plan, those parents and everything above them, whose base plan is computed here.
    (None, None): no plan and more than `max_items_without_plan` items to read."""
    from ..sources import collect
    from .netchange import reach_inputs

    asked_ids = {int(i) for _k, i, q in requests if q is not None and q > 0}
    reach, outside = bom_scope(asked_ids)
    if run is not None:
        data = reach_inputs(d0=d0, horizon_days=horizon_days, reach=reach, outside=outside)
    else:
        data = collect(d0=d0, horizon_days=horizon_days, item_ids=reach | bom_ancestors(outside))
    items = data["items"]
    asked = {i for i in asked_ids if i in items}
    if not asked:
        return data, None
    if run is not None:
        return data, _base_orders(run, data, asked)
    if max_items_without_plan is not None and len(items) > max_items_without_plan:
        return None, None
    # only the parents outside the scopes are read, and their plan depends only on them and their
    # ancestors: the base plan of that upper part alone is the full run's for it
    upper = _outside_parents(data, asked)
    _children, parents = bom_maps(data.get("bom_lines", ()))
    stack = list(upper)
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in upper:
                upper.add(parent)
                stack.append(parent)
    return data, run_mrp(d0=d0, horizon_days=horizon_days, **restrict(data, upper), pegging=False).planned_orders


def ctp_promise_many(
    requests: list[tuple[object, int, Decimal]],
    *,
    d0: datetime.date | None = None,
    horizon_days: int = 90,
    use_plan: bool = False,
    memory: bool = False,
    max_items_without_plan: int | None = None,
    fast: bool = True,
) -> dict[object, Promise]:
    """Promise dates of new demands [(key, item_id, qty)], each on its own (docs/mrp.md §5), with the
    limiting item and its chain: the plan's inputs are read once, in one snapshot.

    The base plan (today's data without the new demand) is needed only for the parents outside the
    asked items' scopes. By default (the `ctp` command) it is the current plan when that is up to
    date (`plan_is_current`: same answers as a full run, read in one query), else it is computed in
    memory from those parents and everything above them (exact, slow on large data). `use_plan`
    (pages): the current plan whenever it is for the same date and horizon (it may lag the last
    seconds of changes). `memory`: always computed (the full path, for `bench_ctp --check-base`).
    `fast=False`: the linear scan over staged plans (same answers, for `bench_ctp --linear`)."""
    import time

    d0 = d0 or timezone.localdate()
    if not requests:
        return {}
    started = time.perf_counter()
    with _snapshot():
        run = None if memory else _current_plan(d0, horizon_days, exact=not use_plan)
        data, base = _inputs(requests, d0, horizon_days, run, max_items_without_plan)
    if data is None:
        return {}  # no plan of today to start from and too much data for a page: no answer
    items = data["items"]
    out: dict[object, Promise] = {}
    for key, item_id, qty in requests:
        if qty is None or qty <= 0:
            raise ValidationError(_("The quantity must be greater than 0."))
        if item_id not in items:
            raise ValidationError(_("Unknown or inactive item."))
        t0 = time.perf_counter()
        try:
            result = capable_to_promise(
                d0=d0,
                horizon_days=horizon_days,
                data=data,
                item_id=item_id,
                qty=qty,
                base_orders=base,
                fast=fast,
                with_orders=False,
            )
        except CtpError as exc:
            raise ValidationError(str(exc)) from None
        limiting = items[result.limiting_item_id].code if result.limiting_item_id in items else ""
        out[key] = Promise(
            item_id=item_id,
            qty=qty,
            d0=d0,
            date=result.date,
            kind=result.kind,
            limiting_item_code=limiting,
            chain_text=chain_text(result),
            duration_ms=int((time.perf_counter() - (started if len(out) == 0 else t0)) * 1000),
            evaluations=result.evaluations,
            from_plan=run is not None,
        )
    return out


def ctp_promise(
    *,
    item_id: int,
    qty: Decimal,
    d0: datetime.date | None = None,
    horizon_days: int = 90,
    use_plan: bool = False,
    memory: bool = False,
    fast: bool = True,
) -> Promise:
    """The promise date of one new demand (see ctp_promise_many). Refused (ValidationError) for an
    unknown or inactive item or a quantity ≤ 0."""
    return ctp_promise_many(
        [(0, item_id, qty)], d0=d0, horizon_days=horizon_days, use_plan=use_plan, memory=memory, fast=fast
    )[0]


def ctp_provider(requests, d0=None) -> dict:
    """crm's CTP provider (crm.atp): {key: {date, kind, limiting_item, chain}} for quotation and
    order lines; the base plan comes from the current plan when it is today's."""
    try:
        found = ctp_promise_many(list(requests), d0=d0, use_plan=True, max_items_without_plan=PAGE_ITEMS_WITHOUT_PLAN)
    except (ValidationError, MrpCycleError):
        return {}
    return {
        k: {"date": p.date, "kind": p.kind, "limiting_item": p.limiting_item_code, "chain": p.chain_text}
        for k, p in found.items()
    }
