from django.core.management.base import BaseCommand, CommandError

from erp.cli import cli_translation
from erp.exchange import ImportFailed, import_files, read_folder


class Command(BaseCommand):
    help = "Import master data and open documents from a folder of CSV files (docs/exchange.md)."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--dry-run", action="store_true", help="Check and report, change nothing.")

    def handle(self, *args, **options):
        with cli_translation():
            return self._handle(**options)

    def _handle(self, folder, dry_run=False, **options):
        import time

        started = time.perf_counter()
        files = read_folder(folder)
        try:
            report = import_files(files, dry_run=dry_run)
        except ImportFailed as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(f"import failed with {len(exc.errors)} error(s); nothing was changed") from None
        for name, c in report.counts.items():
            self.stdout.write(
                f"{name}: {c['rows']} rows, {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            )
        self.stdout.write(f"{'checked' if dry_run else 'imported'} in {time.perf_counter() - started:.2f}s")
