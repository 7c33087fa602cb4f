import csv

from django.core.exceptions import ValidationError as InputError
from django.core.management.base import BaseCommand, CommandError

from erp.cli import cli_translation
from erp.errors import DomainError
from erp.fields import fmt_decimal
from erp.input import errors_text, parse_date, parse_int

from ...forms import HORIZON_MAX, HORIZON_MIN
from ...services.runs import mrp_run_create, mrp_run_execute
from ...states import RunStatus

COLUMNS = ["item_code", "order_type", "qty", "release_date", "due_date", "late", "pegged_to"]


class Command(BaseCommand):
    help = "Run one regenerative MRP synchronously; --export writes planned_orders.csv (docs/exchange.md)."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="run date YYYY-MM-DD")
        parser.add_argument("--horizon", default="90", help="days, 1-3650 (default 90)")
        parser.add_argument("--export", default="", help="planned orders CSV file")
        parser.add_argument("--scope", default="all")

    def handle(self, *args, **options):
        with cli_translation():
            return self._handle(**options)

    def _handle(self, date, horizon, export, scope, **options):
        # A bad --date or --horizon is one clear line (CommandError), never a traceback.
        try:
            run_date = parse_date(date, label="--date")
            horizon = parse_int(horizon, label="--horizon", min_value=HORIZON_MIN, max_value=HORIZON_MAX)
        except InputError as exc:
            raise CommandError(errors_text(exc)) from None
        try:
            run = mrp_run_create(scope=scope, run_date=run_date, horizon_days=horizon)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        try:
            run = mrp_run_execute(run_id=run.pk)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        if run.status != RunStatus.DONE:
            raise CommandError(f"MRP run failed: {run.message}")
        self.stdout.write(
            f"MRP {run.run_date} horizon {run.horizon_days}: {run.item_count} items, {run.order_count} planned orders, "
            f"{run.exception_count} exceptions in {run.duration_ms} ms"
        )
        if export:
            self._export(run, export)
            self.stdout.write(f"wrote {export}")

    def _export(self, run, export: str) -> None:
        """planned_orders.csv in code point order of item codes (independent of the database
        collation). PostgreSQL formats and sorts the rows itself and streams them (COPY … TO
        STDOUT): a 50k-item plan has 570,000 rows; other databases: the same file from Python."""
        from django.db import connection

        if connection.vendor == "postgresql":
            sql = (
                "COPY (SELECT i.code AS item_code, p.order_type, trim_scale(round(p.qty, 4)) AS qty,"
                " to_char(p.release_date, 'YYYY-MM-DD') AS release_date, to_char(p.due_date, 'YYYY-MM-DD') AS due_date,"
                " CASE WHEN p.late THEN 1 ELSE 0 END AS late, NULLIF(p.pegged_to, '') AS pegged_to"
                " FROM mrp_plannedorder p JOIN inventory_item i ON i.id = p.item_id WHERE p.run_id = %s"
                ' ORDER BY i.code COLLATE "C", p.due_date, p.release_date, p.id) TO STDOUT WITH (FORMAT csv, HEADER)'
            )
            with open(export, "wb") as fh, connection.cursor() as cur, cur.cursor.copy(sql, (run.pk,)) as copy:
                for chunk in copy:
                    fh.write(chunk)
            return
        cols = ("item__code", "order_type", "qty", "release_date", "due_date", "late", "pegged_to")
        rows = sorted(run.planned_orders.values_list(*cols, "pk"), key=lambda r: (r[0], r[4], r[3], r[7]))
        with open(export, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(COLUMNS)
            for code, order_type, qty, release, due, late, pegged_to, *_pk in rows:
                writer.writerow(
                    [code, order_type, fmt_decimal(qty, 4), release.isoformat(), due.isoformat(), 1 if late else 0,
                     pegged_to]
                )  # fmt: skip
