from django import template

from erp.numbers import format_money

register = template.Library()


@register.filter
def money(value):
    """Amount with thousands separators and 2 decimals (1,500.00): the kernel formatter."""
    return format_money(value)
