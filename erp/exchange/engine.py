import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..fields import fmt_decimal

MAX_ERRORS = 200


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


class ImportContext:
    """Parsers that record row errors in the contract's wording; importers check `ctx.failed`."""

    def __init__(self, user=None):
        self.user = user
        self.errors: list[str] = []
        self.file = ""
        self.report = ImportReport()

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
            self.error(row, col, _("'%(value)s' is longer than %(n)s characters") % {"value": value, "n": max_length})
            return None
        return value

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
    ) -> Decimal | None:
        raw = row.get(col, "") or ""
        if raw == "":
            if required and default is None:
                self.error(row, col, _("is required"))
            return default
        try:
            value = Decimal(raw.replace(",", "")) if raw.count(".") <= 1 else Decimal("x")
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.error(row, col, _("'%(value)s' is not a number") % {"value": raw})
            return None
        if min_value is not None and value < min_value:
            self.error(
                row, col, _("'%(value)s' must be at least %(min)s") % {"value": raw, "min": fmt_decimal(min_value)}
            )
            return None
        if gt is not None and value <= gt:
            self.error(row, col, _("'%(value)s' must be greater than %(min)s") % {"value": raw, "min": fmt_decimal(gt)})
            return None
        if lt is not None and value >= lt:
            self.error(row, col, _("'%(value)s' must be less than %(max)s") % {"value": raw, "max": fmt_decimal(lt)})
            return None
        return value

    def integer(self, row: Row, col: str, *, required: bool = True, default: int | None = None, min_value: int = 0):
        raw = row.get(col, "") or ""
        if raw == "":
            if required and default is None:
                self.error(row, col, _("is required"))
            return default
        try:
            value = int(Decimal(raw))
            if Decimal(raw) != value:
                raise ValueError
        except (InvalidOperation, ValueError):
            self.error(row, col, _("'%(value)s' is not a whole number") % {"value": raw})
            return None
        if value < min_value:
            self.error(row, col, _("'%(value)s' must be at least %(min)s") % {"value": raw, "min": min_value})
            return None
        return value

    def date(self, row: Row, col: str, *, required: bool = True) -> datetime.date | None:
        raw = row.get(col, "") or ""
        if raw == "":
            if required:
                self.error(row, col, _("is required"))
            return None
        try:
            return datetime.date.fromisoformat(raw[:10])
        except ValueError:
            self.error(row, col, _("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": raw})
            return None

    def flag(self, row: Row, col: str, *, default: bool = False) -> bool | None:
        raw = (row.get(col, "") or "").lower()
        if raw == "":
            return default
        if raw in ("1", "true", "yes", "y"):
            return True
        if raw in ("0", "false", "no", "n"):
            return False
        self.error(row, col, _("'%(value)s' must be 0 or 1") % {"value": raw})
        return None

    def choice(self, row: Row, col: str, choices: Iterable[str], *, default: str | None = None) -> str | None:
        raw = row.get(col, "") or ""
        if raw == "" and default is not None:
            return default
        allowed = list(choices)
        if raw not in allowed:
            self.error(
                row, col, _("'%(value)s' must be one of %(choices)s") % {"value": raw, "choices": ", ".join(allowed)}
            )
            return None
        return raw

    def duplicate(self, row: Row, col: str, value: str) -> None:
        self.error(row, col, _("'%(value)s' appears more than once") % {"value": value})


# --- reading ---------------------------------------------------------------------------


def _rows_from_csv_text(text: str) -> list[Row]:
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return []
    rows = []
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        row = Row({h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h})
        row.line = line_no
        rows.append(row)
    return rows


def read_folder(path: str | Path) -> dict[str, list[Row]]:
    """Registered files present in the folder; absent files are skipped."""
    base = Path(path)
    if not base.is_dir():
        raise DomainError(_("%(path)s is not a folder") % {"path": path})
    out = {}
    for spec in registry():
        f = base / spec.name
        if f.exists():
            out[spec.name] = _rows_from_csv_text(f.read_text(encoding="utf-8"))
    return out


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return fmt_decimal(Decimal(repr(value)), 6)
    return str(value).strip()


def read_upload(name: str, data: bytes) -> dict[str, list[Row]]:
    """A .zip of CSV files or an .xlsx workbook (one sheet per file name, with or without .csv)."""
    known = {spec.name for spec in registry()}
    out: dict[str, list[Row]] = {}
    lower = name.lower()
    if lower.endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for member in zf.namelist():
                    base = member.rsplit("/", 1)[-1]
                    if base in known:
                        out[base] = _rows_from_csv_text(zf.read(member).decode("utf-8"))
        except zipfile.BadZipFile as exc:
            raise DomainError(_("The file is not a valid .zip archive.")) from exc
    elif lower.endswith(".xlsx"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise DomainError(_("The file is not a valid .xlsx workbook.")) from exc
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
                cells = [_cell(v) for v in values]
                if not any(cells):
                    continue
                row = Row({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h})
                row.line = line_no
                rows.append(row)
            out[sheet] = rows
    else:
        raise DomainError(_("Upload a .zip of CSV files or an .xlsx workbook."))
    return out


# --- import / export ---------------------------------------------------------------------


def import_files(files: dict[str, list[Row]], *, user=None, dry_run: bool = False) -> ImportReport:
    """All-or-nothing import. Raises ImportFailed (nothing changed) on any row error.

    With dry_run the import runs fully and is rolled back: the report says what would change.
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
                    spec.importer(rows, ctx)
                if ctx.failed:
                    raise _Abort
            if dry_run:
                transaction.set_rollback(True)
    except _Abort:
        raise ImportFailed(ctx.errors) from None
    return ctx.report


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
                writer.writerow(
                    {k: _cell(v) if not isinstance(v, Decimal) else fmt_decimal(v, 6) for k, v in record.items()}
                )
                n += 1
        counts[spec.name] = n
    return counts
