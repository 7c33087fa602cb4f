from django.core.management.base import BaseCommand

from erp.cli import cli_translation
from erp.exchange import export_folder


class Command(BaseCommand):
    help = "Export master data and open documents to a folder of CSV files (docs/exchange.md)."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *args, **options):
        with cli_translation():
            return self._handle(**options)

    def _handle(self, folder, **options):
        for name, n in export_folder(folder).items():
            self.stdout.write(f"{name}: {n} rows")
