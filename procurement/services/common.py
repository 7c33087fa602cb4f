"""Helpers shared by the procurement services."""

from decimal import Decimal

from django.utils.translation import gettext as _

from erp.errors import ValidationError
from erp.fields import ZERO, to_decimal


def positive_qty(value, *, label: str = "") -> Decimal:
    qty = to_decimal(value)
    if qty <= 0:
        raise ValidationError(
            _("%(what)s: the quantity must be greater than 0.") % {"what": label or _("Quantity")}, code="bad_qty"
        )
    return qty


def non_negative(value, *, label: str) -> Decimal:
    amount = to_decimal(value)
    if amount < 0:
        raise ValidationError(_("%(what)s cannot be negative.") % {"what": label}, code="negative")
    return amount


def split_in_stock(*, amount: Decimal, qty: Decimal, in_stock: Decimal) -> tuple[Decimal, Decimal]:
    """Split an adjustment between the part still in stock and the part already issued."""
    from erp.fields import round_money

    if qty <= 0 or amount == 0:
        return ZERO, ZERO
    share = min(max(in_stock, ZERO), qty)
    to_stock = round_money(amount * share / qty)
    return to_stock, round_money(amount) - to_stock
