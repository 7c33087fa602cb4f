"""`{% load mrp_freshness %}{% plan_freshness %}`: when the plan was last updated and by which
change (net change), on any planning page."""

from django import template

from ..selectors_netchange import plan_freshness as freshness

register = template.Library()


@register.inclusion_tag("mrp/_plan_freshness.html")
def plan_freshness(scope: str = "all") -> dict:
    return freshness(scope)


@register.filter
def change_text(change) -> str:
    """A pending planning change in the reader's language ("PO-1 line 2"), from its data."""
    from ..models_netchange import change_text as text

    return text(document=change.document, line_no=change.line_no, kind=change.kind, recorded=change.cause_text)
