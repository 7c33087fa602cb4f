from django.core.management.base import BaseCommand

from erp.exchange import export_folder


class Command(BaseCommand):
    help = "Export master data and open documents to a folder of CSV files (docs/exchange.md)."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, folder, **options):
        for name, n in export_folder(folder).items():
            self.stdout.write(f"{name}: {n} rows")
