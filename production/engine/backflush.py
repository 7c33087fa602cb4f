"""Backflush (倒冲) and receipt caps."""

from decimal import ROUND_FLOOR, Decimal

ZERO = Decimal("0")


def backflush_qty(
    *,
    receipt_qty: Decimal,
    per: Decimal,
    received_before: Decimal,
    order_qty: Decimal,
    required: Decimal,
    flushed_before: Decimal,
) -> Decimal:
    """q × per (per includes scrap); the receipt that completes the order flushes the remainder,
    so the total equals required."""
    if received_before + receipt_qty >= order_qty:
        return max(ZERO, required - flushed_before)
    return receipt_qty * per


def receipt_cap(
    *, order_qty: Decimal, received: Decimal, tolerance_pct: Decimal, issued_sets: Decimal | None = None
) -> Decimal:
    """How much more may be received: qty × (1 + tol %) − received, optionally ≤ issued sets − received."""
    cap = order_qty * (1 + tolerance_pct / 100)
    if issued_sets is not None:
        cap = min(cap, issued_sets)
    return max(ZERO, cap - received)


def floor_sets(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_FLOOR)
