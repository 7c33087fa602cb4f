from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from erp.ops import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup DIR into the empty database of DATABASE_URL and check every table's row count."

    def add_arguments(self, parser):
        parser.add_argument("dir")

    def handle(self, *args, **options):
        source = Path(options["dir"])
        if not (source / "manifest.json").exists():
            raise CommandError(f"{source} is not a backup (no manifest.json)")
        try:
            diff = restore(source)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if diff:
            lines = ", ".join(f"{t}: {a} expected, {b} found" for t, (a, b) in sorted(diff.items()))
            raise CommandError(f"restored, but row counts differ: {lines}")
        self.stdout.write(f"restored {source}: every table's row count matches the backup")
