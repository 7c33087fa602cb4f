"""Backflush (倒冲) and receipt caps."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal("0")
QTY_PLACES = Decimal("0.000001")  # erp.fields.QuantityField
BACKFLUSH = "backflush"
OUTPUT_TYPES = ("by_product", "joint_product")


@dataclass(frozen=True)
class Output:
    """One line a receipt posts besides the product: `kind` is the material's line type for
    by/joint products (received, +qty) or "backflush" (issued, −qty); `qty` is positive."""

    kind: str
    material: Any  # the caller's material line (duck-typed: the engine knows no ORM)
    qty: Decimal


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


def receipt_outputs(
    *, receipt_qty: Decimal, order_qty: Decimal, received_before: Decimal, materials: Iterable[Any]
) -> list[Output]:
    """What an FG receipt of `receipt_qty` posts for the order's material lines (duck-typed:
    line_type, issue_method, qty_per, required, backflushed_qty): by/joint products q × per,
    backflush lines `backflush_qty`; quantities rounded to the quantity field, zero lines left out.
    The preview of a draft receipt and its posting both use this."""
    out = []
    for m in materials:
        if m.line_type in OUTPUT_TYPES:
            qty = (receipt_qty * m.qty_per).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
            kind = m.line_type
        elif m.line_type == "component" and m.issue_method == BACKFLUSH:
            qty = backflush_qty(
                receipt_qty=receipt_qty,
                per=m.qty_per,
                received_before=received_before,
                order_qty=order_qty,
                required=m.required,
                flushed_before=m.backflushed_qty,
            ).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
            kind = BACKFLUSH
        else:
            continue
        if qty > 0:
            out.append(Output(kind=kind, material=m, qty=qty))
    return out
