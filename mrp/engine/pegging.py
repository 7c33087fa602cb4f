"""Pegging over plain data: supply allocated to demand of one item in date order (FIFO).

Every gross requirement of an item is a `DemandRec` (who needs it, when); every supply a
`SupplyRec` (stock, a scheduled receipt, a firm or planned order). `allocate` pairs them first in,
first out and returns `Peg` rows: a demand's pegs sum to its quantity (a row without supply is a
shortfall), a supply's pegs to its quantity (a row without demand is supply left free).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)

# demand kinds
SALES = "sales"
FORECAST = "forecast"
SAFETY = "safety"
PLANNED = "planned"  # dependent demand of a parent planned order (ref: its seq)
ORDER_MATERIAL = "order_material"  # material list of an open work / outsourcing order (ref: its number)
# supply kinds: "stock", "purchase", "manufacture", "outsource", "requisition", "planned"
STOCK = "stock"

_DEMAND_ORDER = {SALES: 0, ORDER_MATERIAL: 1, PLANNED: 2, FORECAST: 3, SAFETY: 9}
_SUPPLY_ORDER = {STOCK: 0, "purchase": 1, "outsource": 1, "manufacture": 1, "requisition": 2, PLANNED: 3}


@dataclass(slots=True)
class DemandRec:
    date: datetime.date | None  # None: safety stock (served last)
    qty: Decimal
    kind: str
    ref: str
    peg: str = ""  # make-to-order sales-order line the demand belongs to


@dataclass(slots=True)
class SupplyRec:
    date: datetime.date
    qty: Decimal
    kind: str
    ref: str


@dataclass(frozen=True, slots=True)
class Peg:
    item_id: int
    demand_kind: str
    demand_ref: str
    demand_date: datetime.date | None
    supply_kind: str
    supply_ref: str
    supply_date: datetime.date | None
    qty: Decimal

    @property
    def late(self) -> bool:
        return bool(self.supply_date and self.demand_date and self.supply_date > self.demand_date)


def _dkey(d: DemandRec) -> tuple[datetime.date, int, str]:
    return (d.date or datetime.date.max, _DEMAND_ORDER.get(d.kind, 5), d.ref)


def _skey(s: SupplyRec) -> tuple[datetime.date, int, str]:
    return (s.date, _SUPPLY_ORDER.get(s.kind, 5), s.ref)


def allocate(item_id: int, demands: Iterable[DemandRec], supplies: Iterable[SupplyRec]) -> list[Peg]:
    """FIFO: demands in date order take the earliest supplies first."""
    out: list[Peg] = []
    add = out.append
    sup = sorted([s for s in supplies if s.qty > 0], key=_skey)
    left = [s.qty for s in sup]
    n = len(sup)
    j = 0
    for d in sorted([d for d in demands if d.qty > 0], key=_dkey):
        need = d.qty
        kind, ref, date = d.kind, d.ref, d.date
        while need > 0 and j < n:
            have = left[j]
            take = need if need <= have else have
            s = sup[j]
            add(Peg(item_id, kind, ref, date, s.kind, s.ref, s.date, take))
            need -= take
            have -= take
            left[j] = have
            if have <= 0:
                j += 1
        if need > 0:
            add(Peg(item_id, kind, ref, date, "", "", None, need))
    for k in range(j, n):
        if left[k] > 0:
            s = sup[k]
            add(Peg(item_id, "", "", None, s.kind, s.ref, s.date, left[k]))
    return out
