"""Regenerative MRP over plain data, exactly as docs/mrp.md states it.

Items are planned in ascending low-level code, so every parent is final before its components.
All quantities are Decimal; dates are calendar days.
"""

import contextlib
import datetime
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from .pegging import FORECAST, ORDER_MATERIAL, PLANNED, SAFETY, SALES, STOCK, DemandRec, Peg, SupplyRec, allocate

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
    kind: str = "purchase"  # purchase | manufacture | outsource | requisition
    ref: str = ""
    peg: str = ""


@dataclass(frozen=True)
class FirmOrder:
    """A firm planned order of an earlier run: the run keeps its quantity and dates (it is a
    receipt on its due date and explodes at its release), and outputs it again as firm."""

    item_id: int
    qty: Decimal
    release_date: datetime.date
    due_date: datetime.date
    pegged_to: str = ""
    ref: str = ""  # the earlier planned order (for the page), free text


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
    seq: int = 0  # number within the run (pegs name planned orders by it)
    firm: bool = False


@dataclass(frozen=True)
class MrpException:
    # late_release (expedite) | no_bom | no_supplier | receipt_not_needed (cancel) |
    # reschedule_in | reschedule_out
    kind: str
    item_id: int
    item_code: str
    date: datetime.date | None = None
    ref: str = ""
    qty: Decimal | None = None
    new_date: datetime.date | None = None


@dataclass
class MrpResult:
    planned_orders: list[PlannedOrder] = field(default_factory=list)
    exceptions: list[MrpException] = field(default_factory=list)
    llc: dict[int, int] = field(default_factory=dict)
    pegs: list[Peg] = field(default_factory=list)
    on_hand: dict[int, Decimal] = field(default_factory=dict)  # nettable stock used (MRP record)


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
    firm_orders: Sequence[FirmOrder] = (),
    pegging: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> MrpResult:
    """The regenerative plan (docs/mrp.md). Pure: plain data in, plain data out.

    `firm_orders` are kept as they are; `pegging=False` skips the pegs and action messages
    (what-if callers that only need the planned orders); `progress(done, total)` is called every
    few thousand items (the worker's heartbeat)."""
    with gc_paused():
        return _run_mrp(
            d0=d0, horizon_days=horizon_days, items=items, bom_lines=bom_lines, on_hand=on_hand,
            sales_lines=sales_lines, forecasts=forecasts, demands=demands, receipts=receipts,
            firm_orders=firm_orders, pegging=pegging, progress=progress,
        )  # fmt: skip


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while planning: a 50k-item run holds millions of small
    objects (requirements, planned orders, pegs) and none of them form cycles, yet every full
    collection walks all of them again. Restored afterwards. Net change holds its reads and rows
    under it too (netchange.replan_items)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_mrp(
    *,
    d0: datetime.date,
    horizon_days: int,
    items: dict[int, PlanItem],
    bom_lines: list[BomLineData],
    on_hand: dict[int, Decimal],
    sales_lines: Sequence[SalesLine],
    forecasts: Sequence[Forecast],
    demands: Sequence[Demand],
    receipts: Sequence[Receipt],
    firm_orders: Sequence[FirmOrder],
    pegging: bool,
    progress: Callable[[int, int], None] | None,
) -> MrpResult:
    end = d0 + datetime.timedelta(days=horizon_days)
    boms: dict[int, list[BomLineData]] = defaultdict(list)
    for line in bom_lines:
        boms[line.parent_id].append(line)
    children = {p: sorted({ln.component_id for ln in lines}) for p, lines in boms.items()}
    llc = low_level_codes(items.keys(), children, {i: it.code for i, it in items.items()})
    result = MrpResult(llc=llc)
    seq_counter = [0]

    def clamp(day: datetime.date) -> datetime.date:
        return d0 if day < d0 else day

    # gross requirements: pooled[item][date] and pegged[item][(peg, date)], and who needs them
    pooled: dict[int, dict[datetime.date, Decimal]] = defaultdict(dict)
    pegged: dict[int, dict[tuple[str, datetime.date], Decimal]] = defaultdict(dict)
    dem_recs: dict[int, list[DemandRec]] = defaultdict(list)
    # items that keep a make-to-order peg: MTO items, and phantoms / skip levels (they pass it on)
    keeps_peg = {i for i, it in items.items() if it.make_to_order or it.passes_through}

    def add_req(item_id: int, day: datetime.date, qty: Decimal, peg: str = "", kind: str = "", ref: str = "") -> None:
        if qty <= 0:
            return
        if day < d0:
            day = d0
        elif day > end:
            return
        if item_id not in items:
            return
        # a make-to-order peg survives phantoms and skip-levels (they pass it on to their components)
        if peg and item_id in keeps_peg:
            per_peg = pegged[item_id]
            key = (peg, day)
            per_peg[key] = per_peg.get(key, ZERO) + qty
            dem_recs[item_id].append(DemandRec(day, qty, kind, ref, peg))
        else:
            per_day = pooled[item_id]
            per_day[day] = per_day.get(day, ZERO) + qty
            dem_recs[item_id].append(DemandRec(day, qty, kind, ref, ""))

    for s in sales_lines:
        if s.open_qty > 0:
            add_req(s.item_id, s.due_date, s.open_qty, s.peg, SALES, s.peg)
    mto = {i for i, it in items.items() if it.make_to_order}
    for f in _consume_forecasts([f for f in forecasts if f.item_id not in mto], list(sales_lines)):
        add_req(f.item_id, f.date, f.qty, "", FORECAST, f.date.isoformat())
    for dm in demands:
        add_req(dm.item_id, dm.date, dm.qty, dm.peg, dm.kind or ORDER_MATERIAL, dm.source)

    rec_pooled: dict[int, dict[datetime.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    rec_pegged: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    rec_list: dict[int, list[Receipt]] = defaultdict(list)  # pooled scheduled receipts (action messages)
    rec_pegged_list: dict[int, list[Receipt]] = defaultdict(list)
    for r in receipts:
        if r.qty <= 0 or r.item_id not in items:
            continue
        if r.peg and items[r.item_id].make_to_order:
            rec_pegged[r.item_id][r.peg] += r.qty
            rec_pegged_list[r.item_id].append(r)
        else:
            rec_pooled[r.item_id][clamp(r.date)] += r.qty
            rec_list[r.item_id].append(r)
    firm_by_item: dict[int, list[FirmOrder]] = defaultdict(list)
    for fo in firm_orders:
        if fo.qty <= 0 or fo.item_id not in items or items[fo.item_id].passes_through:
            continue
        firm_by_item[fo.item_id].append(fo)
        if fo.pegged_to and items[fo.item_id].make_to_order:
            rec_pegged[fo.item_id][fo.pegged_to] += fo.qty
        else:
            rec_pooled[fo.item_id][clamp(fo.due_date)] += fo.qty

    # per parent: (component, qty per, output qty, 1 + scrap rate, fixed loss, valid from, valid to),
    # BomLineData.valid_on and .requirement inlined (the same arithmetic, in the same order)
    lines_of = {
        p: [(ln.component_id, ln.qty_per, ln.output_qty, ONE + ln.scrap_rate, ln.fixed_loss, ln.valid_from,
             ln.valid_to) for ln in lines]
        for p, lines in boms.items()
    }  # fmt: skip

    def explode(parent: PlanItem, qty: Decimal, release: datetime.date, peg: str, kind: str, ref: str) -> None:
        for comp, qty_per, output, scrap, loss, valid_from, valid_to in lines_of.get(parent.id, ()):
            if (valid_from is None or valid_from <= release) and (valid_to is None or release <= valid_to):
                add_req(comp, release, qty * qty_per / output * scrap + loss, peg, kind, ref)

    def plan(item: PlanItem, qty: Decimal, due: datetime.date, peg: str, net: Decimal) -> PlannedOrder:
        release = due - datetime.timedelta(days=item.lead_time_days)
        late = release < d0
        seq_counter[0] += 1
        po = PlannedOrder(item.id, item.code, item.supply_type, qty, release, due, late, peg, net, seq_counter[0])
        result.planned_orders.append(po)
        if late:
            result.exceptions.append(MrpException("late_release", item.id, item.code, release, qty=qty))
        explode(item, qty, release, peg, PLANNED, str(po.seq))
        return po

    def _release(item_id: int) -> None:
        """An item is final once planned: its requirement records are no longer needed (memory)."""
        dem_recs.pop(item_id, None)
        pooled.pop(item_id, None)
        pegged.pop(item_id, None)

    order = sorted(items, key=lambda i: (llc.get(i, 0), items[i].code))
    total = len(order)
    for n, item_id in enumerate(order):
        if progress is not None and n % 2000 == 0:
            progress(n, total)
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
        own_orders: list[PlannedOrder] = []
        for fo in firm_by_item.get(item_id, ()):
            seq_counter[0] += 1
            late = fo.release_date < d0
            po = PlannedOrder(
                item.id, item.code, item.supply_type, fo.qty, fo.release_date, fo.due_date, late, fo.pegged_to,
                ZERO, seq_counter[0], True,
            )  # fmt: skip
            result.planned_orders.append(po)
            own_orders.append(po)
            if late:
                result.exceptions.append(MrpException("late_release", item.id, item.code, fo.release_date, qty=fo.qty))
            explode(item, fo.qty, fo.release_date, fo.pegged_to, PLANNED, str(po.seq))

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
                        own_orders.append(
                            plan(item, lot_size(net, item.min_order_qty, item.order_multiple), day, peg, net)
                        )

        if item.passes_through:
            # phantom / skip level: own stock first (no SS, no lot size, LT 0), rest straight to
            # components on the same date, each shortfall keeping its make-to-order peg
            avail = on_hand.get(item_id, ZERO)
            by_day: dict[datetime.date, list[DemandRec]] = defaultdict(list)
            for rec in dem_recs.get(item_id, ()):
                by_day[rec.date or d0].append(rec)
            stock_pegs = []
            for day in sorted(set(by_day) | set(recs)):
                avail += recs.get(day, ZERO)
                short: dict[str, list[tuple[DemandRec, Decimal]]] = defaultdict(list)
                for rec in sorted(by_day.get(day, ()), key=lambda r: (r.peg, r.kind, r.ref)):
                    take = min(max(avail, ZERO), rec.qty)
                    if take > 0:
                        stock_pegs.append(Peg(item_id, rec.kind, rec.ref, rec.date, STOCK, "", d0, take))
                        avail -= take
                    if rec.qty - take > 0:
                        short[rec.peg].append((rec, rec.qty - take))
                for peg, parts in short.items():
                    # one explosion per day and peg (fixed loss once); the pegs keep each demand's share
                    for line in boms.get(item_id, ()):
                        if not line.valid_on(day):
                            continue
                        for k, (rec, q) in enumerate(parts):
                            share = q * line.qty_per / line.output_qty * (ONE + line.scrap_rate)
                            if k == 0:
                                share += line.fixed_loss
                            add_req(line.component_id, day, share, peg, rec.kind, rec.ref)
            if pegging:
                result.pegs.extend(stock_pegs)
            _release(item_id)
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
                own_orders.append(plan(item, qty, day, "", worst))
                avail += qty

        if pegging:
            _peg_item(result, item, d0, on_hand.get(item_id, ZERO), ss, dem_recs.get(item_id, ()),
                      rec_list.get(item_id, ()), rec_pegged_list.get(item_id, ()), own_orders, clamp)  # fmt: skip
        # action messages on scheduled receipts: reschedule in / out, cancel (not needed)
        if rec_list.get(item_id):
            result.exceptions.extend(
                _receipt_messages(item, d0, end, on_hand.get(item_id, ZERO), ss, reqs, rec_list[item_id], clamp)
            )
        _release(item_id)

    if progress is not None:
        progress(total, total)
    result.on_hand = {i: q for i, q in on_hand.items() if q}
    result.planned_orders.sort(key=lambda p: (p.item_code, p.due_date, p.release_date, p.seq))
    return result


def _peg_item(
    result: MrpResult,
    item: PlanItem,
    d0: datetime.date,
    stock: Decimal,
    ss: Decimal,
    recs: Iterable[DemandRec],
    receipts: Iterable[Receipt],
    pegged_receipts: Iterable[Receipt],
    orders: list[PlannedOrder],
    clamp: Callable[[datetime.date], datetime.date],
) -> None:
    """FIFO pegging of one item: pooled demand against stock, pooled receipts and unpegged orders;
    make-to-order demand against the receipts and orders of its own sales-order line."""
    pooled_d = [r for r in recs if not r.peg]
    if ss > 0:
        pooled_d.append(DemandRec(None, ss, SAFETY, ""))
    sup = [SupplyRec(d0, stock, STOCK, "")] if stock > 0 else []
    sup += [SupplyRec(clamp(r.date), r.qty, r.kind, r.ref) for r in receipts]
    sup += [
        SupplyRec(p.due_date, p.qty, PLANNED, str(p.seq)) for p in orders if not p.pegged_to or not item.make_to_order
    ]
    result.pegs.extend(allocate(item.id, pooled_d, sup))
    by_peg: dict[str, tuple[list[DemandRec], list[SupplyRec]]] = defaultdict(lambda: ([], []))
    for r in recs:
        if r.peg:
            by_peg[r.peg][0].append(r)
    for rc in pegged_receipts:
        by_peg[rc.peg][1].append(SupplyRec(clamp(rc.date), rc.qty, rc.kind, rc.ref))
    if item.make_to_order:
        for p in orders:
            if p.pegged_to:
                by_peg[p.pegged_to][1].append(SupplyRec(p.due_date, p.qty, PLANNED, str(p.seq)))
    for dems, sups in by_peg.values():
        result.pegs.extend(allocate(item.id, dems, sups))


def _receipt_messages(
    item: PlanItem,
    d0: datetime.date,
    end: datetime.date,
    stock: Decimal,
    ss: Decimal,
    reqs: dict[datetime.date, Decimal],
    receipts: list[Receipt],
    clamp: Callable[[datetime.date], datetime.date],
) -> list[MrpException]:
    """Orlicky: each scheduled receipt (in date order) is needed on the first date the projected
    balance from stock and the earlier receipts alone falls below SS; earlier than its due date →
    reschedule in, later → reschedule out, never within the horizon → cancel (receipt_not_needed)."""
    out = []
    dates = sorted(reqs)
    i = 0
    bal = stock
    for r in sorted(receipts, key=lambda r: (clamp(r.date), r.ref)):
        need = None
        while True:
            if bal < ss:
                need = dates[i - 1] if i > 0 else d0
                break
            if i >= len(dates):
                break
            bal -= reqs[dates[i]]
            i += 1
        due = clamp(r.date)
        if need is None or r.date > end:
            out.append(MrpException("receipt_not_needed", item.id, item.code, r.date, r.ref, r.qty))
            continue
        bal += r.qty
        if need < due:
            out.append(MrpException("reschedule_in", item.id, item.code, r.date, r.ref, r.qty, need))
        elif need > due:
            out.append(MrpException("reschedule_out", item.id, item.code, r.date, r.ref, r.qty, need))
    return out
