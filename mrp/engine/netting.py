"""Regenerative MRP over plain data, exactly as docs/mrp.md states it.

Items are planned in ascending low-level code, so every parent is final before its components.
All quantities are Decimal; dates are calendar days.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class PlanItem:
    id: int
    code: str
    supply_type: str  # purchase | manufacture | outsource | phantom
    make_to_order: bool = False
    lead_time_days: int = 0
    safety_stock: Decimal = ZERO
    min_order_qty: Decimal = ZERO
    order_multiple: Decimal = ZERO
    order_period_days: int = 0
    skip_level: bool = False  # the item's default BOM is a skip-level BOM
    has_supplier: bool = True

    @property
    def passes_through(self) -> bool:
        return self.supply_type == "phantom" or self.skip_level


@dataclass(frozen=True)
class BomLineData:
    parent_id: int
    component_id: int
    qty_per: Decimal
    output_qty: Decimal = ONE
    scrap_rate: Decimal = ZERO
    fixed_loss: Decimal = ZERO
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None

    def valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def requirement(self, parent_qty: Decimal) -> Decimal:
        return parent_qty * self.qty_per / self.output_qty * (ONE + self.scrap_rate) + self.fixed_loss


@dataclass(frozen=True)
class SalesLine:
    item_id: int
    due_date: datetime.date
    open_qty: Decimal
    peg: str  # "order_no/line_no"


@dataclass(frozen=True)
class Forecast:
    item_id: int
    date: datetime.date
    qty: Decimal


@dataclass(frozen=True)
class Demand:
    """Independent or order-material demand already computed by the caller (open WO/OO lines)."""

    item_id: int
    date: datetime.date
    qty: Decimal
    kind: str = "order_material"
    peg: str = ""
    source: str = ""


@dataclass(frozen=True)
class Receipt:
    item_id: int
    date: datetime.date
    qty: Decimal
    kind: str = "purchase"  # purchase | manufacture | outsource
    ref: str = ""
    peg: str = ""


@dataclass
class PlannedOrder:
    item_id: int
    item_code: str
    order_type: str
    qty: Decimal
    release_date: datetime.date
    due_date: datetime.date
    late: bool
    pegged_to: str = ""
    net: Decimal = ZERO


@dataclass(frozen=True)
class MrpException:
    kind: str  # late_release | no_bom | no_supplier | receipt_not_needed
    item_id: int
    item_code: str
    date: datetime.date | None = None
    ref: str = ""
    qty: Decimal | None = None


@dataclass
class MrpResult:
    planned_orders: list[PlannedOrder] = field(default_factory=list)
    exceptions: list[MrpException] = field(default_factory=list)
    llc: dict[int, int] = field(default_factory=dict)


class MrpCycleError(Exception):
    def __init__(self, codes: list[str]):
        self.codes = codes
        super().__init__(" → ".join(codes))


def lot_size(net: Decimal, moq: Decimal, mult: Decimal) -> Decimal:
    """Kingdee's rule: net ≤ MOQ → MOQ; else MOQ + ceil((net − MOQ) / MULT) × MULT (MULT > 0), else net."""
    if net <= moq:
        return moq if moq > 0 else net
    if mult > 0:
        steps = ((net - moq) / mult).to_integral_value(rounding=ROUND_CEILING)
        return moq + steps * mult
    return net


def low_level_codes(item_ids: Iterable[int], children: dict[int, list[int]], codes: dict[int, str]) -> dict[int, int]:
    """Greatest depth of every item in any BOM (tops 0). Raises MrpCycleError naming the cycle."""
    llc = {i: 0 for i in item_ids}
    state: dict[int, int] = {}  # 1 = on stack, 2 = done
    order: list[int] = []

    def visit(node: int, path: list[int]) -> None:
        st = state.get(node)
        if st == 2:
            return
        if st == 1:
            cycle = path[path.index(node) :] + [node]
            raise MrpCycleError([codes.get(i, str(i)) for i in cycle])
        state[node] = 1
        path.append(node)
        for child in children.get(node, ()):
            visit(child, path)
        path.pop()
        state[node] = 2
        order.append(node)

    import sys

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    for node in list(children):
        visit(node, [])
    for node in reversed(order):  # parents before children (reverse post-order)
        for child in children.get(node, ()):
            if llc.get(child, 0) < llc.get(node, 0) + 1:
                llc[child] = llc.get(node, 0) + 1
    return llc


def _consume_forecasts(forecasts: list[Forecast], sales: list[SalesLine]) -> list[Forecast]:
    """Open SO lines due in a calendar month consume that month's forecast entries, earliest first."""
    so_month: dict[tuple[int, int, int], Decimal] = defaultdict(lambda: ZERO)
    for s in sales:
        so_month[(s.item_id, s.due_date.year, s.due_date.month)] += s.open_qty
    left = []
    for f in sorted(forecasts, key=lambda f: (f.item_id, f.date)):
        key = (f.item_id, f.date.year, f.date.month)
        take = min(so_month[key], f.qty)
        so_month[key] -= take
        if f.qty - take > 0:
            left.append(Forecast(f.item_id, f.date, f.qty - take))
    return left


def run_mrp(
    *,
    d0: datetime.date,
    horizon_days: int,
    items: dict[int, PlanItem],
    bom_lines: list[BomLineData],
    on_hand: dict[int, Decimal],
    sales_lines: Sequence[SalesLine] = (),
    forecasts: Sequence[Forecast] = (),
    demands: Sequence[Demand] = (),
    receipts: Sequence[Receipt] = (),
) -> MrpResult:
    end = d0 + datetime.timedelta(days=horizon_days)
    boms: dict[int, list[BomLineData]] = defaultdict(list)
    for line in bom_lines:
        boms[line.parent_id].append(line)
    children = {p: sorted({ln.component_id for ln in lines}) for p, lines in boms.items()}
    llc = low_level_codes(items.keys(), children, {i: it.code for i, it in items.items()})
    result = MrpResult(llc=llc)

    def clamp(day: datetime.date) -> datetime.date:
        return d0 if day < d0 else day

    # gross requirements: pooled[item][date] and pegged[item][(peg, date)]
    pooled: dict[int, dict[datetime.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    pegged: dict[int, dict[tuple[str, datetime.date], Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))

    def add_req(item_id: int, day: datetime.date, qty: Decimal, peg: str = "") -> None:
        if qty <= 0:
            return
        day = clamp(day)
        if day > end:
            return
        item = items.get(item_id)
        if item is None:
            return
        if peg and item.make_to_order:
            pegged[item_id][(peg, day)] += qty
        else:
            pooled[item_id][day] += qty

    for s in sales_lines:
        if s.open_qty > 0:
            add_req(s.item_id, s.due_date, s.open_qty, s.peg)
    mto = {i for i, it in items.items() if it.make_to_order}
    for f in _consume_forecasts([f for f in forecasts if f.item_id not in mto], list(sales_lines)):
        add_req(f.item_id, f.date, f.qty)
    for dm in demands:
        add_req(dm.item_id, dm.date, dm.qty, dm.peg)

    rec_pooled: dict[int, dict[datetime.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    rec_pegged: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    rec_list: dict[int, list[Receipt]] = defaultdict(list)
    for r in receipts:
        if r.qty <= 0 or r.item_id not in items:
            continue
        if r.peg and items[r.item_id].make_to_order:
            rec_pegged[r.item_id][r.peg] += r.qty
        else:
            rec_pooled[r.item_id][clamp(r.date)] += r.qty
            rec_list[r.item_id].append(r)

    def explode(parent: PlanItem, qty: Decimal, release: datetime.date, peg: str) -> None:
        lines = boms.get(parent.id, [])
        for line in lines:
            if line.valid_on(release):
                add_req(line.component_id, release, line.requirement(qty), peg)

    def plan(item: PlanItem, qty: Decimal, due: datetime.date, peg: str, net: Decimal) -> None:
        release = due - datetime.timedelta(days=item.lead_time_days)
        late = release < d0
        result.planned_orders.append(
            PlannedOrder(item.id, item.code, item.supply_type, qty, release, due, late, peg, net)
        )
        if late:
            result.exceptions.append(MrpException("late_release", item.id, item.code, release, qty=qty))
        explode(item, qty, release, peg)

    for item_id in sorted(items, key=lambda i: (llc.get(i, 0), items[i].code)):
        item = items[item_id]
        reqs = pooled.get(item_id, {})
        recs = rec_pooled.get(item_id, {})
        has_activity = bool(reqs) or bool(pegged.get(item_id)) or item.safety_stock > 0
        if not has_activity and not recs:
            continue
        if item.supply_type in ("manufacture", "outsource") and item_id not in boms and has_activity:
            result.exceptions.append(MrpException("no_bom", item_id, item.code))
        if item.supply_type in ("purchase", "outsource") and not item.has_supplier and has_activity:
            result.exceptions.append(MrpException("no_supplier", item_id, item.code))

        # make-to-order: one planned order per sales-order line (pegged), free stock unused
        if item.make_to_order and not item.passes_through:
            per_peg: dict[str, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
            for (peg, day), qty in sorted(pegged.get(item_id, {}).items(), key=lambda kv: (kv[0][1], kv[0][0])):
                per_peg[peg].append((day, qty))
            for peg, entries in per_peg.items():
                covered = rec_pegged[item_id].get(peg, ZERO)
                for day, qty in entries:
                    take = min(covered, qty)
                    covered -= take
                    net = qty - take
                    if net > 0:
                        plan(item, lot_size(net, item.min_order_qty, item.order_multiple), day, peg, net)

        if item.passes_through:
            # phantom / skip level: own stock first (no SS, no lot size, LT 0), rest straight to components
            avail = on_hand.get(item_id, ZERO)
            merged: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
            for day, qty in reqs.items():
                merged[day] += qty
            for peg_day, qty in pegged.get(item_id, {}).items():
                merged[peg_day[1]] += qty
            for day in sorted(set(merged) | set(recs)):
                avail += recs.get(day, ZERO) - merged.get(day, ZERO)
                if avail < 0:
                    explode(item, -avail, day, "")
                    avail = ZERO
            continue

        ss = ZERO if item.make_to_order else item.safety_stock
        period = max(item.order_period_days, 1)
        dates = sorted(set(reqs) | set(recs) | {d0})
        delta = {d: recs.get(d, ZERO) - reqs.get(d, ZERO) for d in dates}
        avail = on_hand.get(item_id, ZERO)
        for idx, day in enumerate(dates):
            avail += delta[day]
            if avail < ss:
                window_end = day + datetime.timedelta(days=period - 1)
                worst = ss - avail
                projected = avail
                for later in dates[idx + 1 :]:
                    if later > window_end:
                        break
                    projected += delta[later]
                    worst = max(worst, ss - projected)
                qty = lot_size(worst, item.min_order_qty, item.order_multiple)
                plan(item, qty, day, "", worst)
                avail += qty

        # scheduled receipts not needed within the horizon
        if rec_list.get(item_id):
            final = {}
            bal = on_hand.get(item_id, ZERO)
            own: defaultdict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
            for po in result.planned_orders:
                if po.item_id == item_id and not po.pegged_to:
                    own[po.due_date] += po.qty
            for day in dates:
                bal += delta[day] + own.get(day, ZERO)
                final[day] = bal
            for r in rec_list[item_id]:
                day = clamp(r.date)
                after = [v for d, v in final.items() if d >= day]
                if r.date > end or (after and min(after) - r.qty >= ss):
                    result.exceptions.append(
                        MrpException("receipt_not_needed", item_id, item.code, r.date, r.ref, r.qty)
                    )

    result.planned_orders.sort(key=lambda p: (p.item_code, p.due_date, p.release_date))
    return result
