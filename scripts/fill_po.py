"""Fill zh_Hans msgstr from a JSON dict: python scripts/fill_po.py PO_FILE TRANSLATIONS.json

Prints the msgids still untranslated afterwards (exit 1 if any)."""

import json
import sys

import polib

po = polib.pofile(sys.argv[1])
table = {}
if len(sys.argv) > 2:
    with open(sys.argv[2], encoding="utf-8") as fh:
        table = json.load(fh)
for entry in po:
    if entry.msgid in table:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: table[entry.msgid]}
        else:
            entry.msgstr = table[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
po.save()
missing = [e.msgid for e in po if not (e.msgstr or any(e.msgstr_plural.values())) or "fuzzy" in e.flags]
print(json.dumps(missing, ensure_ascii=False))
sys.exit(1 if missing else 0)
