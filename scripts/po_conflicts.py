"""One English term, one Chinese term: list the msgids that our zh_Hans catalogs translate
differently, and optionally set one translation everywhere.

    python scripts/po_conflicts.py                  # list conflicts (exit 1 if any)
    python scripts/po_conflicts.py --apply FILE.json  # {"msgid": "译文", ...} into every catalog

Django merges the catalogs into one table per language (project locale/ first, then the apps in
INSTALLED_APPS order), so a msgid shows one translation everywhere anyway: the one of the first
catalog that has it ("wins" below). A conflict is a translator's intention that the UI ignores.
Where one English word really means two things, give the source a context (pgettext).
tests/erp/test_i18n.py checks that no conflict is left.
"""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
# Django's precedence: LOCALE_PATHS, then the apps in INSTALLED_APPS order
ORDER = ["locale", "inventory", "bom", "mrp", "production", "procurement", "crm", "costing", "ledger", "portal"]


def catalogs() -> list[tuple[str, Path]]:
    out = []
    for name in ORDER:
        base = ROOT / "locale" if name == "locale" else ROOT / name / "locale"
        path = base / "zh_Hans" / "LC_MESSAGES" / "django.po"
        if path.exists():
            out.append((name, path))
    return out


def conflicts() -> dict[tuple[str | None, str], dict[str, str]]:
    seen: dict[tuple[str | None, str], dict[str, str]] = {}
    for name, path in catalogs():
        for e in polib.pofile(str(path)):
            if e.obsolete or e.msgid_plural or not e.msgstr or "fuzzy" in e.flags:
                continue
            seen.setdefault((e.msgctxt, e.msgid), {})[name] = e.msgstr
    return {k: v for k, v in seen.items() if len(set(v.values())) > 1}


def apply(table: dict[str, str]) -> int:
    changed = 0
    for _name, path in catalogs():
        po = polib.pofile(str(path))
        dirty = False
        for e in po:
            if not e.obsolete and not e.msgid_plural and e.msgid in table and e.msgstr != table[e.msgid]:
                e.msgstr = table[e.msgid]
                dirty = True
                changed += 1
        if dirty:
            po.save()
    return changed


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--apply":
        with open(sys.argv[2], encoding="utf-8") as fh:
            print(f"{apply(json.load(fh))} entries changed")
    found = conflicts()
    for (ctx, msgid), by in sorted(found.items(), key=lambda kv: kv[0][1].lower()):
        first = next(iter(by))
        label = f"{msgid!r}" + (f" [{ctx}]" if ctx else "")
        print(f"{label}: wins {by[first]!r} ({first}); " + ", ".join(f"{a}={s!r}" for a, s in by.items()))
    print(f"{len(found)} msgids translated differently")
    sys.exit(1 if found else 0)
