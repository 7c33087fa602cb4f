"""python manage.py trial_balance --period YYYY-MM [--export tb.csv] — the trial balance page's service."""

import csv

from django.core.management.base import BaseCommand, CommandError

from erp.errors import DomainError
from erp.exports import csv_text
from ledger.services import reports

HEADER = ["code", "name", "opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit"]


class Command(BaseCommand):
    help = "Print (or export as CSV) the trial balance of a period."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--export", default="", help="write a CSV file")

    def handle(self, *args, **opts):
        try:
            year, month = reports.parse_period(opts["period"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        rows = reports.trial_balance(year, month)
        totals = reports.tb_totals(rows)
        data = []
        for r in rows:
            od, oc = r.opening_dc
            cd, cc = r.closing_dc
            data.append([r.account.code, r.account.name, od, oc, r.debit, r.credit, cd, cc])
        if opts["export"]:
            with open(opts["export"], "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(HEADER)
                for row in data:
                    w.writerow([csv_text(v) if isinstance(v, str) else f"{v:.2f}" for v in row])
        for row in data:
            self.stdout.write(",".join(str(v) if isinstance(v, str) else f"{v:.2f}" for v in row))
        self.stdout.write(f"total debit {totals['closing_debit']:.2f} credit {totals['closing_credit']:.2f}")
