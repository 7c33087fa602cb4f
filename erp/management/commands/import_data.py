import time
from typing import NoReturn

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from erp.cli import cli_translation
from erp.errors import DomainError
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
        """The web page's summary: the counts per file, or every row error and a non-zero exit
        status (CommandError: no traceback) with nothing changed."""
        started = time.perf_counter()
        try:
            report = import_files(read_folder(folder), dry_run=dry_run)
        except ImportFailed as exc:
            self._refused(exc.errors)
        except DomainError as exc:
            self._refused([str(exc)])
        except OSError as exc:
            self._refused([f"{folder}: {exc.strerror or exc}"])
        self.stdout.write(_("Preview: what the import will do") if dry_run else _("Imported"))
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            (_("checked in %(s).2fs") if dry_run else _("imported in %(s).2fs")) % {"s": time.perf_counter() - started}
        )

    def _refused(self, errors: list[str]) -> NoReturn:
        self.stderr.write(_("Nothing was imported. Fix these rows and try again:"))
        for line in errors:
            self.stderr.write(line)
        raise CommandError(
            _("import failed with %(n)s error(s); nothing was changed") % {"n": len(errors)}, returncode=1
        ) from None
