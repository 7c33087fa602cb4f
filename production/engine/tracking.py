"""Tracking figures and the five warnings (预警) of one work order on day T."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")
BEHIND_POINTS = Decimal("20")

# worst first: used to pick the one warning shown for a sales-order line
SEVERITY = ["overdue", "short", "behind", "late_start", "due_soon"]


@dataclass
class Tracking:
    completion_pct: Decimal
    elapsed_pct: Decimal
    open_qty: Decimal
    overdue_days: int
    warnings: list[str] = field(default_factory=list)

    @property
    def worst(self) -> str:
        for kind in SEVERITY:
            if kind in self.warnings:
                return kind
        return ""


def _pct(num: Decimal, den: Decimal) -> Decimal:
    if den <= 0:
        return ZERO
    return (num * HUNDRED / den).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def track(
    *,
    status: str,
    qty: Decimal,
    received: Decimal,
    scrapped: Decimal = ZERO,
    planned_start: datetime.date,
    planned_finish: datetime.date,
    today: datetime.date,
    due_soon_days: int = 3,
    short: bool = False,
) -> Tracking:
    open_qty = max(ZERO, qty - received - scrapped)
    completion = _pct(received, qty)
    span = (planned_finish - planned_start).days
    if today <= planned_start:
        elapsed = ZERO
    elif today >= planned_finish or span <= 0:
        elapsed = HUNDRED
    else:
        elapsed = _pct(Decimal((today - planned_start).days), Decimal(span))
    result = Tracking(completion, elapsed, open_qty, 0)
    if status not in ("planned", "released", "started"):
        return result  # completed, closed and cancelled orders carry no warnings
    complete = received >= qty
    if status == "released" and today > planned_start:
        result.warnings.append("late_start")
    if not complete and 0 <= (planned_finish - today).days <= due_soon_days:
        result.warnings.append("due_soon")
    if status != "planned" and elapsed - completion > BEHIND_POINTS:
        result.warnings.append("behind")
    if not complete and today > planned_finish:
        result.overdue_days = (today - planned_finish).days
        result.warnings.append("overdue")
    if short:
        result.warnings.append("short")
    return result
