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


def library_overrides() -> dict[str, tuple[str, str, str]]:
    """msgids of our app catalogs that a library ahead of our apps in INSTALLED_APPS (Django's
    contrib apps, django_celery_beat, simple_history, ...) translates differently: its
    translation is the one shown unless the project catalog holds the word (erp/catalog_terms.py).
    {msgid: (ours, library, theirs)}"""
    import django.conf

    site = Path(django.conf.__file__).resolve().parents[2]
    libraries = ["django/contrib/admin", "django/contrib/auth", "django/contrib/contenttypes"]
    libraries += ["django_celery_beat", "import_export", "simple_history", "axes", "django_filters"]
    libraries += ["django_tables2", "crispy_forms", "mptt"]
    theirs: dict[str, tuple[str, str]] = {}
    for lib in libraries:
        path = site / lib / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        if path.exists():
            for e in polib.pofile(str(path)):
                if e.msgstr and not e.obsolete and not e.msgctxt and not e.msgid_plural:
                    theirs.setdefault(e.msgid, (lib, e.msgstr))
    project = {e.msgid for e in polib.pofile(str(catalogs()[0][1])) if not e.msgctxt and e.msgstr}
    found: dict[str, tuple[str, str, str]] = {}
    for _name, path in catalogs()[1:]:
        for e in polib.pofile(str(path)):
            if e.obsolete or e.msgctxt or e.msgid_plural or e.msgid in project or e.msgid not in theirs:
                continue
            lib, text = theirs[e.msgid]
            if text != e.msgstr:
                found.setdefault(e.msgid, (e.msgstr, lib, text))
    return found


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
    overridden = library_overrides()
    for msgid, (ours, lib, theirs) in sorted(overridden.items()):
        print(f"{msgid!r}: ours {ours!r}, shown {theirs!r} from {lib} (add it to erp/catalog_terms.py)")
    print(f"{len(overridden)} msgids shown in a library's translation")
    sys.exit(1 if found or overridden else 0)
