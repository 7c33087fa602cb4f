"""Re-planning a part of the plan (pure, no ORM): the items a change can affect, the demand they
receive from parents outside that part, and the plan of just that part.

Shared by net change (docs/mrp.md "Net change") and capable to promise (`ctp.py`): both need the
plan of an item and everything below it in the BOM, with the rest of the plan left as it is.

Why this equals a full run: demand only flows down the BOM. An item's planned orders depend on its
own supply, its independent demand and the planned orders of its parents. The descendants of the
changed items (the *scope*) are the only items whose inputs can change; every parent outside the
scope keeps its planned orders, so its dependent demand on a scope item can be taken from the
current plan. Phantom (and skip-level) parents have no planned orders: they pass their demand
through, so a phantom parent of a scope item joins the scope (with its own phantom parents); its
result is unchanged, it only re-derives the demand it passes to the scope.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from .netting import BomLineData, Demand, MrpResult, PlanItem, PlannedOrder, run_mrp

Children = dict[int, set[int]]

# pegs of scope items that name a parent planned order outside the scope carry its run number
# prefixed with this mark (the part's own orders are numbered from 1 again: the caller renumbers)
EXTERNAL_REF = "x"


def bom_maps(bom_lines: Iterable[BomLineData]) -> tuple[Children, Children]:
    """(children by parent, parents by component) of the BOM lines."""
    children: Children = defaultdict(set)
    parents: Children = defaultdict(set)
    for line in bom_lines:
        children[line.parent_id].add(line.component_id)
        parents[line.component_id].add(line.parent_id)
    return children, parents


def descendants(seeds: Iterable[int], children: Mapping[int, set[int]]) -> set[int]:
    """The seeds and everything below them in the BOM."""
    out: set[int] = set()
    stack = list(seeds)
    while stack:
        node = stack.pop()
        if node in out:
            continue
        out.add(node)
        stack.extend(children.get(node, ()))
    return out


def replan_scope(
    seeds: Iterable[int], items: Mapping[int, PlanItem], children: Mapping[int, set[int]], parents: Children
) -> set[int]:
    """The items to re-plan for a change of the seeds: the seeds, their BOM descendants, and the
    phantom / skip-level parents of those (recursively through phantom parents), whose pass-through
    demand has no planned order to read it from."""
    scope = descendants([s for s in seeds if s in items], children)
    stack = list(scope)
    while stack:
        node = stack.pop()
        for parent in parents.get(node, ()):
            item = items.get(parent)
            if parent not in scope and item is not None and item.passes_through:
                scope.add(parent)
                stack.append(parent)
    return scope


def external_demands(scope: set[int], bom_lines: Iterable[BomLineData], orders: Iterable[PlannedOrder]) -> list[Demand]:
    """Dependent demand (spec rule 3) on scope items from planned orders of parents outside it."""
    lines_by_parent: dict[int, list[BomLineData]] = defaultdict(list)
    for line in bom_lines:
        if line.parent_id not in scope and line.component_id in scope:
            lines_by_parent[line.parent_id].append(line)
    out: list[Demand] = []
    if not lines_by_parent:
        return out
    for order in orders:
        for line in lines_by_parent.get(order.item_id, ()):
            if line.valid_on(order.release_date):
                # kind and ref as the full run's dependent demand (pegs name the parent order by its
                # number in the run, marked "x" until the caller maps it: see EXTERNAL_REF)
                out.append(
                    Demand(
                        line.component_id,
                        order.release_date,
                        line.requirement(order.qty),
                        "planned",
                        order.pegged_to,
                        f"{EXTERNAL_REF}{order.seq}",
                    )
                )
    return out


def restrict(data: Mapping[str, Any], scope: set[int]) -> dict[str, Any]:
    """The run_mrp inputs limited to the scope's items: item-keyed mappings and rows with an
    `item_id` keep the scope's entries, BOM lines those of scope parents; anything else is kept."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "bom_lines":
            out[key] = [ln for ln in value if ln.parent_id in scope]
        elif isinstance(value, Mapping):
            out[key] = {k: v for k, v in value.items() if k in scope}
        elif isinstance(value, list | tuple):
            out[key] = [r for r in value if getattr(r, "item_id", None) is None or r.item_id in scope]
        else:
            out[key] = value
    return out


def run_scope(
    *,
    d0: datetime.date,
    horizon_days: int,
    data: Mapping[str, Any],
    scope: set[int],
    parent_orders: Iterable[PlannedOrder],
    extra_demands: Iterable[Demand] = (),
    **options: Any,
) -> MrpResult:
    """The plan of the scope's items alone, with dependent demand from `parent_orders` (the current
    plan's orders of items outside the scope). `options` go to run_mrp (e.g. pegging=False)."""
    part = restrict(data, scope)
    part["demands"] = (
        list(part.get("demands", ()))
        + external_demands(scope, data.get("bom_lines", ()), parent_orders)
        + list(extra_demands)
    )
    return run_mrp(d0=d0, horizon_days=horizon_days, **part, **options)


def merge(base: MrpResult, part: MrpResult, scope: set[int]) -> MrpResult:
    """The base plan with the scope's orders and messages replaced by the part's (same ordering as
    run_mrp: item code, due date, release date; messages in run order by item)."""
    orders = [p for p in base.planned_orders if p.item_id not in scope] + list(part.planned_orders)
    orders.sort(key=lambda p: (p.item_code, p.due_date, p.release_date))
    messages = [e for e in base.exceptions if e.item_id not in scope] + list(part.exceptions)
    return MrpResult(planned_orders=orders, exceptions=messages, llc=dict(base.llc))
