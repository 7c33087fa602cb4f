"""Every zh-hans catalog is complete: no untranslated or fuzzy entries."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]


def zh_catalogs():
    return [p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts]


def test_chinese_catalogs_are_complete():
    catalogs = zh_catalogs()
    assert ROOT / "locale/zh_Hans/LC_MESSAGES/django.po" in catalogs
    missing = {}
    for path in catalogs:
        po = polib.pofile(str(path))
        bad = [e.msgid for e in po if e.obsolete is False and (not e.translated() or "fuzzy" in e.flags)]
        if bad:
            missing[str(path.relative_to(ROOT))] = bad[:10]
    assert missing == {}
