"""Kitting analysis (齐套分析), pure computation (no ORM): docs/mrp.md "Kitting analysis".

Demands are served in the order given (the caller sorts them by priority, ties by document
number). Each demand takes `min(left, required)` of every component from what earlier demands
left (component-greedy). Sets that can be built now = `min over components of
floor((covered + allocated) / per_set)`, capped at the demand quantity, where `covered` is what
was already issued for the sets still to build (0 for a demand that issued nothing).

Level 'lowest' (最底层): a component that has an entry in `explode` (a semi-finished item with its
own BOM) uses its own stock first; the shortfall is exploded through its BOM (`explode[item]` =
children per one unit, scrap included) and the units that the children can make (whole units,
`min over children of floor(allocated / per)`) count as covered for the parent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

ZERO = Decimal(0)
MAX_DEPTH = 30

COMPLETE = "complete"  # 齐套
PARTIAL = "partial"  # 部分
SHORT = "short"  # 缺料


@dataclass(frozen=True, slots=True)
class KitComponent:
    item_id: int
    per_set: Decimal  # quantity of the component per one set of the demand
    required: Decimal  # what the demand still needs of it (its share of stock to take)
    covered: Decimal = ZERO  # already issued toward the sets still to build


@dataclass(frozen=True, slots=True)
class KitChild:
    item_id: int
    per: Decimal  # per one unit of the exploded parent (scrap included)


@dataclass(frozen=True, slots=True)
class KitDemand:
    key: object
    qty: Decimal  # sets still to build
    components: tuple[KitComponent, ...]


@dataclass(slots=True)
class KitRow:
    item_id: int
    required: Decimal = ZERO
    available_before: Decimal = ZERO
    allocated: Decimal = ZERO
    short: Decimal = ZERO
    left_after: Decimal = ZERO
    depth: int = 0  # 0 = a component of the demand, 1+ = exploded below a semi-finished one
    exploded: bool = False  # its shortfall was exploded through its BOM (level 'lowest')


@dataclass(slots=True)
class KitResult:
    key: object
    qty: Decimal
    kittable: Decimal
    status: str
    rows: list[KitRow] = field(default_factory=list)

    @property
    def short_by_item(self) -> dict[int, Decimal]:
        return {r.item_id: r.short for r in self.rows if r.short > 0}


def floor(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_FLOOR)


class _Allocator:
    def __init__(self, stock: Mapping[int, Decimal], explode: Mapping[int, Iterable[KitChild]] | None):
        self.left: dict[int, Decimal] = {k: max(v, ZERO) for k, v in stock.items()}
        self.explode = {k: tuple(v) for k, v in (explode or {}).items()}

    def take(self, rows: dict[int, KitRow], order: list[int], item_id: int, need: Decimal, depth: int) -> Decimal:
        """Allocate `need` of the item; return the units covered (own stock + made from children)."""
        before = self.left.get(item_id, ZERO)
        alloc = min(before, need) if need > 0 else ZERO
        self.left[item_id] = before - alloc
        row = rows.get(item_id)
        if row is None:
            row = rows[item_id] = KitRow(item_id=item_id, available_before=before, depth=depth)
            order.append(item_id)
        row.required += need
        row.allocated += alloc
        row.short += need - alloc
        row.left_after = self.left[item_id]
        row.depth = min(row.depth, depth)
        units = alloc
        shortfall = need - alloc
        children = self.explode.get(item_id)
        if shortfall > 0 and children and depth < MAX_DEPTH:
            row.exploded = True
            made: Decimal | None = None
            for child in children:
                if child.per <= 0:
                    continue
                got = self.take(rows, order, child.item_id, shortfall * child.per, depth + 1)
                can = floor(got / child.per)
                made = can if made is None else min(made, can)
            if made is not None:
                units += min(made, shortfall)
        return units


def analyse(
    demands: Iterable[KitDemand],
    stock: Mapping[int, Decimal],
    *,
    explode: Mapping[int, Iterable[KitChild]] | None = None,
) -> list[KitResult]:
    """Serve the demands in the given order from `stock` (item -> quantity available)."""
    alloc = _Allocator(stock, explode)
    results = []
    for demand in demands:
        rows: dict[int, KitRow] = {}
        order: list[int] = []
        sets: Decimal | None = None
        for comp in demand.components:
            units = alloc.take(rows, order, comp.item_id, max(comp.required, ZERO), 0)
            if comp.per_set > 0 and comp.required > 0:
                can = floor((comp.covered + units) / comp.per_set)
                sets = can if sets is None else min(sets, can)
        kittable = demand.qty if sets is None else max(min(sets, demand.qty), ZERO)
        leaf_short = any(rows[i].short > 0 and not rows[i].exploded for i in order)
        if kittable >= demand.qty and not leaf_short:
            status = COMPLETE
        elif kittable <= 0:
            status = SHORT
        else:
            status = PARTIAL
        results.append(KitResult(demand.key, demand.qty, kittable, status, [rows[i] for i in order]))
    return results
