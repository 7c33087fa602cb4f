"""Decimal fields and rounding, in one place (ADR 0004).

Quantities and unit prices/costs are DecimalField(18, 6); amounts are DecimalField(18, 2),
rounded half-up at line total, document total and posting.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

ZERO = Decimal("0")
CENT = Decimal("0.01")
QTY_PLACES = Decimal("0.000001")


def QuantityField(verbose_name=None, **kwargs):  # noqa: N802 - field factory
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=6, **kwargs)


def PriceField(verbose_name=None, **kwargs):  # noqa: N802
    """Unit prices and unit costs."""
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=6, **kwargs)


def MoneyField(verbose_name=None, **kwargs):  # noqa: N802
    """Amounts (line totals, document totals, ledger values), 2 decimals."""
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, **kwargs)


def to_decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if value is None or value == "":
        return ZERO
    return Decimal(str(value))


def round_money(value) -> Decimal:
    """Half-up to cents."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def round_qty(value) -> Decimal:
    return to_decimal(value).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)


def fmt_decimal(value, places: int = 4) -> str:
    """Plain text for exports: at most `places` decimals, trailing zeros removed."""
    d = to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
