from django import template

from erp.fields import round_money, to_decimal

register = template.Library()


@register.filter
def money(value):
    """Amount with thousands separators and 2 decimals (1,500.00), whatever the locale."""
    if value is None or value == "":
        return ""
    return f"{round_money(to_decimal(value)):,.2f}"
