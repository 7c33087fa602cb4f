"""Shortage analysis (足缺料分析), pure computation (no ORM): docs/mrp.md "Shortage analysis".

Orders are served in the order given (the caller sorts them: planned start, then number).
Per order and material-list line:

    outstanding = max(0, required − issued)              issued = net of returns
    allocated   = min(on hand left, outstanding)          on hand taken in priority order
    short       = outstanding − allocated
    receipts_before_start = min(receipts left, short)     open receipts due on or before the
                                                          order's start, taken in priority order
    net_short   = short − receipts_before_start
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ShortageLine:
    key: object
    component_id: int
    required: Decimal
    issued: Decimal


@dataclass(frozen=True, slots=True)
class ShortageOrder:
    key: object
    start: datetime.date
    lines: tuple[ShortageLine, ...]


@dataclass(frozen=True, slots=True)
class ScheduledReceipt:
    item_id: int
    due: datetime.date
    qty: Decimal


@dataclass(frozen=True, slots=True)
class ShortageRow:
    order_key: object
    line_key: object
    component_id: int
    required: Decimal
    issued: Decimal
    outstanding: Decimal
    allocated: Decimal
    short: Decimal
    receipts_before_start: Decimal
    net_short: Decimal


def analyse(
    orders: Iterable[ShortageOrder], stock: Mapping[int, Decimal], receipts: Iterable[ScheduledReceipt]
) -> list[ShortageRow]:
    left = {k: max(v, ZERO) for k, v in stock.items()}
    pending: dict[int, list[ScheduledReceipt]] = defaultdict(list)
    for r in receipts:
        if r.qty > 0:
            pending[r.item_id].append(r)
    for rs in pending.values():
        rs.sort(key=lambda r: r.due, reverse=True)  # pop() takes the earliest
    pool: dict[int, Decimal] = defaultdict(lambda: ZERO)
    out: list[ShortageRow] = []
    for order in orders:
        for line in order.lines:
            item = line.component_id
            outstanding = max(line.required - line.issued, ZERO)
            before = left.get(item, ZERO)
            allocated = min(before, outstanding)
            left[item] = before - allocated
            short = outstanding - allocated
            queue = pending.get(item)
            while queue and queue[-1].due <= order.start:
                pool[item] += queue.pop().qty
            incoming = min(pool[item], short) if short > 0 else ZERO
            pool[item] -= incoming
            out.append(
                ShortageRow(
                    order_key=order.key,
                    line_key=line.key,
                    component_id=item,
                    required=line.required,
                    issued=line.issued,
                    outstanding=outstanding,
                    allocated=allocated,
                    short=short,
                    receipts_before_start=incoming,
                    net_short=short - incoming,
                )
            )
    return out
