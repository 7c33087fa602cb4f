"""Safe exports (issue #10, OWASP "CSV injection"): text that a spreadsheet would read as a
formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage return — is written as text.

- xlsx: the cell is stored as a string cell (`data_type = "s"`), so Excel and LibreOffice show
  the characters and never evaluate them; `xlsx_append(ws, values)` does it for a row.
- CSV: such text gets a leading apostrophe (`'=HYPERLINK(...)`), the OWASP rule; the exchange
  importer removes that apostrophe again, so exports still round-trip.

Numbers, dates and booleans are never touched (a negative number is a number, not text), nor is
text that is a plain number such as "-12.50".
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Text that is a plain number ("-12.50", "+3", "-1,234.5", "-5%") is what a spreadsheet reads as that
# number, never as a formula: it is left alone so negative numbers stay numbers in CSV.
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?%?$")


def is_formula_like(value) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not (len(value) > 1 and any(c.isdigit() for c in value) and _PLAIN_NUMBER.match(value))
    )


def csv_text(value):
    """A CSV cell: formula-like text gets a leading apostrophe."""
    if is_formula_like(value):
        return "'" + value
    return value


def csv_untext(value: str) -> str:
    """Undo `csv_text` on import: `'=x` -> `=x` (only before a formula character)."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def xlsx_set(cell, value) -> None:
    """Write one value into an openpyxl cell; formula-like text stays text."""
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"


def xlsx_append(ws, values) -> None:
    """ws.append(values) with formula-like text kept as text."""
    ws.append([None] * len(values))
    row = ws.max_row
    for col, value in enumerate(values, start=1):
        xlsx_set(ws.cell(row=row, column=col), value)


def escape_dataset(dataset, fmt: str):
    """A tablib Dataset (list exports) made safe for `fmt` ("xlsx" or "csv") in place."""
    if fmt == "csv":
        rows = [[csv_text(v) for v in row] for row in dataset]
        headers = [csv_text(h) for h in (dataset.headers or [])]
        dataset.wipe()
        if headers:
            dataset.headers = headers
        for row in rows:
            dataset.append(row)
    return dataset


# --- typed list exports (issue #18): numbers as numbers, dates as dates, plain text otherwise ---

_NUMBER_TEXT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def export_value(raw, rendered):
    """One cell of a list export from the record's raw value and the page's rendered cell:
    a date stays a date (local, without time zone), a yes/no a translated word, a shown number or
    percentage a number (`12,995.00` → 12995.00, `15%` → 0.15 with a percent format); anything
    else is the cell's plain text (HTML removed). Returns (value, number_format or None)."""
    import datetime
    import html
    from decimal import Decimal, InvalidOperation

    from django.utils import timezone
    from django.utils.html import strip_tags
    from django.utils.translation import gettext as _

    if isinstance(raw, bool):
        return (_("Yes") if raw else _("No")), None
    if isinstance(raw, datetime.datetime):
        local = timezone.localtime(raw) if timezone.is_aware(raw) else raw
        return local.replace(tzinfo=None), "yyyy-mm-dd hh:mm"
    if isinstance(raw, datetime.date):
        return raw, "yyyy-mm-dd"
    if rendered is None:
        return None, None
    if isinstance(rendered, bool):
        return (_("Yes") if rendered else _("No")), None
    if isinstance(rendered, int | Decimal | float):
        return rendered, "#,##0.######"
    text = html.unescape(strip_tags(str(rendered))).strip()
    text = " ".join(text.split())
    if text in ("—", "-", ""):
        return (text or None), None
    percent = text.endswith("%")
    number = text[:-1].strip() if percent else text
    if _NUMBER_TEXT.match(number):
        try:
            value = Decimal(number.replace(",", ""))
        except InvalidOperation:
            return text, None
        if percent:
            return value / 100, "0.##%"
        decimals = len(number.split(".")[1]) if "." in number else 0
        return value, "#,##0" + ("." + "0" * decimals if decimals else "")
    return text, None


def xlsx_table(ws, headers, rows) -> None:
    """Header row (bold, frozen), typed cells from `export_value` pairs, column widths that fit."""
    from openpyxl.styles import Font

    xlsx_append(ws, [str(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) * 2 if any(ord(c) > 0x2E80 for c in str(h)) else len(str(h)) for h in headers]
    for row in rows:
        values = [v for v, _fmt in row]
        xlsx_append(ws, values)
        r = ws.max_row
        for col, (value, fmt) in enumerate(row, start=1):
            if fmt:
                ws.cell(row=r, column=col).number_format = fmt
            text = str(value) if value is not None else ""
            width = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
            if col <= len(widths):
                widths[col - 1] = max(widths[col - 1], min(width, 60))
    ws.freeze_panes = "A2"
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, w + 2)
