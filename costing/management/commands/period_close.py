"""python manage.py period_close --period YYYY-MM [--acknowledge]

Closes the period like the close page: refuses with the checklist's open points unless
--acknowledge; runs the period-end steps (re-accrual, cost run)."""

from django.core.management.base import BaseCommand, CommandError

from costing.services.periods import period_checklist, period_close
from erp.errors import DomainError

from ._period import parse_period


class Command(BaseCommand):
    help = "Close an accounting period (结账)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--acknowledge", action="store_true", help="close despite open checklist points")

    def handle(self, *args, period, acknowledge=False, **options):
        p = parse_period(period)
        for point in period_checklist(period=p):
            mark = "ok" if point.ok else ("OPEN" if point.blocking else "at close")
            self.stdout.write(f"[{mark}] {point.label}: {point.count}")
            for d in point.details[:10]:
                self.stdout.write(f"    {d}")
        try:
            closed = period_close(period_id=p.pk, acknowledge=acknowledge)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"period {closed} closed")
