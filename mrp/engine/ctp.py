"""Capable to promise (pure, no ORM), docs/mrp.md §5 to the letter.

For a new demand of `qty` of item X: the earliest date d ≥ D0 such that the what-if plan (today's
data plus that demand at d, in memory, nothing written) contains no late planned order that the
base plan (today's data alone) does not contain. Stock and scheduled receipts are used first (ATP);
what they can't cover is planned through the BOM with lead times (CTP).

The new demand is a sales-order line (it consumes forecasts of its month like any order and is
pegged on make-to-order items). Demand only flows down the BOM, so both plans are computed for X
and its BOM descendants only (`partial.replan_scope`), with the dependent demand of parents outside
that part taken from the base plan; the result is the same as comparing two full runs.

Late planned orders are compared as a multiset of (item, type, quantity, release, due, peg): a late
order of the base plan that the new demand makes larger is a new late order.
"""

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .netting import BomLineData, Demand, MrpResult, PlanItem, PlannedOrder, SalesLine, low_level_codes, run_mrp
from .partial import bom_maps, external_demands, replan_scope, restrict

CTP_PEG = "CTP/1"

OrderKey = tuple[int, str, Decimal, datetime.date, datetime.date, str]


@dataclass(frozen=True)
class ChainLink:
    """One step of the limiting chain: the item, how it is supplied and its lead time."""

    item_id: int
    item_code: str
    supply_type: str
    lead_time_days: int


@dataclass(frozen=True)
class CtpResult:
    date: datetime.date | None  # None: no date within the horizon
    kind: str  # atp (stock and scheduled receipts cover it) | ctp (planned through the BOM) | none
    limiting_item_id: int | None = None
    chain: tuple[ChainLink, ...] = ()  # from the limiting item up to X
    new_orders: tuple[PlannedOrder, ...] = field(default=(), compare=False)  # what-if orders at `date`
    evaluations: int = 0
    # the fast search disagreed with the staged plans and the linear scan answered (never seen;
    # the property test asserts it stays False)
    fell_back: bool = field(default=False, compare=False)


class CtpError(Exception):
    pass


def _key(p: PlannedOrder) -> OrderKey:
    return (p.item_id, p.order_type, p.qty, p.release_date, p.due_date, p.pegged_to)


def _late(result: MrpResult) -> Counter[OrderKey]:
    return _late_of(result.planned_orders)


def _late_of(orders: Iterable[PlannedOrder]) -> Counter[OrderKey]:
    return Counter(_key(p) for p in orders if p.late)


def limiting_chain(
    item_id: int, limiting_id: int, items: Mapping[int, PlanItem], children: Mapping[int, set[int]]
) -> tuple[ChainLink, ...]:
    """The BOM path from X down to the limiting item with the longest total lead time, listed from
    the limiting item up to X ("A: buy, 5 days; FG: make, 2 days")."""
    best: dict[int, tuple[int, tuple[int, ...]]] = {}

    def walk(node: int, seen: frozenset[int]) -> tuple[int, tuple[int, ...]] | None:
        if node == limiting_id:
            return items[node].lead_time_days, (node,)
        if node in best:
            return best[node]
        found: tuple[int, tuple[int, ...]] | None = None
        for child in sorted(children.get(node, ())):
            if child in seen or child not in items:
                continue
            sub = walk(child, seen | {child})
            if sub is not None and (found is None or sub[0] > found[0]):
                found = sub
        if found is not None:
            found = (found[0] + items[node].lead_time_days, found[1] + (node,))
            best[node] = found
        return found

    path = walk(item_id, frozenset({item_id}))
    ids = path[1] if path else (limiting_id,)
    return tuple(ChainLink(i, items[i].code, items[i].supply_type, items[i].lead_time_days) for i in ids)


def capable_to_promise(
    *,
    d0: datetime.date,
    horizon_days: int,
    data: Mapping[str, Any],
    item_id: int,
    qty: Decimal,
    base_orders: Iterable[PlannedOrder] | None = None,
    peg: str = CTP_PEG,
    fast: bool = True,
    with_orders: bool = True,
) -> CtpResult:
    """`data` = run_mrp's inputs (mrp.sources.collect). `base_orders`: the current plan's planned
    orders, when known to match `data` (else the base plan is computed here, in memory).
    `with_orders=False`: the answer day's what-if plan below X is not computed (`new_orders` is
    empty; date, kind, limiting item and chain are the same): the fast search has proved that day
    has no new late order, and only X's own orders decide ATP or CTP."""
    items: Mapping[int, PlanItem] = data["items"]
    if item_id not in items:
        raise CtpError(f"unknown or inactive item {item_id}")
    if qty <= 0:
        raise CtpError("the quantity must be greater than 0")
    children, parents = bom_maps(data.get("bom_lines", ()))
    scope = replan_scope([item_id], items, children, parents)
    if base_orders is None:
        base_orders = run_mrp(d0=d0, horizon_days=horizon_days, **data, pegging=False).planned_orders
    # the scope's inputs and the dependent demand from outside parents, once for every what-if plan
    part = restrict(data, scope)
    part["demands"] = list(part.get("demands", ())) + external_demands(
        scope, data.get("bom_lines", ()), (p for p in base_orders if p.item_id not in scope)
    )

    def plan(stage: Mapping[str, Any], extra: Sequence[SalesLine]) -> MrpResult:
        sales = list(stage.get("sales_lines", ())) + list(extra)
        return run_mrp(d0=d0, horizon_days=horizon_days, **{**stage, "sales_lines": sales}, pegging=False)

    # the scope's low-level codes (those of its plan: the part's BOM lines are those of scope parents)
    part_children: dict[int, list[int]] = {}
    for line in part.get("bom_lines", ()):
        part_children.setdefault(line.parent_id, []).append(line.component_id)
    llc = low_level_codes(
        part["items"].keys(),
        {p: sorted(set(c)) for p, c in part_children.items()},
        {i: it.code for i, it in part["items"].items()},
    )
    # Staged what-if plans: the scope's items with low-level code ≤ k form a closed upper part of the
    # scope (all their parents are in it or outside the scope), so its plan is exact on its own; a
    # day that already gets a new late order there fails without planning the levels below.
    stages: list[tuple[dict[str, Any], Counter[OrderKey]]] = []  # built when the linear scan runs
    evaluations = 0

    def build_stages() -> tuple[MrpResult, Counter[OrderKey]]:
        """The base plan of the whole scope and the stages (the linear scan)."""
        nonlocal evaluations
        base = plan(part, ())
        evaluations += 1
        base_late = _late(base)
        levels = sorted({base.llc.get(i, 0) for i in scope})
        for level in levels[:-1]:
            upper = {i for i in scope if base.llc.get(i, 0) <= level}
            stages.append((restrict(part, upper), Counter({k: n for k, n in base_late.items() if k[0] in upper})))
        stages.append((part, base_late))
        return base, base_late

    def staged(day: datetime.date) -> tuple[bool, MrpResult]:
        """The what-if plan of `day` stage by stage: (no new late order, the last plan computed)."""
        nonlocal evaluations
        extra = [SalesLine(item_id, day, qty, peg)]
        what_if: MrpResult | None = None
        for stage, late_before in stages:
            what_if = plan(stage, extra)
            evaluations += 1
            if _late(what_if) - late_before:
                return False, what_if
        assert what_if is not None
        return True, what_if

    def answer(
        day: datetime.date, what_if: Sequence[PlannedOrder], base: Sequence[PlannedOrder], previous: MrpResult | None
    ) -> CtpResult:
        """`what_if`: the what-if plan's orders of `day`; `base`: the base plan's orders of the same
        items (the items left out have the same orders in both plans)."""
        own = Counter(_key(p) for p in what_if if p.item_id == item_id)
        base_own = Counter(_key(p) for p in base if p.item_id == item_id)
        kind = "atp" if not (own - base_own) else "ctp"
        limiting: int | None = None
        chain: tuple[ChainLink, ...] = ()
        if previous is not None:
            limiting = _limiting(previous, _late_of(base), llc)
            chain = limiting_chain(item_id, limiting, items, children)
        elif kind == "ctp":
            chain = limiting_chain(item_id, item_id, items, children)
        new = Counter(map(_key, what_if)) - Counter(map(_key, base)) if with_orders else Counter()
        return CtpResult(
            day,
            kind,
            limiting,
            chain,
            tuple(p for p in what_if if _key(p) in new),
            evaluations,
            fell_back,
        )

    previous: MrpResult | None = None
    fell_back = False
    if fast:
        # the fast what-if (`_DeltaPlanner`) decides pass / fail per day and gives the answer day's
        # what-if plan; the limiting item comes from the new late orders of the day before at
        # their first level (what the staged plans of the linear scan find)
        delta = _DeltaPlanner(d0, horizon_days, part, llc, scope, item_id, qty, peg)
        for offset in range(horizon_days + 1):
            day = d0 + datetime.timedelta(days=offset)
            passed = delta.passes(day)
            evaluations += delta.take_runs()
            if not passed:
                continue
            if with_orders:
                # the items planned again and their base orders (the others keep the base plan's)
                changed = delta.what_if(day)
                base_changed = [p for i in changed for p in delta.base_of(i)]
                evaluations += delta.take_runs()
                orders = [p for own in changed.values() for p in own]
                if _late_of(orders) - _late_of(base_changed):
                    break  # the two disagree (never seen): the linear scan decides
            else:
                orders, base_changed = delta.own_orders(day), list(delta.base_of(item_id))
                evaluations += delta.take_runs()
            if offset > 0:
                late = delta.new_late(day - datetime.timedelta(days=1))
                evaluations += delta.take_runs()
                if not late:
                    break
                previous = MrpResult(planned_orders=late, llc={i: llc.get(i, 0) for i in scope})
            orders.sort(key=lambda p: (p.item_code, p.due_date, p.release_date))
            return answer(day, orders, base_changed, previous)
        else:
            return CtpResult(None, "none", evaluations=evaluations)
        fell_back = True
    previous = None
    base, base_late = build_stages()
    for offset in range(horizon_days + 1):
        day = d0 + datetime.timedelta(days=offset)
        ok, what_if = staged(day)
        if ok:
            return answer(day, what_if.planned_orders, base.planned_orders, previous)
        previous = what_if
    return CtpResult(None, "none", evaluations=evaluations, fell_back=fell_back)


def _limiting(what_if: MrpResult, base_late: Counter[OrderKey], llc: Mapping[int, int]) -> int:
    """The item of the new late order released earliest (deepest in the BOM on a tie)."""
    new = _late(what_if) - base_late
    orders = [p for p in what_if.planned_orders if p.late and _key(p) in new]
    orders.sort(key=lambda p: (p.release_date, -what_if.llc.get(p.item_id, llc.get(p.item_id, 0)), p.item_code))
    return orders[0].item_id


class _DeltaPlanner:
    """Pass / fail of one what-if day, planning only the items whose inputs the new demand changes.

    An item's planned orders depend only on its own data and the planned orders of its parents
    (the dependent demand, as `partial.external_demands` derives it). The new demand changes X;
    level by level (ascending low-level code of the scope plan) the items whose parents' orders
    differ from the base plan are planned again, alone, with the other parents' orders (what-if or
    base) as their dependent demand; phantom / skip-level parents pass their demand through, so
    they are planned with their components (`_with_pass_through`) and count as changed when any of
    their inputs may have. An item whose orders (quantity, release, peg) equal the base plan's
    changes nothing below it. Late orders are compared item by item (the multiset of §5 is keyed by
    item), so the first item with a new late order fails the day; no changed item left passes it.
    """

    def __init__(
        self,
        d0: datetime.date,
        horizon_days: int,
        part: Mapping[str, Any],
        llc: Mapping[int, int],
        scope: set[int],
        item_id: int,
        qty: Decimal,
        peg: str,
    ) -> None:
        self.d0, self.horizon_days, self.item_id, self.qty, self.peg = d0, horizon_days, item_id, qty, peg
        self.items: Mapping[int, PlanItem] = part["items"]
        self.scope = scope
        self.llc = {i: llc.get(i, 0) for i in scope}
        self.levels = sorted(set(self.llc.values()))
        self.lines_by_parent: dict[int, list[BomLineData]] = {}
        self.lines_by_component: dict[int, list[BomLineData]] = {}
        for line in part.get("bom_lines", ()):
            self.lines_by_parent.setdefault(line.parent_id, []).append(line)
            self.lines_by_component.setdefault(line.component_id, []).append(line)
        # the other inputs by item (the same split as partial.restrict)
        self.mappings: dict[str, Mapping[int, Any]] = {}
        self.rows: dict[str, dict[int | None, list[Any]]] = {}  # None: rows of no item (all runs)
        self.shared: dict[str, Any] = {}
        for key, value in part.items():
            if key in ("items", "bom_lines"):
                continue
            if isinstance(value, Mapping):
                self.mappings[key] = value
            elif isinstance(value, list | tuple):
                by_item: dict[int | None, list[Any]] = {}
                for row in value:
                    by_item.setdefault(getattr(row, "item_id", None), []).append(row)
                self.rows[key] = by_item
            else:
                self.shared[key] = value
        self.rows.setdefault("sales_lines", {})
        # the base plan (without the new demand), item by item when first needed (`base_of`)
        self.base_orders: dict[int, list[PlannedOrder]] = {}
        self.base_late: dict[int, Counter[OrderKey]] = {}
        self.runs = 0
        self.suspects: list[int] = []  # items that failed earlier days, latest first
        self.cones: dict[int, dict[int, datetime.date]] = {}
        self.scope_need: dict[int, datetime.date] | None = None
        self.base_demands: dict[BomLineData, list[Demand]] = {}

    def take_runs(self) -> int:
        runs, self.runs = self.runs, 0
        return runs

    def _with_pass_through(self, ids: set[int]) -> set[int]:
        out = set(ids)
        stack = list(ids)
        while stack:
            for line in self.lines_by_component.get(stack.pop(), ()):
                parent = line.parent_id
                if parent not in out and parent in self.scope and self.items[parent].passes_through:
                    out.add(parent)
                    stack.append(parent)
        return out

    def _base_demands(self, line: BomLineData) -> list[Demand]:
        """The dependent demand of the base plan's orders of the line's parent on its component."""
        found = self.base_demands.get(line)
        if found is None:
            found = external_demands({line.component_id}, [line], self.base_of(line.parent_id))
            self.base_demands[line] = found
        return found

    def base_of(self, item: int) -> list[PlannedOrder]:
        """The item's orders in the base plan (the scope's plan without the new demand)."""
        if item not in self.base_orders:
            self._plan_base({item})
        return self.base_orders[item]

    def _plan_base(self, ids: set[int]) -> None:
        """The base plan of these items and of their ancestors in the scope not planned yet, level by
        level like a what-if (each level alone, its parents' base orders as dependent demand),
        without the new demand: the same orders as the plan of the whole scope, for only the part
        needed (an answer that changes a few items never plans the rest of the scope)."""
        todo = {i for i in ids if i not in self.base_orders}
        stack = list(todo)
        while stack:
            for line in self.lines_by_component.get(stack.pop(), ()):
                parent = line.parent_id
                if parent in self.scope and parent not in todo and parent not in self.base_orders:
                    todo.add(parent)
                    stack.append(parent)
        for level in self.levels:
            at = {i for i in todo if self.llc.get(i, 0) == level}
            for i in at:
                if self.items[i].passes_through:  # no planned orders: its demand passes through
                    self.base_orders[i], self.base_late[i] = [], Counter()
            planned = {i for i in at if not self.items[i].passes_through}
            if not planned:
                continue
            result = self._run(self._with_pass_through(planned), {}, None)
            found: dict[int, list[PlannedOrder]] = {i: [] for i in planned}
            for p in result.planned_orders:
                if p.item_id in found:
                    found[p.item_id].append(p)
            for i, own in found.items():
                self.base_orders[i] = own
                self.base_late[i] = Counter(_key(p) for p in own if p.late)

    def _run(
        self,
        mini: set[int],
        what_if: Mapping[int, list[PlannedOrder]],
        day: datetime.date | None,
        horizon_days: int | None = None,
    ) -> MrpResult:
        """The plan of the `mini` items alone (their parents outside it: `what_if` or base orders),
        with the new demand on `day` (None: the base plan). Only the BOM lines within `mini` are
        given: explosions into items outside it are dropped by run_mrp anyway."""
        data: dict[str, Any] = dict(self.shared)
        data["items"] = {i: self.items[i] for i in mini}
        data["bom_lines"] = [ln for i in mini for ln in self.lines_by_parent.get(i, ()) if ln.component_id in mini]
        for key, mapping in self.mappings.items():
            data[key] = {i: mapping[i] for i in mini if i in mapping}
        for key, by_item in self.rows.items():
            data[key] = list(by_item.get(None, ())) + [r for i in mini for r in by_item.get(i, ())]
        demands = list(data.get("demands", ()))
        from_what_if: list[BomLineData] = []
        for i in mini:
            for line in self.lines_by_component.get(i, ()):
                if line.parent_id in mini:
                    continue
                if line.parent_id in what_if:
                    from_what_if.append(line)
                else:
                    demands += self._base_demands(line)
        if from_what_if:  # one pass over those parents' what-if orders
            parents = {line.parent_id for line in from_what_if}
            demands += external_demands(mini, from_what_if, (p for i in parents for p in what_if[i]))
        data["demands"] = demands
        if self.item_id in mini and day is not None:
            data["sales_lines"].append(SalesLine(self.item_id, day, self.qty, self.peg))
        self.runs += 1
        horizon = self.horizon_days if horizon_days is None else horizon_days
        return run_mrp(d0=self.d0, horizon_days=horizon, **data, pegging=False)

    def passes(self, day: datetime.date) -> bool:
        """No new late order on `day`. Items that failed earlier days are tried first alone with
        the items between X and them (their parents' orders are all they depend on): a new late
        order there fails the day without planning the rest of the scope."""
        for suspect in self.suspects:
            if self.new_late(day, self._cone(suspect)):
                return False
        failing = self.new_late(day)
        if not failing:
            return True
        for item in sorted({p.item_id for p in failing}, key=lambda i: self.items[i].code, reverse=True):
            if item in self.suspects:
                self.suspects.remove(item)
            self.suspects.insert(0, item)
        del self.suspects[3:]
        return False

    def _cone(self, item: int) -> dict[int, datetime.date]:
        """The item and its ancestors within the scope (only these feed its orders; a parent of
        one of them in the scope is one of them), with the dates they need (`_needs`)."""
        cone = self.cones.get(item)
        if cone is None:
            members = {item}
            stack = [item]
            while stack:
                for line in self.lines_by_component.get(stack.pop(), ()):
                    if line.parent_id not in members and line.parent_id in self.scope:
                        members.add(line.parent_id)
                        stack.append(line.parent_id)
            cone = self.cones[item] = self._needs(members)
        return cone

    def _needs(self, members: set[int]) -> dict[int, datetime.date]:
        """For each member, the last date of input its plan needs: an item's planned orders due by
        day t depend only on its inputs up to t + period − 1 (netting runs forward, the order period
        looks ahead); its late orders are due before D0 + lead time, and it feeds its components on
        its orders' release dates (a phantom on the same day). Set members: every parent in the
        scope of a member is a member."""
        need: dict[int, datetime.date] = {}
        for i in sorted(members, key=lambda i: -self.llc.get(i, 0)):  # components first
            it = self.items[i]
            ahead = max(it.order_period_days, 1) - 1
            lag = datetime.timedelta(days=0 if it.passes_through else it.lead_time_days + ahead)
            last = self.d0 if it.passes_through else self.d0 + lag - datetime.timedelta(days=1)
            for line in self.lines_by_parent.get(i, ()):
                if line.component_id in need:
                    last = max(last, need[line.component_id] + lag)
            need[i] = last
        return need

    def own_orders(self, day: datetime.date) -> list[PlannedOrder]:
        """X's own orders in the what-if plan of `day` (X's only parents in the scope pass through:
        they are planned with it)."""
        if self.items[self.item_id].passes_through:
            return []
        mini = self._with_pass_through({self.item_id})
        self._plan_base(mini)
        return [p for p in self._run(mini, {}, day).planned_orders if p.item_id == self.item_id]

    def what_if(self, day: datetime.date) -> dict[int, list[PlannedOrder]]:
        """The what-if plan on `day` over the whole horizon of the items whose inputs the new demand
        changes, by item: every other item of the scope keeps its base plan's orders."""
        end = self.d0 + datetime.timedelta(days=self.horizon_days)
        changed: dict[int, list[PlannedOrder]] = {}
        self.new_late(day, dict.fromkeys(self.scope, end), keep=changed)
        return changed

    def new_late(
        self,
        day: datetime.date,
        need: Mapping[int, datetime.date] | None = None,
        keep: dict[int, list[PlannedOrder]] | None = None,
    ) -> list[PlannedOrder]:
        """The new late orders on `day` of the first low-level code that has any (all of that
        level: what the staged plans of `capable_to_promise` find). Only the items whose inputs
        the new demand changes are planned, each up to the date it needs. `need` (default: the
        whole scope) limits the items planned: a part's empty answer proves nothing. `keep`: gets
        the orders of every item planned (all levels are then planned)."""
        if need is None:
            if self.scope_need is None:
                self.scope_need = self._needs(self.scope)
            need = self.scope_need
        end = self.d0 + datetime.timedelta(days=self.horizon_days)
        dirty = {self.item_id}
        what_if: dict[int, list[PlannedOrder]] = {}

        def touch(parent: int) -> None:
            dirty.update(ln.component_id for ln in self.lines_by_parent.get(parent, ()) if ln.component_id in need)

        for level in self.levels:
            todo = [i for i in dirty if self.llc.get(i, 0) == level]
            if not todo:
                continue
            planned = {i for i in todo if not self.items[i].passes_through}
            for i in todo:
                if self.items[i].passes_through:
                    touch(i)
            if not planned:
                continue
            mini = self._with_pass_through(planned)
            self._plan_base(mini)  # their base plan (and their parents'), one run per level
            last = min(end, max(need.get(i, self.d0) for i in mini))
            result = self._run(mini, what_if, day, horizon_days=(last - self.d0).days)
            orders: dict[int, list[PlannedOrder]] = {i: [] for i in planned}
            for p in result.planned_orders:
                if p.item_id in orders:
                    orders[p.item_id].append(p)
            late: list[PlannedOrder] = []
            for i, own in orders.items():
                what_if[i] = own
                # the orders due by `exact` are those of the full what-if plan (all of them when
                # the item needs the whole horizon); its late orders are among them
                if need.get(i, self.d0) < end:
                    exact = need[i] - datetime.timedelta(days=max(self.items[i].order_period_days, 1) - 1)
                    own = [p for p in own if p.due_date <= exact]
                    base = [p for p in self.base_of(i) if p.due_date <= exact]
                else:
                    base = self.base_of(i)
                new = Counter(_key(p) for p in own if p.late) - self.base_late[i]
                late.extend(p for p in own if p.late and _key(p) in new)
                if _signature(own) != _signature(base):
                    touch(i)
            if late and keep is None:
                return late
        if keep is not None:
            keep.update(what_if)
        return []


def _signature(orders: Iterable[PlannedOrder]) -> Counter[tuple[Decimal, datetime.date, str]]:
    """What the components see of an item's planned orders (their dependent demand)."""
    return Counter((p.qty, p.release_date, p.pegged_to) for p in orders)
