import codecs
import csv
import datetime
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _

from ..errors import DomainError, constraint_message
from ..exports import csv_text, csv_untext
from ..fields import fmt_decimal
from ..input import MONEY_DIGITS, MONEY_PLACES, QTY_DIGITS, QTY_PLACES, date_bounds, parse_decimal

MAX_ERRORS = 200
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# An .xlsx is zipped XML: its sheets may unpack to this many times the import limit.
XLSX_UNPACKED_FACTOR = 10
# Whole-number columns are PositiveIntegerField / IntegerField.
MAX_INT = 2_147_483_647
_CHUNK = 1 << 16
_TIME_PART = re.compile(r"^[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


class Row(dict):
    """One data row: column -> stripped text; `.line` is the line number in the file (header = 1)."""

    line: int = 0


@dataclass
class ExchangeFile:
    name: str
    columns: list[str]
    order: int
    importer: Callable[[list[Row], "ImportContext"], None] | None = None
    exporter: Callable[[], Iterable[dict]] | None = None
    required_columns: list[str] = field(default_factory=list)


_registry: dict[str, ExchangeFile] = {}


def register(spec: ExchangeFile) -> None:
    _registry[spec.name] = spec


def registry() -> list[ExchangeFile]:
    return sorted(_registry.values(), key=lambda s: s.order)


class _Abort(Exception):
    pass


class ImportFailed(DomainError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(
            _("Import failed, nothing was changed: %(first)s") % {"first": errors[0] if errors else ""},
            code="import_failed",
            details=errors,
        )


@dataclass
class ImportReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        """The summary the web page shows as a table, one line per file (CLI output)."""
        return [
            _("%(file)s: %(rows)s rows, %(created)s created, %(updated)s updated, %(unchanged)s unchanged")
            % {"file": name, **c}
            for name, c in self.counts.items()
        ]


def _shown(raw: str) -> str:
    """A bad value as quoted in a message (very long values are cut)."""
    return raw if len(raw) <= 40 else raw[:40] + "…"


class ImportContext:
    """Parsers that record row errors in the contract's wording; importers check `ctx.failed`."""

    def __init__(self, user=None):
        self.user = user
        self.errors: list[str] = []
        self.file = ""
        self.report = ImportReport()
        self._years: tuple[int, int] | None = None

    # --- errors and counters
    def error(self, row: Row | None, column: str | None, message: str) -> None:
        where = f"{self.file} line {row.line}" if row is not None else self.file
        text = f"{where}: {column} {message}" if column else f"{where}: {message}"
        self.errors.append(text)
        if len(self.errors) >= MAX_ERRORS:
            raise _Abort

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def count(self, created: int = 0, updated: int = 0, unchanged: int = 0) -> None:
        c = self.report.counts.setdefault(self.file, {"rows": 0, "created": 0, "updated": 0, "unchanged": 0})
        c["created"] += created
        c["updated"] += updated
        c["unchanged"] += unchanged

    # --- parsers: return None (and record an error) when the value is bad
    def text(self, row: Row, col: str, *, required: bool = True, max_length: int | None = None) -> str | None:
        value = row.get(col, "") or ""
        if required and not value:
            self.error(row, col, _("is required"))
            return None
        if max_length and len(value) > max_length:
            self.error(
                row,
                col,
                _("'%(value)s' is longer than %(n)s characters") % {"value": _shown(value), "n": max_length},
            )
            return None
        return value

    def _number(self, row: Row, col: str, raw: str, max_digits: int, decimal_places: int) -> Decimal | None:
        """The kernel parser (erp.input) with exponents allowed (`1E-05` from spreadsheets), within
        the field's digits: `1e30` is too large, `1,5` and `NaN` are not numbers, nothing is rounded."""
        try:
            return parse_decimal(
                raw, label=col, max_digits=max_digits, decimal_places=decimal_places, allow_exponent=True
            )
        except ValidationError as exc:
            code = getattr(exc, "code", None)
            if code == "max_decimal_places":
                message = _("'%(value)s' has more than %(n)s decimal places")
            elif code == "max_whole_digits":
                message = _("'%(value)s' is too large (at most %(n)s digits before the decimal point)")
            else:
                message = _("'%(value)s' is not a number")
            n = decimal_places if code == "max_decimal_places" else max_digits - decimal_places
            self.error(row, col, message % {"value": _shown(raw), "n": n})
            return None

    def decimal(
        self,
        row: Row,
        col: str,
        *,
        required: bool = True,
        default: Decimal | None = None,
        min_value: Decimal | None = None,
        gt: Decimal | None = None,
        lt: Decimal | None = None,
        max_digits: int = QTY_DIGITS,
        decimal_places: int = QTY_PLACES,
    ) -> Decimal | None:
        """A decimal within the model field's limits (default: quantities, unit prices, 18/6)."""
        raw = row.get(col, "") or ""
        if raw == "":
            if required and default is None:
                self.error(row, col, _("is required"))
            return default
        value = self._number(row, col, raw, max_digits, decimal_places)
        if value is None:
            return None
        shown = _shown(raw)
        if min_value is not None and value < min_value:
            self.error(
                row, col, _("'%(value)s' must be at least %(min)s") % {"value": shown, "min": fmt_decimal(min_value)}
            )
            return None
        if gt is not None and value <= gt:
            self.error(
                row, col, _("'%(value)s' must be greater than %(min)s") % {"value": shown, "min": fmt_decimal(gt)}
            )
            return None
        if lt is not None and value >= lt:
            self.error(row, col, _("'%(value)s' must be less than %(max)s") % {"value": shown, "max": fmt_decimal(lt)})
            return None
        return value

    def amount_fits(self, row: Row, col: str, qty: Decimal | None, price: Decimal | None) -> bool:
        """qty × price must fit an amount (MoneyField: 16 digits before the point); else a row error
        on `col` (the price column)."""
        if qty is None or price is None:
            return True
        limit = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES)
        if abs(qty * price) < limit:
            return True
        self.error(
            row,
            col,
            _("'%(value)s' gives an amount that is too large (at most %(n)s digits before the decimal point)")
            % {"value": _shown(row.get(col, "") or ""), "n": MONEY_DIGITS - MONEY_PLACES},
        )
        return False

    def integer(
        self,
        row: Row,
        col: str,
        *,
        required: bool = True,
        default: int | None = None,
        min_value: int = 0,
        max_value: int = MAX_INT,
    ):
        raw = row.get(col, "") or ""
        if raw == "":
            if required and default is None:
                self.error(row, col, _("is required"))
            return default
        try:
            value = parse_decimal(raw, label=col, max_digits=len(str(MAX_INT)), decimal_places=0, allow_exponent=True)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "max_whole_digits":
                self.error(
                    row, col, _("'%(value)s' must be at most %(max)s") % {"value": _shown(raw), "max": max_value}
                )
            else:
                self.error(row, col, _("'%(value)s' is not a whole number") % {"value": _shown(raw)})
            return None
        value = int(value)
        if value < min_value:
            self.error(row, col, _("'%(value)s' must be at least %(min)s") % {"value": raw, "min": min_value})
            return None
        if value > max_value:
            self.error(row, col, _("'%(value)s' must be at most %(max)s") % {"value": raw, "max": max_value})
            return None
        return value

    def date(self, row: Row, col: str, *, required: bool = True) -> datetime.date | None:
        """`YYYY-MM-DD` (a time of day after it is ignored), within the company's year range."""
        raw = row.get(col, "") or ""
        if raw == "":
            if required:
                self.error(row, col, _("is required"))
            return None
        try:
            if len(raw) > 10 and not _TIME_PART.match(raw[10:]):
                raise ValueError
            value = datetime.date.fromisoformat(raw[:10])
        except ValueError:
            self.error(row, col, _("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": _shown(raw)})
            return None
        if self._years is None:
            self._years = date_bounds()
        low, high = self._years
        if not (low <= value.year <= high):
            self.error(
                row,
                col,
                _("'%(value)s' must lie between %(low)s and %(high)s")
                % {"value": raw, "low": f"{low}-01-01", "high": f"{high}-12-31"},
            )
            return None
        return value

    def flag(self, row: Row, col: str, *, default: bool = False) -> bool | None:
        raw = (row.get(col, "") or "").lower()
        if raw == "":
            return default
        if raw in ("1", "true", "yes", "y"):
            return True
        if raw in ("0", "false", "no", "n"):
            return False
        self.error(row, col, _("'%(value)s' must be 0 or 1") % {"value": _shown(raw)})
        return None

    def choice(self, row: Row, col: str, choices: Iterable[str], *, default: str | None = None) -> str | None:
        raw = row.get(col, "") or ""
        if raw == "" and default is not None:
            return default
        allowed = list(choices)
        if raw not in allowed:
            self.error(
                row,
                col,
                _("'%(value)s' must be one of %(choices)s") % {"value": _shown(raw), "choices": ", ".join(allowed)},
            )
            return None
        return raw

    def duplicate(self, row: Row, col: str, value: str) -> None:
        self.error(row, col, _("'%(value)s' appears more than once") % {"value": _shown(value)})


# --- reading ---------------------------------------------------------------------------
#
# Safe reading (issue #10): sizes are checked before anything is read (files on disk, the
# upload, the uncompressed sizes in a zip's directory); text is decoded strictly as UTF-8 (with
# or without BOM) or else GBK/GB18030, binary content is refused; CSV is parsed from a text
# stream and xlsx in openpyxl's read-only (streaming) mode. Every problem is a DomainError
# naming the file, never a traceback.


def max_bytes() -> int:
    """The largest file an import reads (setting IMPORT_MAX_BYTES, default 20 MB)."""
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _size_text(n: int) -> str:
    mb = n / (1024 * 1024)
    if mb >= 1:
        return f"{mb:.1f}".removesuffix(".0") + " MB"  # a multipart envelope adds bytes, not MB
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} B"


def upload_hint() -> str:
    """The limits, for the import page."""
    return _("At most %(size)s per file; CSV files in UTF-8 (with or without BOM) or GBK/GB18030.") % {
        "size": _size_text(max_bytes())
    }


def check_size(name: str, size: int, *, limit: int | None = None) -> None:
    """Refuse a file larger than the import limit, before reading it."""
    limit = max_bytes() if limit is None else limit
    if size > limit:
        raise ImportFailed(
            [
                _("%(file)s is %(size)s, more than the import limit of %(limit)s.")
                % {"file": name, "size": _size_text(size), "limit": _size_text(limit)}
            ]
        )


def _not_text(name: str) -> ImportFailed:
    return ImportFailed(
        [_("%(file)s is not a text file in UTF-8 or GBK/GB18030 encoding (is it binary?).") % {"file": name}]
    )


def detect_encoding(fh, name: str) -> str:
    """The codec of a CSV file (binary stream, read in chunks): "utf-8-sig" (UTF-8 with or without
    BOM), else "gb18030" (a superset of GBK and GB2312); both decoded strictly. NUL bytes or
    bytes valid in neither encoding raise ImportFailed naming the file."""
    candidates = {
        "utf-8-sig": codecs.getincrementaldecoder("utf-8-sig")("strict"),
        "gb18030": codecs.getincrementaldecoder("gb18030")("strict"),
    }
    while candidates:
        chunk = fh.read(_CHUNK)
        if b"\x00" in chunk:
            raise _not_text(name)
        for codec, decoder in list(candidates.items()):
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                del candidates[codec]
        if not chunk:
            break
    if not candidates:
        raise _not_text(name)
    return next(iter(candidates))


def _rows_from_reader(reader, name: str) -> list[Row]:
    try:
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            return []
        rows = []
        for line_no, values in enumerate(reader, start=2):  # the record's row, as a spreadsheet shows it
            if not any(v.strip() for v in values):
                continue
            row = Row(
                {h: (csv_untext(values[i].strip()) if i < len(values) else "") for i, h in enumerate(header) if h}
            )
            row.line = line_no
            rows.append(row)
        return rows
    except csv.Error as exc:
        raise ImportFailed(
            [_("%(file)s line %(line)s: %(problem)s") % {"file": name, "line": reader.line_num, "problem": exc}]
        ) from None
    except UnicodeDecodeError:
        raise _not_text(name) from None


def _rows_from_text_stream(stream, name: str) -> list[Row]:
    """Rows of a CSV text stream (header row first); `.line` is the file's line number."""
    return _rows_from_reader(csv.reader(stream), name)


def _rows_from_csv_text(text: str, name: str = "") -> list[Row]:
    if text.startswith("\ufeff"):
        text = text[1:]
    return _rows_from_text_stream(io.StringIO(text, newline=""), name)


def _rows_from_binary(open_binary: Callable[[], io.IOBase], name: str) -> list[Row]:
    """Detect the encoding in one streaming pass, then parse in a second one."""
    with open_binary() as fh:
        encoding = detect_encoding(fh, name)
    with open_binary() as fh, io.TextIOWrapper(fh, encoding=encoding, newline="") as text:
        return _rows_from_text_stream(text, name)


def read_folder(path: str | Path) -> dict[str, list[Row]]:
    """Registered files present in the folder; absent files are skipped. Every file's size is
    checked before any is read."""
    base = Path(path)
    if not base.is_dir():
        raise ImportFailed([_("%(path)s is not a folder") % {"path": path}])
    present = [(spec.name, base / spec.name) for spec in registry() if (base / spec.name).exists()]
    errors = []
    for name, f in present:
        if not f.is_file():
            errors.append(_("%(file)s is not a file") % {"file": name})
            continue
        try:
            check_size(name, f.stat().st_size)
        except ImportFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ImportFailed(errors)
    out = {}
    for name, f in present:
        try:
            out[name] = _rows_from_binary(partial(f.open, "rb"), name)
        except ImportFailed as exc:
            errors.extend(exc.errors)
        except OSError as exc:
            errors.append(_("%(file)s cannot be read: %(problem)s") % {"file": name, "problem": exc.strerror or exc})
    if errors:
        raise ImportFailed(errors)
    return out


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel keeps 15 significant digits: 0.1+0.2 is 0.3 there. Over-precise or huge values stay
        # visible ("1e-07", "1e+30") and are refused by the number parser, never rounded.
        return format(value, ".15g")
    return str(value).strip()


_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)


def _as_binary(data) -> io.IOBase:
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(data)
    data.seek(0)
    return data


def _source_size(fh) -> int:
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    fh.seek(0)
    return size


def _read_zip(name: str, fh, known: set[str]) -> dict[str, list[Row]]:
    try:
        zf = zipfile.ZipFile(fh)
    except _ZIP_ERRORS:
        raise ImportFailed([_("%(file)s is not a valid .zip archive.") % {"file": name}]) from None
    with zf:
        members: dict[str, zipfile.ZipInfo] = {}
        errors = []
        for info in zf.infolist():
            base = info.filename.rsplit("/", 1)[-1]
            if info.is_dir() or base not in known:
                continue
            if base in members:
                errors.append(_("%(file)s: %(member)s appears more than once") % {"file": name, "member": base})
                continue
            members[base] = info
            try:  # the uncompressed size from the directory: a zip bomb is refused unread
                check_size(f"{name}/{info.filename}", info.file_size)
            except ImportFailed as exc:
                errors.extend(exc.errors)
        if errors:
            raise ImportFailed(errors)
        out = {}
        for base, info in members.items():
            label = f"{name}/{info.filename}"
            try:
                out[base] = _rows_from_binary(lambda info=info: zf.open(info), label)
            except ImportFailed as exc:
                errors.extend(exc.errors)
            except _ZIP_ERRORS:
                errors.append(_("%(file)s cannot be unpacked (damaged or encrypted).") % {"file": label})
        if errors:
            raise ImportFailed(errors)
        return out


def _read_xlsx(name: str, fh, known: set[str]) -> dict[str, list[Row]]:
    import openpyxl

    invalid = ImportFailed([_("%(file)s is not a valid .xlsx workbook.") % {"file": name}])
    try:
        with zipfile.ZipFile(fh) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except _ZIP_ERRORS:
        raise invalid from None
    limit = max_bytes() * XLSX_UNPACKED_FACTOR
    if unpacked > limit:
        raise ImportFailed(
            [
                _("%(file)s unpacks to %(size)s, more than the limit of %(limit)s for a workbook.")
                % {"file": name, "size": _size_text(unpacked), "limit": _size_text(limit)}
            ]
        )
    fh.seek(0)
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception:
        raise invalid from None
    out: dict[str, list[Row]] = {}
    try:
        for ws in wb.worksheets:
            sheet = ws.title if ws.title.endswith(".csv") else f"{ws.title}.csv"
            if sheet not in known:
                continue
            it = ws.iter_rows(values_only=True)
            try:
                header = [_cell(h) for h in next(it)]
            except StopIteration:
                continue
            rows = []
            for line_no, values in enumerate(it, start=2):
                cells = [csv_untext(_cell(v)) for v in values]
                if not any(cells):
                    continue
                row = Row({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h})
                row.line = line_no
                rows.append(row)
            out[sheet] = rows
    except Exception:
        raise invalid from None
    finally:
        wb.close()
    return out


def read_upload(name: str, data) -> dict[str, list[Row]]:
    """A .zip of CSV files or an .xlsx workbook (one sheet per file name, with or without .csv).

    `data` is the content (bytes) or a seekable binary file. Sizes are checked first.
    """
    known = {spec.name for spec in registry()}
    lower = name.lower()
    if not lower.endswith((".zip", ".xlsx")):
        raise ImportFailed([_("Upload a .zip of CSV files or an .xlsx workbook.")])
    fh = _as_binary(data)
    check_size(name, _source_size(fh))
    if lower.endswith(".zip"):
        return _read_zip(name, fh, known)
    return _read_xlsx(name, fh, known)


# --- import / export ---------------------------------------------------------------------


def import_files(files: dict[str, list[Row]], *, user=None, dry_run: bool = False) -> ImportReport:
    """All-or-nothing import. Raises ImportFailed (nothing changed) on any row error.

    A business refusal raised while writing (e.g. not enough stock for a corrected opening
    balance) or a database constraint becomes an error of its file. With dry_run the import
    runs fully and is rolled back: the report says what would change.
    """
    ctx = ImportContext(user=user)
    ctx.report.dry_run = dry_run
    try:
        with transaction.atomic():
            for spec in registry():
                if spec.name not in files or spec.importer is None:
                    continue
                ctx.file = spec.name
                rows = files[spec.name]
                ctx.report.counts.setdefault(spec.name, {"rows": 0, "created": 0, "updated": 0, "unchanged": 0})
                ctx.report.counts[spec.name]["rows"] = len(rows)
                if rows:
                    missing = [c for c in spec.required_columns if c not in rows[0]]
                    if missing:
                        ctx.error(None, None, _("missing column(s) %(cols)s") % {"cols": ", ".join(missing)})
                if not ctx.failed:
                    _run_importer(spec, rows, ctx)
                if ctx.failed:
                    raise _Abort
            if dry_run:
                transaction.set_rollback(True)
    except _Abort:
        raise ImportFailed(ctx.errors) from None
    return ctx.report


def _run_importer(spec: ExchangeFile, rows: list[Row], ctx: ImportContext) -> None:
    try:
        spec.importer(rows, ctx)
    except _Abort:
        raise
    except DomainError as exc:
        ctx.error(None, None, str(exc))
    except IntegrityError as exc:
        cause = getattr(exc, "__cause__", None)
        ctx.error(None, None, constraint_message(getattr(getattr(cause, "diag", None), "constraint_name", "") or ""))
    except (DataError, ArithmeticError):  # a computed value beyond its column (decimal overflow)
        ctx.error(None, None, _("a value is too large or not valid for its column"))


def _export_cell(value) -> str:
    if isinstance(value, Decimal):
        return fmt_decimal(value, 6)
    if isinstance(value, str):
        return csv_text(value.strip())  # formula-like text gets an apostrophe (OWASP)
    return _cell(value)


def export_folder(path: str | Path) -> dict[str, int]:
    base = Path(path)
    base.mkdir(parents=True, exist_ok=True)
    counts = {}
    for spec in registry():
        if spec.exporter is None:
            continue
        n = 0
        with open(base / spec.name, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=spec.columns, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            for record in spec.exporter():
                writer.writerow({k: _export_cell(v) for k, v in record.items()})
                n += 1
        counts[spec.name] = n
    return counts
