from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from erp.access_table import render_markdown


class Command(BaseCommand):
    help = "Write docs/permissions.md: every URL, its module and action permission, and what each role may do."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="exit 1 when docs/permissions.md is out of date")
        parser.add_argument(
            "--print", action="store_true", dest="print_only", help="print the table instead of writing the file"
        )

    def handle(self, *args, check=False, print_only=False, **options):
        target = Path(settings.BASE_DIR) / "docs" / "permissions.md"
        text = render_markdown()
        if print_only:
            self.stdout.write(text, ending="")
            return
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                self.stderr.write("docs/permissions.md is out of date: run `python manage.py access_table`.")
                raise SystemExit(1)
            self.stdout.write("docs/permissions.md is up to date.")
            return
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {target} ({text.count(chr(10))} lines)")
