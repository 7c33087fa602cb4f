from django.core.exceptions import ValidationError as InputError
from django.core.management.base import BaseCommand, CommandError

from erp.cli import cli_translation
from erp.errors import DomainError
from erp.input import errors_text, parse_date, parse_int, parse_quantity
from inventory.models import Item

from ...forms import HORIZON_MAX, HORIZON_MIN
from ...services.promise import ctp_promise


class Command(BaseCommand):
    help = (
        "Capable-to-promise date of a new demand (docs/mrp.md §5): a what-if plan in memory, nothing "
        "written; the base plan is the current plan when it is up to date (same answer), else it is "
        "computed in memory. The date (YYYY-MM-DD) is alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="run date D0, YYYY-MM-DD")
        parser.add_argument("--item", required=True, help="item code")
        parser.add_argument("--qty", required=True, help="quantity of the new demand")
        parser.add_argument("--horizon", default="90", help="days, 1-3650 (default 90)")

    def handle(self, *args, **options):
        with cli_translation():
            return self._handle(**options)

    def _handle(self, date, item, qty, horizon, **options):
        try:
            d0 = parse_date(date, label="--date")
            quantity = parse_quantity(qty, label="--qty")
            horizon = parse_int(horizon, label="--horizon", min_value=HORIZON_MIN, max_value=HORIZON_MAX)
        except InputError as exc:
            raise CommandError(errors_text(exc)) from None
        if quantity is None or quantity <= 0:
            raise CommandError("--qty: the quantity must be greater than 0")
        found = Item.objects.filter(code=item, is_active=True).values_list("pk", flat=True).first()
        if found is None:
            raise CommandError(f"--item: {item!r} is not an active item")
        try:
            promise = ctp_promise(item_id=found, qty=quantity, d0=d0, horizon_days=horizon)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        if promise.date is None:
            raise CommandError(f"no date within the horizon of {horizon} days")
        self.stdout.write(
            f"{item} {qty}: {promise.kind.upper()}"
            + (f", limiting {promise.chain_text}" if promise.chain_text else "")
            + f" ({promise.evaluations} plans in {promise.duration_ms} ms; base: "
            + ("current plan" if promise.from_plan else "computed in memory")
            + ")"
        )
        self.stdout.write(promise.date.isoformat())
