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

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_TEXT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTH_SAMPLE_ROWS = 500  # column widths are fitted to the header and the first rows
MAX_WIDTH = 60
# Exports up to this size are sent in one piece; larger ones stream (xlsx from its temporary file,
# CSV row by row as the database returns them).
STREAM_FROM_BYTES = 2 * 1024 * 1024
STREAM_FROM_ROWS = 5000


def number_format(value) -> str:
    """The Excel format of a number: thousands separators and the decimals it has — amounts keep
    their 2 (`#,##0.00`), quantities stored with 6 show only the ones that count (12.5 → `#,##0.0`,
    10.000000 → `#,##0`), at most 6."""
    from decimal import Decimal

    if isinstance(value, bool | int):
        return "#,##0"
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if not d.is_finite():
        return "General"
    own_exponent, exponent = d.as_tuple().exponent, d.normalize().as_tuple().exponent
    assert isinstance(own_exponent, int) and isinstance(exponent, int)  # finite
    own = -own_exponent
    places = own if 0 < own <= 2 else max(0, -exponent)
    places = min(places, 6)
    return "#,##0" + ("." + "0" * places if places else "")


def percent_format(fraction) -> str:
    """0.15 → `0%`, 0.125 → `0.0%`."""
    from decimal import Decimal

    points = (Decimal(str(fraction)) * 100).normalize()
    exponent = points.as_tuple().exponent
    places = min(max(0, -exponent), 4) if isinstance(exponent, int) else 0
    return "0" + ("." + "0" * places if places else "") + "%"


def typed_value(value):
    """A raw Python value as an xlsx cell: (value, number_format or None). Decimals and ints are
    numbers, dates dates (local time, no time zone), booleans a translated Yes/No, lazy text text."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone
    from django.utils.translation import gettext as _

    if value is None:
        return None, None
    if isinstance(value, bool):
        return (_("Yes") if value else _("No")), None
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.replace(tzinfo=None), "yyyy-mm-dd hh:mm"
    if isinstance(value, datetime.date):
        return value, "yyyy-mm-dd"
    if isinstance(value, int | Decimal):
        return value, number_format(value)
    if isinstance(value, float):
        return Decimal(str(value)), number_format(Decimal(str(value)))
    text = str(value)
    if _ISO_DATE.match(text):  # a report row's date written as text
        try:
            return datetime.date.fromisoformat(text), "yyyy-mm-dd"
        except ValueError:
            pass
    return text, None


def export_value(raw, rendered):
    """One cell of a list export from the record's raw value and the page's rendered cell:
    a date stays a date (local, without time zone), a yes/no a translated word, a shown number or
    percentage a number (`12,995.00` → 12995.00, `15%` → 0.15 with a percent format); anything
    else is the cell's plain text (HTML removed). Returns (value, number_format or None)."""
    import datetime
    import html
    from decimal import Decimal, InvalidOperation

    from django.utils.html import strip_tags

    if isinstance(raw, bool | datetime.date):
        return typed_value(raw)
    if rendered is None:
        return None, None
    if isinstance(rendered, bool | int | Decimal | float):
        return typed_value(rendered)
    text = html.unescape(strip_tags(str(rendered))).strip()
    text = " ".join(text.split())
    if text in ("—", "-", ""):
        return (text or None), None
    if isinstance(raw, str):
        return text, None  # a code, a phone or tax number stays text even when it is all digits
    percent = text.endswith("%")
    number = text[:-1].strip() if percent else text
    if _NUMBER_TEXT.match(number):
        try:
            value = Decimal(number.replace(",", ""))
        except InvalidOperation:
            return text, None
        if percent:
            return value / 100, percent_format(value / 100)
        decimals = len(number.split(".")[1]) if "." in number else 0
        return value, "#,##0" + ("." + "0" * decimals if decimals else "")
    if isinstance(raw, Decimal) and raw.is_finite():
        return raw, number_format(raw)  # a number shown with a unit or a sign: the number itself
    return text, None


def export_filename(name: str, ext: str = "xlsx") -> str:
    """`<list>-<date>.<ext>`: the list's name (its title in the user's language; characters that
    file systems refuse replaced) and today's date."""
    from django.utils import timezone

    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", str(name)).strip("._") or "export"
    return f"{safe}-{timezone.localdate():%Y%m%d}.{ext}"


def _disposition(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


def _text_width(value) -> int:
    text = value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else ("" if value is None else str(value))
    if not isinstance(value, str) and not hasattr(value, "strftime") and value is not None:
        text = f"{value:,}" if isinstance(value, int) else text
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)  # CJK characters are two columns wide


def xlsx_write(ws, headers, rows) -> None:
    """Into a write-only sheet: a bold frozen header, typed cells ((value, number_format) pairs),
    column widths fitted to the header and the first rows. Rows are consumed as they come."""
    import itertools

    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = iter(rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))
    widths = [_text_width(str(h)) for h in headers]
    for row in sample:
        for col, (value, _fmt) in enumerate(row[: len(widths)]):
            widths[col] = max(widths[col], min(_text_width(value), MAX_WIDTH))
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, w + 2)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws)
        xlsx_set(cell, str(h))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in itertools.chain(sample, rows):
        cells = []
        for value, fmt in row:
            cell = WriteOnlyCell(ws)
            xlsx_set(cell, value)
            if fmt:
                cell.number_format = fmt
            cells.append(cell)
        ws.append(cells)


def xlsx_response(filename: str, headers, rows, *, sheet_title: str = "", typed: bool = False):
    """A streamed xlsx download. `rows`: an iterable (a generator for large lists) of raw values,
    typed here (`typed_value`), or of (value, number_format) pairs when `typed`. The workbook is
    written row by row (openpyxl write-only) into a temporary file, which is sent in chunks: memory
    stays flat whatever the number of rows."""
    title = sheet_title or filename.rsplit(".", 1)[0]
    return xlsx_sheets_response(filename, [(title, headers, rows)], typed=typed)


def xlsx_sheets_response(filename: str, sheets, *, typed: bool = False):
    """`xlsx_response` with several sheets: [(title, headers, rows), …]."""
    import tempfile

    import openpyxl
    from django.http import FileResponse, HttpResponse

    wb = openpyxl.Workbook(write_only=True)
    for sheet_title, headers, rows in sheets:
        title = re.sub(r"[\\/*?:\[\]]", "_", str(sheet_title))[:31] or "export"
        ws = wb.create_sheet(title=title)
        pairs = rows if typed else ([typed_value(v) for v in row] for row in rows)
        xlsx_write(ws, headers, pairs)
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    wb.save(tmp)
    size = tmp.tell()
    tmp.seek(0)
    response: HttpResponse | FileResponse
    if size <= STREAM_FROM_BYTES:
        with tmp:
            response = HttpResponse(tmp.read(), content_type=XLSX_CONTENT_TYPE)
    else:
        response = FileResponse(tmp, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response


def csv_response(filename: str, headers, rows, *, typed: bool = False):
    """A streamed CSV download (UTF-8 with BOM, so Excel opens Chinese text); formula-like text
    gets its apostrophe (`csv_text`)."""
    import csv
    import itertools

    from django.http import HttpResponse, StreamingHttpResponse

    class _Echo:
        def write(self, value):
            return value

    writer = csv.writer(_Echo())

    def text(cell):
        value = cell[0] if typed else typed_value(cell)[0]
        if value is None:
            return ""
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%d %H:%M" if hasattr(value, "hour") else "%Y-%m-%d")
        return csv_text(str(value))

    rows = iter(rows)
    first = [writer.writerow([csv_text(str(h)) for h in headers])]
    first += [writer.writerow([text(c) for c in row]) for row in itertools.islice(rows, STREAM_FROM_ROWS)]
    first[0] = "\ufeff" + first[0]
    response: HttpResponse | StreamingHttpResponse
    if len(first) <= STREAM_FROM_ROWS:  # the whole list is here
        response = HttpResponse("".join(first), content_type="text/csv; charset=utf-8")
    else:
        rest = (writer.writerow([text(c) for c in row]) for row in rows)
        response = StreamingHttpResponse(itertools.chain(first, rest), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    return response
