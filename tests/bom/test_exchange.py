"""boms.csv: first import V1.0 approved, re-import unchanged changes nothing, changed lines V1.1."""

import datetime

import pytest

from bom.exchange import export_boms
from bom.models import Bom, BomLine
from bom.selectors import default_bom, material_list
from erp.exchange.engine import ImportFailed, Row, import_files
from inventory.models import Item

from .helpers import D, bought, made

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 1)
HEADER = "parent_code,output_qty,component_code,qty_per,scrap_rate,fixed_loss,issue_method,key_part,skip_level,valid_from,valid_to,line_type,cost_share"


def rows(text: str):
    import csv
    import io

    out = []
    reader = csv.DictReader(io.StringIO(HEADER + "\n" + text.strip() + "\n"))
    for n, r in enumerate(reader, start=2):
        row = Row({k: (v or "").strip() for k, v in r.items()})
        row.line = n
        out.append(row)
    return {"boms.csv": out}


V1 = """
FG,1,SA,1,0,0,manual,1,0,,,component,
FG,1,C,1,0.1,2,backflush,0,0,,,component,
SA,1,A,2,0,0,manual,0,1,,,component,
SA,1,B,1,0,0,none,0,1,2026-01-01,,component,
"""


@pytest.fixture
def items():
    return made("FG"), made("SA"), bought("A"), bought("B"), bought("C"), bought("X")


def test_first_import_creates_approved_v10_and_reimport_changes_nothing(items):
    fg, sa, a, b, c, _x = items
    report = import_files(rows(V1))
    assert report.counts["boms.csv"]["created"] == 2
    assert sorted(Bom.objects.values_list("item__code", "version", "status", "skip_level")) == [
        ("FG", "V1.0", "approved", False),
        ("SA", "V1.0", "approved", True),
    ]
    # skip level applies: 10 FG = A 20, B 10, C 10 × 1.1 + 2 = 13
    got = {r.component_id: r.required for r in material_list(item_id=fg.pk, qty=D(10), as_of=DAY)}
    assert got == {a.pk: D(20), b.pk: D(10), c.pk: D(13)}
    assert [Item.objects.get(pk=i.pk).low_level_code for i in (fg, sa, a, c)] == [0, 1, 2, 1]
    # when imported again
    before = (Bom.objects.count(), BomLine.objects.count())
    report = import_files(rows(V1))
    assert report.counts["boms.csv"]["unchanged"] == 2
    assert (Bom.objects.count(), BomLine.objects.count()) == before


def test_changed_lines_create_v11_approved(items):
    fg, sa, a, b, c, x = items
    import_files(rows(V1))
    changed = V1.replace("SA,1,A,2,", "SA,1,A,3,")
    report = import_files(rows(changed))
    assert report.counts["boms.csv"]["updated"] == 1 and report.counts["boms.csv"]["unchanged"] == 1
    assert default_bom(sa.pk).version == "V1.1"
    assert Bom.objects.get(item=sa, version="V1.0").status == "disabled"
    assert default_bom(sa.pk).lines.get(component=a).qty_per == D(3)


def test_bad_row_rolls_back_the_whole_import(items):
    bad = V1 + "FG,1,X-99,1,0,0,manual,0,0,,,component,\nFG,1,A,1,1.5,0,manual,0,0,,,component,\n"
    with pytest.raises(ImportFailed) as err:
        import_files(rows(bad))
    assert err.value.errors == [
        "boms.csv line 6: component_code 'X-99' is not an item",
        "boms.csv line 7: scrap_rate '1.5' must be less than 1",
    ]
    assert Bom.objects.count() == 0 and BomLine.objects.count() == 0


def test_import_refuses_a_cycle(items):
    fg, sa, a, b, c, x = items
    with pytest.raises(ImportFailed, match="BOM cycle: "):
        import_files(rows(V1 + "SA,1,FG,1,0,0,manual,0,1,,,component,\n"))
    assert Bom.objects.count() == 0


def test_export_round_trip(items):
    import_files(rows(V1))
    out = list(export_boms())
    assert [(r["parent_code"], r["component_code"], r["key_part"], r["skip_level"]) for r in out] == [
        ("FG", "SA", "1", "0"),
        ("FG", "C", "0", "0"),
        ("SA", "A", "0", "1"),
        ("SA", "B", "0", "1"),
    ]
