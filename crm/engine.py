"""Pure sales arithmetic (no ORM): line amounts and tax, promise dates, funnel, progress."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from erp.fields import ZERO, round_money

ONE = Decimal("1")


@dataclass(frozen=True)
class Amounts:
    amount: Decimal  # excl. tax
    tax: Decimal
    gross: Decimal  # incl. tax


def line_amounts(
    qty: Decimal, unit_price: Decimal, rate: Decimal, *, discount: Decimal = ZERO, inclusive: bool = False
) -> Amounts:
    """Tax per line, 2 decimals.

    Exclusive prices: amount = round(qty × price × (1 − discount)), tax = round(amount × r).
    Inclusive prices: gross = round(qty × price × (1 − discount)), tax = gross − round(gross / (1 + r)).
    """
    base = round_money(qty * unit_price * (ONE - discount))
    if inclusive:
        net = round_money(base / (ONE + rate))
        return Amounts(amount=net, tax=base - net, gross=base)
    tax = round_money(base * rate)
    return Amounts(amount=base, tax=tax, gross=base + tax)


def promise_date(
    *,
    qty: Decimal,
    free_stock: Decimal,
    receipts: list[tuple[datetime.date, Decimal]],
    today: datetime.date,
    lead_time_days: int,
) -> datetime.date:
    """Available-to-promise date of `qty`.

    Free stock (on hand minus what open orders already hold) is available today; scheduled
    receipts add up on their dates; whatever is still missing can be made or bought in the
    item's lead time. The promise is the first date the cumulative supply covers `qty`, never
    later than today + lead time and never before today.
    """
    by_lead_time = today + datetime.timedelta(days=lead_time_days)
    cum = free_stock
    if cum >= qty:
        return today
    for day, q in sorted(receipts):
        cum += q
        if cum >= qty:
            return min(max(day, today), by_lead_time)
    return by_lead_time


@dataclass(frozen=True)
class FunnelRow:
    rank: int
    reached: int
    amount: Decimal
    conversion_pct: Decimal | None  # from the previous stage to this one


def funnel(opps: list[tuple[int, Decimal]], ranks: list[int]) -> list[FunnelRow]:
    """opps = [(furthest rank reached, amount)]; a stage counts every opportunity that reached it
    or went further; conversion = reached(this) / reached(previous), in % with 1 decimal."""
    rows = []
    prev = None
    for r in ranks:
        hits = [a for rank, a in opps if rank >= r]
        n = len(hits)
        conv = None
        if prev is not None:
            conv = (Decimal(n) * 100 / Decimal(prev)).quantize(Decimal("0.1")) if prev else ZERO
        rows.append(FunnelRow(rank=r, reached=n, amount=sum(hits, ZERO), conversion_pct=conv))
        prev = n
    return rows


def completion_pct(received: Decimal, ordered: Decimal) -> Decimal:
    if ordered <= 0:
        return ZERO
    return (received * 100 / ordered).quantize(Decimal("0.1"))
