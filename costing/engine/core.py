"""The period cost run as pure computation over plain data (Decimal only, no ORM).

Inputs: the period's stock moves (classified), the opening quantity/value per scope, the orders
of the period with their fixed costs (labour, overhead, fee, invoice differences), their WIP
quantity and their outputs, and the items' low-level codes. Output: a target value per move,
the weighted average per scope and the cost sheet per order (by element).

Order of work (bottom-up, raw materials first): levels are the low-level codes of the period's
actual flows — an order is costed after every item it consumes has its monthly weighted
average (so its issues are revalued), an item is averaged after every order producing it
(product, joint or by-product) is costed (so its receipts carry the order's cost). The BOM
low-level code breaks ties and decides in a cycle.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

ZERO = Decimal("0")
ONE = Decimal("1")
CENT = Decimal("0.01")
UNIT = Decimal("0.000001")

PRICED = "priced"  # a receipt that keeps its posted value (purchase, opening, invoice adjustment)
ISSUE = "issue"  # revalued at the weighted average (issues, returns as negative issues)
XFER_OUT = "xfer_out"  # transfer out: revalued at the average of its scope
XFER_IN = "xfer_in"  # transfer in: takes the value of its transfer out
OUTPUT = "output"  # receipt of an order's product / joint / by-product: takes the order's cost

MATERIAL, OUTSOURCING, LABOUR, OVERHEAD = "material", "outsourcing", "labour", "overhead"
ELEMENTS = (MATERIAL, OUTSOURCING, LABOUR, OVERHEAD)
CONVERSION = (LABOUR, OVERHEAD)

MAIN, JOINT, BY = "main", "joint", "by"

K = TypeVar("K", bound=Hashable)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: dict[K, Decimal], *, remainder_to: K | None = None) -> dict[K, Decimal]:
    """Split `total` (2 dp) in proportion to `weights`; the parts sum exactly to `total`, the
    rounding remainder goes to `remainder_to` (default: the largest weight, first one on ties).
    Zero weights in total: everything zero (nothing to split on)."""
    wsum = sum(weights.values(), ZERO)
    if not weights or wsum == 0:
        return dict.fromkeys(weights, ZERO)
    out = {k: money(total * w / wsum) for k, w in weights.items()}
    if remainder_to is None:
        remainder_to = max(weights, key=lambda k: abs(weights[k]))
    out[remainder_to] += total - sum(out.values(), ZERO)
    return out


@dataclass
class Output:
    """What an order delivered in the period: its product (main), joint or by-products."""

    kind: str  # MAIN | JOINT | BY
    item: int
    qty: Decimal
    cost_share: Decimal = ZERO  # ratio method: share of the total; quota: weight per unit (main = 1)
    standard_cost: Decimal = ZERO  # quota method: by-products at standard cost per unit


def split_joint(total: Decimal, outputs: list[Output], method: str) -> list[Decimal]:
    """Values of `outputs` (same order) summing exactly to `total`; the main product takes the
    remainder. ratio: each joint/by-product gets total × cost share. quota: by-products at
    standard cost first, the rest split among main and joint products by weight × quantity.
    Outputs without quantity get nothing."""
    values = [ZERO] * len(outputs)
    mains = [i for i, o in enumerate(outputs) if o.kind == MAIN]
    main = mains[0] if mains else None
    if method == "quota":
        for i, o in enumerate(outputs):
            if o.kind == BY and o.qty:
                values[i] = money(o.qty * o.standard_cost)
        rest = total - sum(values, ZERO)
        weights = {
            i: o.qty * (ONE if o.kind == MAIN else o.cost_share)
            for i, o in enumerate(outputs)
            if o.kind in (MAIN, JOINT) and o.qty
        }
        if main is not None and main not in weights:
            weights[main] = ZERO
        for i, v in allocate(rest, weights, remainder_to=main).items():
            values[i] = v
        return values
    for i, o in enumerate(outputs):
        if o.kind != MAIN and o.qty:
            values[i] = money(total * o.cost_share)
    if main is not None:
        values[main] = total - sum(values, ZERO)
    return values


@dataclass
class OrderIn:
    key: str  # "wo:12", "oo:3"
    item: int
    number: str = ""
    opening: dict[str, Decimal] = field(default_factory=dict)  # opening WIP by element
    fixed: dict[str, Decimal] = field(default_factory=dict)  # this period's non-issue costs by element
    completed_qty: Decimal = ZERO  # main product received in the period (net)
    wip_qty: Decimal = ZERO  # in process at the period end
    completion: Decimal = ZERO  # conversion-cost completion of the WIP, 0..1
    outputs: list[Output] = field(default_factory=list)
    no_wip: bool = False  # outsourcing orders: everything to the receipts


@dataclass
class ElementOut:
    opening: Decimal = ZERO
    this_period: Decimal = ZERO
    fg: Decimal = ZERO
    closing_wip: Decimal = ZERO


@dataclass
class OrderOut:
    key: str
    elements: dict[str, ElementOut]
    fg_total: Decimal
    output_values: list[Decimal]
    unit_cost: Decimal  # main product, FG value / completed qty

    @property
    def closing_wip(self) -> Decimal:
        return sum((e.closing_wip for e in self.elements.values()), ZERO)


def order_cost(order: OrderIn, *, material: Decimal, wip_method: str, joint_method: str) -> OrderOut:
    """FG = opening WIP + this period − closing WIP, per element; closing WIP by equivalent
    units (material and fee at 100 %, conversion costs at the completion %), or none."""
    elements: dict[str, ElementOut] = {}
    this = dict(order.fixed)
    this[MATERIAL] = this.get(MATERIAL, ZERO) + material
    no_wip = order.no_wip or wip_method == "none"
    for el in ELEMENTS:
        opening = order.opening.get(el, ZERO)
        period = money(this.get(el, ZERO))
        total = opening + period
        pct = order.completion if el in CONVERSION else ONE
        if no_wip:
            wip = ZERO if order.completed_qty else total
        else:
            eq_wip = order.wip_qty * pct
            eq = order.completed_qty + eq_wip
            wip = total if eq == 0 else money(total * eq_wip / eq)
        elements[el] = ElementOut(opening, period, total - wip, wip)
    fg_total = sum((e.fg for e in elements.values()), ZERO)
    values = split_joint(fg_total, order.outputs, joint_method)
    main_value = sum((v for v, o in zip(values, order.outputs, strict=True) if o.kind == MAIN), ZERO)
    unit = (main_value / order.completed_qty).quantize(UNIT) if order.completed_qty else ZERO
    return OrderOut(order.key, elements, fg_total, values, unit)


@dataclass
class MoveIn:
    key: int
    item: int
    wh: int
    qty: Decimal
    value: Decimal  # as posted (document value incl. earlier corrections of the same document)
    cls: str
    consumer: str = ""  # ISSUE consumed by an order: its key (material of that order)
    link: int | None = None  # XFER_IN: key of its XFER_OUT
    order: str = ""  # OUTPUT: the producing order
    output: int = 0  # OUTPUT: index into the order's outputs


@dataclass
class ScopeOut:
    item: int
    wh: int  # 0 when the scope is the item over all warehouses
    opening_qty: Decimal = ZERO
    opening_value: Decimal = ZERO
    receipt_qty: Decimal = ZERO
    receipt_value: Decimal = ZERO
    issue_qty: Decimal = ZERO
    issue_value: Decimal = ZERO
    unit_cost: Decimal | None = None

    @property
    def closing_qty(self) -> Decimal:
        return self.opening_qty + self.receipt_qty - self.issue_qty

    @property
    def closing_value(self) -> Decimal:
        return self.opening_value + self.receipt_value - self.issue_value


@dataclass
class RunResult:
    targets: dict[int, Decimal]
    scopes: dict[tuple[int, int], ScopeOut]
    orders: dict[str, OrderOut]


def _split_by_qty(value: Decimal, moves: list[MoveIn]) -> dict[int, Decimal]:
    qty = sum((m.qty for m in moves), ZERO)
    if qty == 0:
        return {m.key: m.value for m in moves}
    return allocate(value, {m.key: m.qty for m in moves})


def compute(
    *,
    moves: Iterable[MoveIn],
    orders: Iterable[OrderIn],
    opening: dict[tuple[int, int], tuple[Decimal, Decimal]],
    levels: dict[int, int],
    per_warehouse: bool,
    wip_method: str = "equivalent",
    joint_method: str = "ratio",
) -> RunResult:
    """The whole run. `opening` is keyed by scope: (item, warehouse) or (item, 0)."""
    moves = list(moves)
    orders_by_key = {o.key: o for o in orders}
    targets: dict[int, Decimal] = {}
    by_key = {m.key: m for m in moves}

    def scope_of(m: MoveIn) -> tuple[int, int]:
        return (m.item, m.wh if per_warehouse else 0)

    consumed: dict[str, list[MoveIn]] = defaultdict(list)
    outputs: dict[tuple[str, int], list[MoveIn]] = defaultdict(list)
    item_scopes: dict[int, set[tuple[int, int]]] = defaultdict(set)
    by_scope: dict[tuple[int, int], list[MoveIn]] = defaultdict(list)
    for m in moves:
        if m.cls == XFER_IN and (m.link not in by_key or by_key[m.link].item != m.item):
            m.cls = PRICED  # its transfer out lies outside the period: keep the value
        if m.cls == OUTPUT and m.order not in orders_by_key:
            m.cls = PRICED
        if m.cls == ISSUE and m.consumer:
            consumed[m.consumer].append(m)
        if m.cls == OUTPUT:
            outputs[(m.order, m.output)].append(m)
        s = scope_of(m)
        by_scope[s].append(m)
        item_scopes[m.item].add(s)
    for s in opening:
        item_scopes[s[0]].add(s)

    # bottom-up order: an item is averaged after every order producing it, an order is costed
    # after every item it consumes (the low-level code of the period's actual flows; a cycle
    # stops deepening after 50 rounds and the BOM low-level code decides)
    consumed_items = {k: {m.item for m in ms} for k, ms in consumed.items()}
    item_depth: dict[int, int] = dict.fromkeys(item_scopes, 0)
    order_depth: dict[str, int] = {}
    ordered = sorted(orders_by_key.values(), key=lambda o: (-levels.get(o.item, 0), o.key))
    for _round in range(50):
        changed = False
        for o in ordered:
            d = 1 + max((item_depth.get(x, 0) for x in consumed_items.get(o.key, ())), default=0)
            order_depth[o.key] = d
            for out in o.outputs:
                if out.item and item_depth.get(out.item, 0) < d:
                    item_depth[out.item] = d
                    changed = True
        if not changed:
            break
    orders_at: dict[int, list[OrderIn]] = defaultdict(list)
    for o in ordered:
        orders_at[order_depth[o.key]].append(o)
    items_at: dict[int, list[int]] = defaultdict(list)
    for item in item_scopes:
        items_at[item_depth.get(item, 0)].append(item)

    result_orders: dict[str, OrderOut] = {}
    scopes: dict[tuple[int, int], ScopeOut] = {}

    def value(m: MoveIn) -> Decimal:
        return targets.get(m.key, m.value)

    for lvl in sorted(set(orders_at) | set(items_at)):
        for o in orders_at.get(lvl, []):
            material = -sum((value(m) for m in consumed.get(o.key, [])), ZERO)
            out = order_cost(o, material=material, wip_method=wip_method, joint_method=joint_method)
            result_orders[o.key] = out
            for idx, v in enumerate(out.output_values):
                targets.update(_split_by_qty(v, outputs.get((o.key, idx), [])))
        for item in sorted(items_at.get(lvl, []), key=lambda i: (-levels.get(i, 0), i)):
            _average_item(item, sorted(item_scopes[item]), by_scope, opening, targets, by_key, scopes, scope_of)
    for m in moves:
        targets.setdefault(m.key, m.value)
    return RunResult(targets, scopes, result_orders)


def _average_item(item, item_scope_keys, by_scope, opening, targets, by_key, scopes, scope_of) -> None:
    """Weighted average of every scope of one item; transfers between its scopes are iterated
    until the transfer-in values settle (at most 20 rounds)."""
    for _round in range(20):
        changed = False
        for s in item_scope_keys:
            oq, ov = opening.get(s, (ZERO, ZERO))
            sc = ScopeOut(item, s[1], oq, ov)
            rows = by_scope.get(s, [])
            internal = {
                m.key for m in rows if m.cls == XFER_IN and m.link is not None and scope_of(by_key[m.link]) == s
            }
            internal |= {by_key[k].link for k in internal}  # type: ignore[misc]
            issues = []
            for m in rows:
                if m.key in internal:
                    continue
                if m.cls in (PRICED, OUTPUT):
                    sc.receipt_qty += m.qty
                    sc.receipt_value += targets.get(m.key, m.value)
                elif m.cls == XFER_IN:
                    out_target = targets.get(m.link)  # type: ignore[arg-type]
                    v = -out_target if out_target is not None else m.value
                    if targets.get(m.key) != v:
                        targets[m.key] = v
                        changed = True
                    sc.receipt_qty += m.qty
                    sc.receipt_value += v
                else:
                    issues.append(m)
            base_qty = sc.opening_qty + sc.receipt_qty
            avg = (sc.opening_value + sc.receipt_value) / base_qty if base_qty > 0 else None
            sc.unit_cost = avg.quantize(UNIT) if avg is not None else None
            new = {m.key: (money(m.qty * avg) if avg is not None else m.value) for m in issues}
            closing_qty = base_qty + sum((m.qty for m in issues), ZERO)
            if issues and avg is not None and closing_qty == 0:
                rest = sc.opening_value + sc.receipt_value + sum(new.values(), ZERO)
                big = max(issues, key=lambda m: abs(m.qty))
                new[big.key] -= rest
            for m in issues:
                targets[m.key] = new[m.key]
            sc.issue_qty = -sum((m.qty for m in issues), ZERO)
            sc.issue_value = -sum(new.values(), ZERO)
            # transfers inside the scope (item scope): out at the average, in at the same value
            for k in sorted(internal):
                m = by_key[k]
                if m.cls == XFER_OUT:
                    t = money(m.qty * avg) if avg is not None else m.value
                    targets[m.key] = t
            for k in sorted(internal):
                m = by_key[k]
                if m.cls == XFER_IN:
                    targets[m.key] = -targets[m.link]
            scopes[s] = sc
        if not changed:
            return
