from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
        """Text that a spreadsheet would read as a formula (`=…`, `+…`, `-…`, `@…`) is written with
        a leading apostrophe (erp.exports.csv_text); import_data removes it again."""
        try:
            counts = export_folder(folder)
        except OSError as exc:
            raise CommandError(f"{folder}: {exc.strerror or exc}") from None
        for name, n in counts.items():
            self.stdout.write(_("%(file)s: %(n)s rows") % {"file": name, "n": n})
