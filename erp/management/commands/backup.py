from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from erp.ops import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the uploaded files into DIR (default backups/<timestamp>)."

    def add_arguments(self, parser):
        parser.add_argument("dir", nargs="?", default="")

    def handle(self, *args, **options):
        target = Path(options["dir"] or f"backups/{timezone.localtime():%Y%m%d-%H%M%S}")
        try:
            manifest = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(f"backup written to {target} ({len(manifest['tables'])} tables, {rows} rows)")
