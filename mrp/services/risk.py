"""Supply delays reach customers (docs/mrp.md §5, issue 14): after a net change, sales-order lines
whose promise date the plan can no longer meet are flagged at risk with their feasible date.

A line's feasible date is its capable-to-promise date (mrp.engine.ctp) as if it were a new demand
on today's data without it: the earliest date at which it adds no late planned order. Lines are
checked when the re-planned part has late planned orders that were not late before (the items of
those orders and everything above them in the BOM: the pegging tree upwards), and lines already at
risk above the re-planned items are checked again (and cleared when supply meets them again).
"""

import datetime
import time
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from crm.models import SalesOrderLine
from crm.services.promises import RiskFinding, sales_lines_risk_update
from inventory.models import PlanningChange

from ..engine import MrpResult
from ..engine.ctp import capable_to_promise
from ..engine.partial import Children, bom_maps, replan_scope
from ..models import MrpRun

MAX_LINES_CHECKED = 20  # per net change, earliest due first (the rest: the next change)
TIME_BUDGET_SECONDS = 3.0  # lines not reached within it keep their flag until the next change

LateKey = tuple[int, str, object, datetime.date, datetime.date, str]


def late_keys(rows: Iterable) -> Counter[LateKey]:
    return Counter((p.item_id, p.order_type, p.qty, p.release_date, p.due_date, p.pegged_to) for p in rows if p.late)


def new_late_items(part: MrpResult | None, late_before: Counter[LateKey]) -> set[int]:
    """Items of the planned orders that are late now and were not before the re-plan."""
    if part is None:
        return set()
    return {k[0] for k in late_keys(part.planned_orders) - late_before}


def plan_update_at_risk(*, update_id: int) -> int:
    """The follow-up of a net change (task mrp.tasks_netchange.at_risk, right after the plan update
    is committed): check the sales-order lines its changes reach (`check_at_risk`) and record how
    many were flagged on the update. Idempotent: a line is notified once per feasible date."""
    from ..models import PlanUpdate

    update = PlanUpdate.objects.select_related("run").filter(pk=update_id).first()
    if update is None or not update.risk_items:
        return 0
    # the cause as its first change recorded it (message id and parameters: each reader's language)
    first = PlanningChange.objects.filter(plan_update_id=update.pk).order_by("pk").first()
    flagged = check_at_risk(
        run=update.run,
        data=None,
        above=set(update.risk_items.get("above", ())),
        late_items=set(update.risk_items.get("late", ())),
        cause=first.cause if first else update.cause,
        cause_params=first.params if first else None,
    )
    PlanUpdate.objects.filter(pk=update.pk).update(at_risk_count=flagged)
    return flagged


def ancestors(item_ids: Iterable[int], parents: Children) -> set[int]:
    """The items and everything above them in the BOM."""
    out: set[int] = set()
    stack = list(item_ids)
    while stack:
        node = stack.pop()
        if node in out:
            continue
        out.add(node)
        stack.extend(parents.get(node, ()))
    return out


def check_at_risk(
    *,
    run: MrpRun,
    data: dict | None,
    above: set[int],
    cause: str,
    cause_params: dict | None = None,
    part: MrpResult | None = None,
    late_before: Counter[LateKey] | None = None,
    late_items: set[int] | None = None,
) -> int:
    """Flag / clear lines; returns the number of lines newly flagged (or flagged later). `above`:
    the changed items (lines above them already at risk are checked again); `late_items`: the items
    with a new late planned order (or `part` and `late_before`, from which they are taken);
    `data`: the plan's inputs when the caller has them all, else the lines' items and what they
    reach are read."""
    from ..selectors_netchange import bom_ancestors, bom_descendants, bom_scope
    from ..sources import among
    from .netchange import _parents_orders, reach_inputs

    if late_items is None:
        late_items = new_late_items(part, late_before or Counter())
    fields = ("pk", "item_id", "open_qty", "due_date", "promise_date", "at_risk", "order__number", "line_no")
    order = ("due_date", "order__number", "line_no")
    open_lines = SalesOrderLine.objects.open().open_qty()
    lines = []
    if late_items:  # lines above items with a new late order (the pegging tree upwards)
        candidates = bom_ancestors(late_items)
        lines += (
            open_lines.filter(among(SalesOrderLine, "item_id", candidates))
            .order_by(*order)
            .values(*fields)[:MAX_LINES_CHECKED]
        )
    # lines already at risk whose items reach a changed item: checked again (cleared when met)
    flagged = list(open_lines.filter(at_risk=True).order_by(*order).values(*fields)[: MAX_LINES_CHECKED * 5])
    reaches: dict[int, bool] = {}
    for ln in flagged:
        if ln["item_id"] not in reaches:
            reaches[ln["item_id"]] = bool(above & bom_descendants([ln["item_id"]]))
    seen = {ln["pk"] for ln in lines}
    lines += [ln for ln in flagged if reaches[ln["item_id"]] and ln["pk"] not in seen]
    lines.sort(key=lambda ln: (ln["due_date"], ln["order__number"], ln["line_no"]))
    del lines[MAX_LINES_CHECKED:]
    if not lines:
        return 0
    findings: list[RiskFinding] = []
    checked: list[int] = []
    started = time.perf_counter()
    inputs: dict[int, dict] = {}  # per item: what its capable-to-promise date reads
    for ln in lines:
        if checked and time.perf_counter() - started > TIME_BUDGET_SECONDS:
            break  # the reads count too: lines not reached keep their flag until the next change
        checked.append(ln["pk"])
        item_id = ln["item_id"]
        if data is not None:
            line_data = data
        elif item_id not in inputs:
            reach, outside = bom_scope([item_id])
            line_data = inputs[item_id] = reach_inputs(
                d0=run.run_date, horizon_days=run.horizon_days, reach=reach, outside=outside
            )
        else:
            line_data = inputs[item_id]
        children, parents = bom_maps(line_data["bom_lines"])
        items = line_data["items"]
        peg = f"{ln['order__number']}/{ln['line_no']}"
        # what the line still needs: its open quantity less its own stock (mrp.sources, docs/mrp.md §2)
        need = sum((s.open_qty for s in line_data["sales_lines"] if s.peg == peg), Decimal(0))
        if need <= 0:
            continue  # the line's own stock covers it: met today
        without = dict(line_data)
        without["sales_lines"] = [s for s in line_data["sales_lines"] if s.peg != peg]
        x_scope = replan_scope([item_id], items, children, parents)
        outside = {p for c in x_scope for p in parents.get(c, ()) if p not in x_scope}
        base = _parents_orders(run, outside, {i: items[i].code for i in outside if i in items})
        result = capable_to_promise(
            d0=run.run_date,
            horizon_days=run.horizon_days,
            data=without,
            item_id=item_id,
            qty=need,
            base_orders=base,
            peg=peg,
        )
        promised = ln["promise_date"] or ln["due_date"]
        if result.date is not None and result.date <= promised:
            continue
        findings.append(
            RiskFinding(  # language-neutral: the line renders it in the reader's language
                ln["pk"],
                result.date,
                cause,
                tuple((c.item_code, c.supply_type, c.lead_time_days) for c in result.chain),
                cause_params or {},
            )
        )
    return sales_lines_risk_update(findings=findings, checked=checked)
