"""Refresh translation catalogs: `update_catalogs` (project: erp + templates) or
`update_catalogs --app inventory` (one domain app, its own <app>/locale)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

DOMAIN_APPS = ["inventory", "bom", "mrp", "production", "procurement", "crm", "costing", "ledger", "portal"]
LOCALES = ["zh_Hans", "en"]


class Command(BaseCommand):
    help = "Run makemessages for the project or one app (zh_Hans and en)."

    def add_arguments(self, parser):
        parser.add_argument("--app", default="")

    def handle(self, *args, app="", **options):
        base = Path(settings.BASE_DIR)
        cwd = os.getcwd()
        try:
            if app:
                os.chdir(base / app)
                (base / app / "locale").mkdir(exist_ok=True)
                ignore = []
            else:
                os.chdir(base)
                ignore = [f"{a}/*" for a in DOMAIN_APPS] + [".venv/*", "staticfiles/*", "tests/*", "artifacts/*"]
            call_command("makemessages", locale=LOCALES, ignore_patterns=ignore, no_obsolete=True, verbosity=0)
        finally:
            os.chdir(cwd)
        self.stdout.write("catalogs updated")
