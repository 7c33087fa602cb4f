"""Compile every .po catalog to .mo with polib (no GNU gettext needed)."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogs():
    base = Path(settings.BASE_DIR)
    for po in sorted(base.glob("*/locale/*/LC_MESSAGES/*.po")) + sorted(base.glob("locale/*/LC_MESSAGES/*.po")):
        if ".venv" not in po.parts:
            yield po


class Command(BaseCommand):
    help = "Compile translation catalogs (.po -> .mo)."

    def handle(self, *args, **options):
        count = 0
        for po in catalogs():
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            polib.pofile(str(po)).save_as_mofile(str(mo))
            count += 1
        self.stdout.write(f"compiled {count} catalog(s)")
