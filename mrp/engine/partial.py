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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .netting import BomLineData, Demand, MrpException, MrpResult, PlanItem, PlannedOrder, low_level_codes, run_mrp
from .pegging import PLANNED, Peg

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


# ---- net change: re-plan only the items whose inputs change ---------------------------------


@dataclass
class ItemReplan:
    """One item planned again: its planned orders (numbered as they will be stored), whether they
    differ from the current plan's (else the stored rows stay, with their numbers), its pegs and
    messages (always replaced: the demand it pegs may name other parent orders)."""

    orders: list[PlannedOrder]
    changed: bool
    pegs: list[Peg] = field(default_factory=list)
    messages: list[MrpException] = field(default_factory=list)


@dataclass
class DeltaResult:
    plans: dict[int, ItemReplan]  # items planned again (a phantom: no orders, its stock pegs)
    next_seq: int  # the next free planned-order number
    runs: int = 0


OrderKeyFn = Callable[[PlannedOrder], tuple]


def _order_key(p: PlannedOrder) -> tuple:
    return (p.order_type, p.qty, p.release_date, p.due_date, p.late, p.pegged_to, p.net, p.firm)


class _Inputs:
    """run_mrp inputs indexed by item, so that the plan of a few items is cut out quickly (the same
    split as `restrict`)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.items: Mapping[int, PlanItem] = data["items"]
        self.by_parent: dict[int, list[BomLineData]] = defaultdict(list)
        self.by_component: dict[int, list[BomLineData]] = defaultdict(list)
        for line in data.get("bom_lines", ()):
            self.by_parent[line.parent_id].append(line)
            self.by_component[line.component_id].append(line)
        self.mappings: dict[str, Mapping[int, Any]] = {}
        self.rows: dict[str, dict[int | None, list[Any]]] = {}
        self.shared: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("items", "bom_lines"):
                continue
            if isinstance(value, Mapping):
                self.mappings[key] = value
            elif isinstance(value, list | tuple):
                by_item: dict[int | None, list[Any]] = defaultdict(list)
                for row in value:
                    by_item[getattr(row, "item_id", None)].append(row)
                self.rows[key] = by_item
            else:
                self.shared[key] = value

    def cut(self, ids: set[int]) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.shared)
        out["items"] = {i: self.items[i] for i in ids if i in self.items}
        # all lines of these parents: a made item without BOM gets its message; run_mrp drops the
        # explosion into components outside `ids`
        out["bom_lines"] = [ln for i in ids for ln in self.by_parent.get(i, ())]
        for key, mapping in self.mappings.items():
            out[key] = {i: mapping[i] for i in ids if i in mapping}
        for key, by_item in self.rows.items():
            out[key] = list(by_item.get(None, ())) + [r for i in ids for r in by_item.get(i, ())]
        return out


def replan_changed(
    *,
    d0: datetime.date,
    horizon_days: int,
    data: Mapping[str, Any],
    scope: set[int],
    seeds: Iterable[int],
    current: Callable[[set[int]], Mapping[int, list[PlannedOrder]]],
    next_seq: int,
    key: OrderKeyFn = _order_key,
) -> DeltaResult:
    """Net change of a scope (`replan_scope`) planning only the items whose inputs change.

    In low-level-code order, the changed items (the seeds) and every component of an item whose
    planned orders came out different are planned again, each level in one run_mrp call with the
    dependent demand of their parents: the new orders of parents planned again, the current
    plan's orders (`current(ids)`, asked once per item) of the others. Phantom / skip-level parents
    in the scope are planned with their components (they pass their demand on). An item whose
    orders equal the current ones (`key`, as stored) keeps their numbers and changes nothing below
    it; the others get new numbers from `next_seq`. Equal to `run_scope` on the whole scope for the
    orders and messages (property test), with far fewer items planned."""
    inputs = _Inputs(data)
    items = inputs.items
    known: dict[int, list[PlannedOrder]] = {}

    def current_of(ids: set[int]) -> None:
        missing = {i for i in ids if i not in known}
        if missing:
            found = current(missing)
            for i in missing:
                known[i] = list(found.get(i, ()))

    children = {p: sorted({ln.component_id for ln in lines}) for p, lines in inputs.by_parent.items() if p in scope}
    llc = low_level_codes([i for i in scope if i in items], children, {i: items[i].code for i in scope if i in items})
    dirty = {s for s in seeds if s in scope and s in items}
    new: dict[int, list[PlannedOrder]] = {}  # orders of the items planned again (final numbers)
    plans: dict[int, ItemReplan] = {}
    runs = 0

    def touch(parent: int) -> None:
        dirty.update(
            ln.component_id
            for ln in inputs.by_parent.get(parent, ())
            if ln.component_id in scope and ln.component_id in items
        )

    def with_pass_through(ids: set[int]) -> set[int]:
        out = set(ids)
        stack = list(ids)
        while stack:
            for line in inputs.by_component.get(stack.pop(), ()):
                parent = line.parent_id
                if parent not in out and parent in scope and parent in items and items[parent].passes_through:
                    out.add(parent)
                    stack.append(parent)
        return out

    def plan_part(planned: set[int]) -> MrpResult:
        nonlocal runs
        mini = with_pass_through(planned)
        part = inputs.cut(mini)
        outside = {ln.parent_id for i in mini for ln in inputs.by_component.get(i, ()) if ln.parent_id not in mini}
        current_of({p for p in outside if p not in new} | planned)
        demands = list(part.get("demands", ()))
        lines_by_parent: dict[int, list[BomLineData]] = defaultdict(list)
        for i in mini:
            for line in inputs.by_component.get(i, ()):
                if line.parent_id not in mini:
                    lines_by_parent[line.parent_id].append(line)
        # dependent demand from the parents outside the part (`external_demands` inlined: the same
        # rows in the same order, each parent's orders read once)
        add = demands.append
        for parent, lines in lines_by_parent.items():
            for order in new[parent] if parent in new else known.get(parent, ()):
                release, qty, peg, ref = order.release_date, order.qty, order.pegged_to, f"{EXTERNAL_REF}{order.seq}"
                for line in lines:
                    if line.valid_on(release):
                        add(Demand(line.component_id, release, line.requirement(qty), PLANNED, peg, ref))
        part["demands"] = demands
        runs += 1
        return run_mrp(d0=d0, horizon_days=horizon_days, **part)

    def take(result: MrpResult, planned: set[int], phantoms: set[int]) -> None:
        nonlocal next_seq
        numbers: dict[int, int] = {}  # the part's order numbers → stored numbers
        by_item: dict[int, list[PlannedOrder]] = {i: [] for i in planned}
        for p in result.planned_orders:
            if p.item_id in by_item:
                by_item[p.item_id].append(p)
        for i, orders in by_item.items():
            old = known.get(i, [])
            # an order equal to a stored one (as stored) keeps its number: its row stays, and so do
            # the pegs that name it; the others get new numbers
            stored: dict[tuple, list[int]] = defaultdict(list)
            for o in old:
                stored[key(o)].append(o.seq)
            same = len(orders) == len(old)
            for p in orders:
                seqs = stored.get(key(p))
                if seqs:
                    numbers[p.seq] = seqs.pop()
                else:
                    numbers[p.seq] = next_seq
                    next_seq += 1
                    same = False
            if not same:
                touch(i)
            for p in orders:
                p.seq = numbers[p.seq]
            new[i] = orders
            plans[i] = ItemReplan(orders, not same)
        for i in phantoms:
            plans[i] = ItemReplan([], False)
        # the part's pegs with the stored numbers: a parent order outside the part is named by its
        # number after the EXTERNAL_REF mark, the part's own orders by `numbers` (one loop, no call
        # per peg: a large change re-pegs ~100,000 rows)
        renumber = {str(k): str(v) for k, v in numbers.items()}
        cut = len(EXTERNAL_REF)
        for peg in result.pegs:
            i = peg.item_id
            if i not in planned and i not in phantoms:
                continue
            kind, demand_ref, supply_ref = peg.supply_kind, peg.demand_ref, peg.supply_ref
            if peg.demand_kind == PLANNED and demand_ref.startswith(EXTERNAL_REF):
                demand_ref = demand_ref[cut:]
            if kind == PLANNED and supply_ref and not supply_ref.startswith(EXTERNAL_REF):
                supply_ref = renumber.get(supply_ref, supply_ref)
            if demand_ref is not peg.demand_ref or supply_ref is not peg.supply_ref:
                peg = Peg(i, peg.demand_kind, demand_ref, peg.demand_date, kind, supply_ref, peg.supply_date, peg.qty)
            plans[i].pegs.append(peg)
        for e in result.exceptions:
            if e.item_id in planned:
                plans[e.item_id].messages.append(e)

    dirty_phantoms: set[int] = set()
    for level in sorted({llc.get(i, 0) for i in scope if i in items}):
        todo = [i for i in dirty if llc.get(i, 0) == level]
        if not todo:
            continue
        planned = {i for i in todo if not items[i].passes_through}
        for i in todo:
            if items[i].passes_through:
                dirty_phantoms.add(i)
                touch(i)
        if not planned:
            continue
        result = plan_part(planned)
        take(result, planned, {i for i in dirty_phantoms if i not in plans} & with_pass_through(planned))
    left = {i for i in dirty_phantoms if i not in plans}
    if left:  # phantoms whose components are all outside the scope: their stock pegs
        result = plan_part(left)
        take(result, set(), left)
    return DeltaResult(plans, next_seq, runs)
