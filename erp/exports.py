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
