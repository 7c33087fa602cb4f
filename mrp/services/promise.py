"""Capable-to-promise dates from the database (reads only: a what-if plan writes nothing).

`ctp_promise` loads the plan's inputs (mrp.sources.collect), computes the base plan in memory
(or takes the current plan when it is up to date) and asks the pure engine (mrp.engine.ctp).
`register()` makes it crm's CTP provider (crm.atp.register_ctp_provider): quotation and
sales-order pages show the date and the limiting chain without crm importing mrp.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

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


def _plan_usable(d0: datetime.date, horizon_days: int) -> bool:
    from ..selectors import current_run

    run = current_run()
    return run is not None and run.run_date == d0 and run.horizon_days == horizon_days


def _base_orders(
    d0: datetime.date, horizon_days: int, data: dict, use_plan: bool, item_ids: set[int] | None = None
) -> list[PlanRow] | None:
    """The current plan's open planned orders when it was computed for this date and horizon
    (`use_plan`; only those the CTP of `item_ids` reads, when given); None: the base plan is
    computed in memory."""
    if not use_plan:
        return None
    from ..models import PlannedOrder
    from ..selectors import current_run
    from ..states import PlannedStatus

    run = current_run()
    if run is None or run.run_date != d0 or run.horizon_days != horizon_days:
        return None
    items = data["items"]
    found = PlannedOrder.objects.filter(run=run, status=PlannedStatus.OPEN)
    if item_ids is not None:
        found = found.filter(item_id__in=sorted(_outside_parents(data, item_ids)))
    rows = found.values_list(
        "item_id", "order_type", "qty", "release_date", "due_date", "late", "pegged_to", "net_qty", "seq", "firm"
    )
    # one plain fetch: a server-side cursor (`.iterator()`) made PostgreSQL take ~6 s for the 45k
    # orders of the 2,000-item bench plan instead of 0.2 s; the rows end up in one list anyway
    return [
        PlanRow(i, items[i].code if i in items else "", t, q, r, d, late, peg, net, seq, firm)
        for i, t, q, r, d, late, peg, net, seq, firm in rows
    ]


def ctp_promise_many(
    requests: list[tuple[object, int, Decimal]],
    *,
    d0: datetime.date | None = None,
    horizon_days: int = 90,
    use_plan: bool = False,
    max_items_without_plan: int | None = None,
    fast: bool = True,
) -> dict[object, Promise]:
    """Promise dates of new demands [(key, item_id, qty)], each on its own (docs/mrp.md §5), with the
    limiting item and its chain: the plan's inputs are read once. `use_plan`: take the base plan
    from the current plan when it is for the same date (pages: fast on large data; it may lag the
    last seconds of changes), else compute it in memory (exact: the `ctp` command). `fast=False`:
    the linear scan over staged plans (same answers, for `bench_ctp --linear`)."""
    import time

    from ..sources import collect

    d0 = d0 or timezone.localdate()
    if not requests:
        return {}
    started = time.perf_counter()
    # only the part of the BOM the answers read (docs/mrp.md §5): the asked items, what is below
    # them, their other parents, and (base plan computed here) everything above those parents
    asked_ids = {int(i) for _k, i, q in requests if q is not None and q > 0}
    from .netchange import reach_inputs

    reach, outside = bom_scope(asked_ids)
    if use_plan and _plan_usable(d0, horizon_days):  # the outside parents' orders come from the plan
        data = reach_inputs(d0=d0, horizon_days=horizon_days, reach=reach, outside=outside)
    else:  # the base plan of the outside parents is computed: they and all above them are read
        data = collect(d0=d0, horizon_days=horizon_days, item_ids=reach | bom_ancestors(outside))
    items = data["items"]
    asked = {i for _k, i, q in requests if i in items and q is not None and q > 0}
    base = _base_orders(d0, horizon_days, data, use_plan, asked)
    if base is None and max_items_without_plan is not None and len(items) > max_items_without_plan:
        return {}  # no plan of today to start from and too much data for a page: no answer
    if base is None and asked:
        # only the parents outside the scopes are read, and their plan depends only on them and
        # their ancestors: the base plan of that upper part alone is the full run's for it
        upper = _outside_parents(data, asked)
        _children, parents = bom_maps(data.get("bom_lines", ()))
        stack = list(upper)
        while stack:
            for parent in parents.get(stack.pop(), ()):
                if parent not in upper:
                    upper.add(parent)
                    stack.append(parent)
        base = run_mrp(d0=d0, horizon_days=horizon_days, **restrict(data, upper), pegging=False).planned_orders
    out: dict[object, Promise] = {}
    for key, item_id, qty in requests:
        if qty is None or qty <= 0:
            raise ValidationError(_("The quantity must be greater than 0."))
        if item_id not in items:
            raise ValidationError(_("Unknown or inactive item."))
        t0 = time.perf_counter()
        try:
            result = capable_to_promise(
                d0=d0, horizon_days=horizon_days, data=data, item_id=item_id, qty=qty, base_orders=base, fast=fast
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
        )
    return out


def ctp_promise(
    *,
    item_id: int,
    qty: Decimal,
    d0: datetime.date | None = None,
    horizon_days: int = 90,
    use_plan: bool = False,
    fast: bool = True,
) -> Promise:
    """The promise date of one new demand (see ctp_promise_many). Refused (ValidationError) for an
    unknown or inactive item or a quantity ≤ 0."""
    return ctp_promise_many([(0, item_id, qty)], d0=d0, horizon_days=horizon_days, use_plan=use_plan, fast=fast)[0]


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
