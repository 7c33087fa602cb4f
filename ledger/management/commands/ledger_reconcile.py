"""python manage.py ledger_reconcile --period YYYY-MM — the reconciliation page's service."""

from django.core.management.base import BaseCommand, CommandError

from erp.errors import DomainError
from ledger.services import reconcile, reports


class Command(BaseCommand):
    help = "List the differences between the books and the stock, WIP, receivable and payable subledgers."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")

    def handle(self, *args, **opts):
        try:
            year, month = reports.parse_period(opts["period"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        diffs = reconcile.reconcile(year, month)
        for d in diffs:
            docs = "; ".join(d.documents)
            self.stdout.write(
                f"{d.area} {d.account} {d.label}: books {d.books:.2f} subledger {d.subledger:.2f} "
                f"difference {d.difference:.2f} {docs}".rstrip()
            )
        self.stdout.write(f"differences {len(diffs)}")
