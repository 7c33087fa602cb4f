from django import template

from erp.numbers import format_money

register = template.Library()


@register.filter
def money(value):
    """Amount with thousands separators and 2 decimals (1,500.00): the kernel formatter."""
    return format_money(value)


@register.filter
def move_kind(kind: str) -> str:
    """The label of a stock move kind in the user's language (`opening` → 期初): inventory.move_kinds."""
    from inventory.move_kinds import label

    return label(kind)
