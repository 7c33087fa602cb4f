import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

# Order follows the app dependencies; each app's demo.seed(out) is idempotent.
SEEDERS = ["erp", "inventory", "bom", "crm", "procurement", "production", "mrp", "costing", "ledger", "portal"]


class Command(BaseCommand):
    help = "Create demo users (one per role) and the demo bicycle factory. Safe to run again."

    def handle(self, *args, **options):
        for app in SEEDERS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name == f"{app}.demo":
                    continue
                raise
            with transaction.atomic():
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
