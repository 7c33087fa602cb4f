from django.core.exceptions import ValidationError as InputError
from django.core.management.base import BaseCommand, CommandError

from erp.cli import cli_translation
from erp.errors import DomainError
from erp.input import errors_text, parse_date

from ...services.analysis import SHORTAGE_COLUMNS, shortage_analyse, shortage_csv_rows
from .kitting_analysis import write_csv


class Command(BaseCommand):
    help = (
        "Shortage analysis (足缺料分析) of the open work orders (and outsourcing orders); --export writes shortage.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="analysis date YYYY-MM-DD")
        parser.add_argument("--include-outsourcing", action="store_true")
        parser.add_argument("--export", default="", help="CSV file")

    def handle(self, *args, **options):
        with cli_translation():
            return self._handle(**options)

    def _handle(self, date, include_outsourcing, export, **options):
        try:
            on_date = parse_date(date, label="--date")
        except InputError as exc:
            raise CommandError(errors_text(exc)) from None
        try:
            report = shortage_analyse(on_date=on_date, include_outsourcing=include_outsourcing)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        short = sum(1 for r in report.rows if r.short > 0)
        self.stdout.write(f"shortage {on_date}: {report.orders} orders, {len(report.rows)} lines, {short} short")
        if export:
            write_csv(export, SHORTAGE_COLUMNS, shortage_csv_rows(report))
            self.stdout.write(f"wrote {export}")
