"""python manage.py cost_run --period YYYY-MM [--export cost_sheets.csv]

Runs the period cost run (the same service as the page); exits non-zero when the period is closed.
The export has one row per production order and cost element:
order_no, item_code, element, opening_wip, this_period, fg, closing_wip.
"""

import csv

from django.core.management.base import BaseCommand, CommandError

from costing.models import OrderCost
from costing.services.runs import cost_run_now
from erp.errors import DomainError
from erp.exports import csv_text

from ._period import parse_period


class Command(BaseCommand):
    help = "Run the cost run of a period (成本计算)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--export", help="write the cost sheets to this CSV file")

    def handle(self, *args, period, export=None, **options):
        p = parse_period(period)
        try:
            run = cost_run_now(period_id=p.pk)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        if run.status != "done":
            raise CommandError(run.message or f"cost run {run.pk} failed")
        self.stdout.write(
            f"cost run {run.pk} of {p}: {run.move_count} moves, {run.order_count} orders, "
            f"{run.entry_count} entries, {run.duration_ms} ms"
        )
        if export:
            rows = (
                OrderCost.objects.filter(run=run, work_order__isnull=False)
                .select_related("item")
                .order_by("order_no", "element")
            )
            with open(export, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["order_no", "item_code", "element", "opening_wip", "this_period", "fg", "closing_wip"])
                for oc in rows:
                    w.writerow(
                        [
                            csv_text(oc.order_no),
                            csv_text(oc.item.code),
                            oc.element,
                            oc.opening_wip,
                            oc.this_period,
                            oc.fg,
                            oc.closing_wip,
                        ]
                    )
            self.stdout.write(f"cost sheets written to {export}")
