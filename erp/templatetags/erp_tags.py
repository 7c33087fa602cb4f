"""Template helpers shared by every module: charts (inline SVG, no JS), badges, numbers."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

from .. import numbers
from ..fields import fmt_decimal, to_decimal

register = template.Library()

STATUS_COLORS = {
    "draft": "secondary",
    "planned": "secondary",
    "confirmed": "primary",
    "approved": "primary",
    "released": "primary",
    "started": "info",
    "completed": "success",
    "done": "success",
    "closed": "dark",
    "cancelled": "danger",
    "disabled": "dark",
    "open": "success",
}


@register.simple_tag
def status_badge(obj, field="status"):
    value = getattr(obj, field)
    label = getattr(obj, f"get_{field}_display")()
    return format_html('<span class="badge text-bg-{}">{}</span>', STATUS_COLORS.get(value, "secondary"), label)


@register.filter
def qty(value, unit=None):
    """A quantity: the unit's decimals (pcs 0, kg 3), trailing zeros dropped, thousands
    separators (`{{ ln.qty|qty:ln.item.uom }}` → 1,250). A number instead of a unit gives the
    decimals (`|qty:2`); without either, at most 4 decimals."""
    if isinstance(unit, int) or (isinstance(unit, str) and unit.isdigit()):
        return numbers.format_quantity(value, places=int(unit))
    return numbers.format_quantity(value, unit)


@register.filter
def money(value):
    """An amount: 2 decimals, thousands separators (12,995.00); put it in a `text-end` cell."""
    return numbers.format_money(value)


@register.filter
def price(value):
    """A unit price or cost: 2 to 6 decimals (12.50, 0.125)."""
    return numbers.format_price(value)


@register.filter
def percent(value, kind=""):
    """A stored rate as a percentage (0.13 → 13%); `|percent:"points"` when the value is already
    in percent points (13 → 13%)."""
    return numbers.format_percent(value, points=(kind == "points"))


@register.inclusion_tag("erp/_bar_chart.html")
def bar_chart(rows, value_key="value", label_key="label", width=560, unit="", color="#0d6efd"):
    """Horizontal bar chart. rows: list of dicts with label and value (Decimal/int)."""
    rows = list(rows)
    values = [to_decimal(r.get(value_key) or 0) for r in rows]
    top = max(values + [Decimal(0)]) or Decimal(1)
    bar_h, gap, label_w = 22, 8, 150
    plot_w = int(width) - label_w - 90
    bars = []
    for i, (row, val) in enumerate(zip(rows, values, strict=True)):
        w = int(plot_w * (val / top)) if top else 0
        bars.append(
            {
                "y": i * (bar_h + gap),
                "w": max(w, 0),
                "label": row.get(label_key),
                "value": _without_unit(str(row.get("display", numbers.format_quantity(val, places=2))), unit),
                "text_y": i * (bar_h + gap) + 15,
                "color": row.get("color", color),
            }
        )
    return {
        "bars": bars,
        "height": len(rows) * (bar_h + gap) + 4,
        "width": width,
        "label_w": label_w,
        "bar_h": bar_h,
        "unit": unit,
        "value_x": label_w + 6,
    }


def _without_unit(text: str, unit) -> str:
    """A display that already carries the chart's unit (`100%`) does not get it twice."""
    return text[: -len(unit)] if unit and text.endswith(str(unit)) else text


@register.inclusion_tag("erp/_progress.html")
def progress(percent, warn=False):
    p = to_decimal(percent or 0)
    p = max(Decimal(0), min(Decimal(100), p))
    return {"percent": fmt_decimal(p, 1), "warn": warn}


@register.simple_tag(takes_context=True)
def query_without(context, *keys):
    """The current query string minus `keys`, ending with '&' when not empty (for pager links)."""
    params = context["request"].GET.copy()
    for key in keys:
        params.pop(key, None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


@register.inclusion_tag("erp/_document_links.html", takes_context=True)
def posting_links(context, source_type, source_id):
    """What a document's postings produced (its vouchers), through erp.postings providers; only
    the ones the user may open."""
    from ..permissions import may_open as _may_open
    from ..postings import document_links

    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    links = document_links(source_type, source_id) if source_id else []
    return {"links": [(label, url) for label, url in links if _may_open(user, url)]}


@register.filter
def may_open(url, user) -> bool:
    """`{% if url|may_open:request.user %}`: the user may open that page (erp.permissions.may_open)."""
    from ..permissions import may_open as _may_open

    return _may_open(user, url)


@register.simple_tag(takes_context=True)
def link(context, url, label, css=""):
    """A link to another page, or the label as plain text when the user may not open it (no
    dead end on a 403 page): `{% link wo_url wo.number %}`."""
    from ..permissions import may_open as _may_open

    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if url and _may_open(user, url):
        if css:
            return format_html('<a href="{}" class="{}">{}</a>', url, css, label)
        return format_html('<a href="{}">{}</a>', url, label)
    return format_html("<span>{}</span>", label)


@register.simple_tag(takes_context=True)
def todos_for_user(context):
    """`{% todos_for_user as todos %}`: the work waiting for the user's roles (erp.dashboard)."""
    from ..dashboard import dashboard_todos

    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return dashboard_todos(user) if user is not None and user.is_authenticated else []


@register.simple_tag(takes_context=True)
def list_filtered(context) -> bool:
    """The list page is narrowed by a filter (an empty list then says so, not "nothing yet")."""
    request = context.get("request")
    if request is None:
        return False
    return any(value for key, value in request.GET.items() if key not in ("page", "sort", "per_page", "_export"))


def _has_callable(attrs) -> bool:
    return any(callable(v) or (isinstance(v, dict) and _has_callable(v)) for v in attrs.values())


@register.simple_tag(takes_context=True)
def table_rows(context, table):
    """The <tr> rows of a django-tables2 table's page, as django-tables2's bootstrap5 template
    writes them (`erp/table.html`), in Python: each cell is rendered as `{{ cell }}` (or with its
    column's `localize` choice) would render it, without the template engine's lookups per cell.
    A column's <td> attributes are worked out once unless they depend on the row (callables)."""
    from django.template.base import render_value_in_context
    from django.utils import formats
    from django.utils.safestring import mark_safe

    per_row = _has_callable(table.attrs)
    td: dict[str, str] = {}
    rows = []
    for row in table.paginated_rows:
        cells = []
        for column, cell in row.items():
            attrs = td.get(column.name)
            if attrs is None:
                attrs = column.attrs["td"].as_html()
                if not per_row and not _has_callable(column.column.attrs):
                    td[column.name] = attrs
            if column.localize is not None:  # the template's |localize or |unlocalize
                cell = str(formats.localize(cell, use_l10n=bool(column.localize)))
            cells.append(f"<td {attrs}>{render_value_in_context(cell, context)}</td>")
        rows.append(f"<tr {row.attrs.as_html()}>{''.join(cells)}</tr>")
    if not rows and table.empty_text:
        rows.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(table.columns), table.empty_text))
    return mark_safe("\n".join(rows))  # attributes and cells escaped above, as the template does
