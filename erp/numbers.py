"""One way to show numbers on every page (issue 18): quantities, prices, amounts, percentages.

- Quantities: at most the unit's decimals (pcs 0, kg 3, …), rounded half-up, trailing zeros
  dropped, thousands separators: `1,250`, `12.5`, `0.375`.
- Money: 2 decimals, thousands separators: `12,995.00` (cells are right-aligned: `text-end`).
- Unit prices and costs: at least 2, at most 6 decimals: `12.50`, `0.125`.
- Percentages: a stored rate as percent points, trailing zeros dropped: 0.13 → `13%`.

The same text in both UI languages (Chinese business documents use `,` and `.` too). Templates use
the filters of `erp_tags` (`qty`, `money`, `price`, `percent`); Python code (exports, print views,
messages) calls these functions. Dates: text dates use the language's DATE_FORMAT, date inputs are
always ISO (`erp.input.DateInput`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

HUNDRED = Decimal(100)

# Decimals shown per unit code (case-insensitive); `settings.UNIT_DECIMALS` adds or overrides.
# Counted units are whole; weights, lengths and volumes to a thousandth.
UNIT_DECIMALS: dict[str, int] = {
    **dict.fromkeys(("pcs", "pc", "ea", "each", "set", "pair", "box", "ctn", "pack", "roll", "sheet"), 0),
    **dict.fromkeys(("个", "件", "台", "套", "只", "把", "块", "箱", "包", "卷", "张", "根", "条", "双", "辆"), 0),
    **dict.fromkeys(("kg", "g", "t", "lb", "m", "cm", "mm", "km", "m2", "m3", "l", "ml"), 3),
    **dict.fromkeys(("千克", "公斤", "克", "吨", "米", "厘米", "毫米", "升", "毫升", "平方米", "立方米"), 3),
    **dict.fromkeys(("h", "hr", "hour", "min", "小时", "分钟"), 2),
}
DEFAULT_QTY_PLACES = 4  # a unit nobody told us about: enough for any sensible quantity
PRICE_MIN_PLACES, PRICE_MAX_PLACES = 2, 6


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def unit_places(unit) -> int:
    """Decimals shown for a unit: a UnitOfMeasure, its code, or None (the default)."""
    if unit is None or unit == "":
        return DEFAULT_QTY_PLACES
    code = str(getattr(unit, "code", unit)).strip().lower()
    extra = {str(k).lower(): int(v) for k, v in getattr(settings, "UNIT_DECIMALS", {}).items()}
    if code in extra:
        return extra[code]
    return UNIT_DECIMALS.get(code, DEFAULT_QTY_PLACES)


def _grouped(d: Decimal, places: int, *, strip: bool, min_places: int = 0) -> str:
    d = (
        d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if places
        else d.quantize(Decimal(1), ROUND_HALF_UP)
    )
    text = f"{d:,.{places}f}"
    if strip and "." in text:
        whole, _dot, frac = text.partition(".")
        frac = frac.rstrip("0")
        if len(frac) < min_places:
            frac = (frac + "0" * min_places)[:min_places]
        text = f"{whole}.{frac}" if frac else whole
    if text.lstrip("-").strip("0.,") == "":  # -0, -0.00
        text = text.lstrip("-")
    return text


def format_quantity(value, unit=None, places: int | None = None) -> str:
    """`1250.000000` pcs → `1,250`; `12.3456` kg → `12.346`; None → ``."""
    d = _decimal(value)
    if d is None:
        return ""
    return _grouped(d, unit_places(unit) if places is None else int(places), strip=True)


def format_money(value) -> str:
    """`12995` → `12,995.00`; `-0.004` → `0.00`; None → ``."""
    d = _decimal(value)
    if d is None:
        return ""
    return _grouped(d, 2, strip=False)


def format_price(value) -> str:
    """A unit price or cost: `12.5` → `12.50`, `0.125` → `0.125`, `1800` → `1,800.00`."""
    d = _decimal(value)
    if d is None:
        return ""
    return _grouped(d, PRICE_MAX_PLACES, strip=True, min_places=PRICE_MIN_PLACES)


def format_percent(value, *, points: bool = False, places: int = 2) -> str:
    """A rate stored as a fraction (0.13) → `13%`; `points=True` when the value is already in
    percent points (13 → `13%`). At most `places` decimals, trailing zeros dropped: `12.5%`."""
    d = _decimal(value)
    if d is None:
        return ""
    if not points:
        d = d * HUNDRED
    return f"{_grouped(d, places, strip=True)}%"


def rate_to_points(rate) -> Decimal | None:
    """0.13 → 13 (what a user types and reads)."""
    d = _decimal(rate)
    if d is None:
        return None
    d = d * HUNDRED
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


# --- list tables (django-tables2) ------------------------------------------------------------


def cached_unit(record):
    """The unit of a row's item when it is already loaded (select_related): never a query."""
    cache = getattr(getattr(record, "_state", None), "fields_cache", {})
    if "uom" in cache:
        return cache["uom"]
    for name in ("item", "component", "product"):
        item = cache.get(name)
        if item is not None and "uom" in getattr(item._state, "fields_cache", {}):
            return item._state.fields_cache["uom"]
    return None


def decimal_kind(field) -> str | None:
    """How a model DecimalField is shown: money, price, percent (a stored fraction), points
    (percent points), quantity."""
    from django.db import models

    if not isinstance(field, models.DecimalField):
        return None
    name = field.name
    if name.endswith("_rate") or name == "rate":
        return "percent"
    if name.endswith("_pct") or "percent" in name:
        return "points"
    if field.decimal_places == 2:
        return "money"
    if any(word in name for word in ("price", "cost", "fee")):
        return "price"
    return "quantity"


def _cell_renderer(kind: str):
    # django-tables2 passes exactly the arguments a renderer names: value and record
    def render(value, record):
        if kind == "money":
            return format_money(value)
        if kind == "price":
            return format_price(value)
        if kind in ("percent", "points"):
            return format_percent(value, points=kind == "points")
        return format_quantity(value, cached_unit(record))

    return render


def _annotation_renderer(original):
    def render(value, record, bound_column, bound_row, table, column):
        if isinstance(value, Decimal):
            return format_quantity(value, cached_unit(record))
        kwargs = {"value": value, "record": record, "bound_column": bound_column, "bound_row": bound_row}
        from django_tables2.utils import call_with_appropriate

        return call_with_appropriate(original, {**kwargs, "table": table, "column": column})

    return render


def format_table_numbers(table, model) -> None:
    """Plain columns of decimal model fields in a list table show through this formatter (and
    right-aligned): quantities by the row's unit, money with 2 decimals and separators, rates as
    percentages. Columns with their own rendering are left alone; exports read raw values."""
    from django_tables2 import Column
    from django_tables2.utils import Accessor

    if model is None:
        return
    for bound in table.columns.iterall():
        column = bound.column
        if type(column) is not Column or hasattr(table, f"render_{bound.name}"):
            continue
        try:
            field = Accessor(str(bound.accessor)).get_field(model)
        except Exception:
            field = None
        kind = decimal_kind(field)
        if kind is None:
            if field is None:  # an annotation (open quantity, sums): decimals as quantities
                bound.render = _annotation_renderer(bound.render)
            continue

        bound.render = _cell_renderer(kind)
        attrs = dict(column.attrs or {})
        for part in ("td", "th"):
            cell = dict(attrs.get(part) or {})
            if "text-end" not in str(cell.get("class", "")):
                cell["class"] = f"{cell.get('class', '')} text-end".strip()
            attrs[part] = cell
        column.attrs = attrs
