import csv

from django.core.exceptions import ValidationError as InputError
from django.core.management.base import BaseCommand, CommandError

from erp.cli import cli_translation
from erp.errors import DomainError
from erp.exports import csv_text
from erp.fields import fmt_decimal
from erp.input import errors_text, parse_date

from ...services.analysis import KITTING_COLUMNS, kitting_analyse, kitting_csv_rows


def write_csv(path: str, columns: list[str], rows: list[list]) -> None:
    """UTF-8 CSV, numbers up to 4 decimals half-up, trailing zeros removed (docs/exchange.md)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_text(v) if isinstance(v, str) else fmt_decimal(v, 4) for v in row])


class Command(BaseCommand):
    help = "Kitting analysis (齐套分析) of the open work orders or sales-order lines; --export writes kitting.csv."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="analysis date YYYY-MM-DD")
        parser.add_argument("--demands", default="work_orders", choices=["work_orders", "sales_orders"])
        parser.add_argument("--receipts-until", default="", help="count scheduled receipts due up to YYYY-MM-DD")
        parser.add_argument("--scope", default="all", choices=["all", "no_backflush", "key_parts"])
        parser.add_argument("--priority", default="start", choices=["start", "finish"])
        parser.add_argument("--level", default="first", choices=["first", "lowest"])
        parser.add_argument("--export", default="", help="CSV file")

    def handle(self, *args, **options):
        with cli_translation():
            return self._handle(**options)

    def _handle(self, date, demands, receipts_until, scope, priority, level, export, **options):
        try:
            on_date = parse_date(date, label="--date")
            until = parse_date(receipts_until, label="--receipts-until") if receipts_until else None
        except InputError as exc:
            raise CommandError(errors_text(exc)) from None
        try:
            report = kitting_analyse(
                on_date=on_date, demands=demands, receipts_until=until, scope=scope, priority=priority, level=level
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        c = report.counts
        self.stdout.write(
            f"kitting {on_date}: {len(report.demands)} demands, {c['complete']} complete, "
            f"{c['partial']} partial, {c['short']} short"
        )
        if export:
            write_csv(export, KITTING_COLUMNS, kitting_csv_rows(report))
            self.stdout.write(f"wrote {export}")
