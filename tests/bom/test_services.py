"""BOM services: cycles refused with their path, low-level codes, drafts only edited, ECN control."""

import pytest

from bom.models import Bom, BomLine
from bom.services import (
    LineInput,
    bom_approve,
    bom_create,
    bom_line_add,
    bom_low_level_codes_update,
    bom_new_version,
)
from erp.errors import StateError, ValidationError
from inventory.models import Item

from .helpers import D, bought, made, make_bom

pytestmark = pytest.mark.django_db


def _llc(*items):
    return [Item.objects.get(pk=i.pk).low_level_code for i in items]


def test_low_level_code_of_shared_component_is_its_deepest_level():
    # given X used at level 1 (FG → X) and level 3 (FG → S1 → S2 → X)
    fg, s1, s2, x = made("FG"), made("S1"), made("S2"), bought("X")
    make_bom(s2, [(x, 1)])
    make_bom(s1, [(s2, 1)])
    make_bom(fg, [(s1, 1), (x, 2)])
    # then
    assert _llc(fg, s1, s2, x) == [0, 1, 2, 3]


def test_cycle_refused_with_its_path_and_nothing_saved():
    # given A → B → C approved
    a, b, c = made("A"), made("B"), made("C")
    make_bom(b, [(c, 1)])
    make_bom(a, [(b, 1)])
    draft = bom_create(item_id=c.pk)
    boms, lines = Bom.objects.count(), BomLine.objects.count()
    # when C's BOM would use A
    with pytest.raises(ValidationError) as err:
        bom_line_add(bom_id=draft.pk, line=LineInput(component_id=a.pk, qty_per=D(1)))
    # then
    assert str(err.value) == "BOM cycle: C → A → B → C"
    assert (Bom.objects.count(), BomLine.objects.count()) == (boms, lines)
    # and creating it with the line in one go is refused the same way
    with pytest.raises(ValidationError, match="C → A → B → C"):
        bom_create(item_id=c.pk, lines=[LineInput(component_id=a.pk, qty_per=D(1))])
    assert (Bom.objects.count(), BomLine.objects.count()) == (boms, lines)


def test_cycle_between_drafts_refused_at_approval():
    a, b = made("A"), made("B")
    bom_a = bom_create(item_id=a.pk, lines=[LineInput(component_id=b.pk, qty_per=D(1))])
    bom_b = make_bom(b, [(a, 1)])  # approved: B → A
    with pytest.raises(ValidationError, match="A → B → A"):
        bom_approve(bom_id=bom_a.pk)
    bom_a.refresh_from_db()
    assert bom_a.status == "draft" and bom_b.status == "approved"
    assert _llc(a, b) == [1, 0]


def test_self_reference_refused():
    a = made("A")
    with pytest.raises(ValidationError, match="A → A"):
        bom_create(item_id=a.pk, lines=[LineInput(component_id=a.pk, qty_per=D(1))])
    assert Bom.objects.count() == 0


def test_bad_lines_refused_nothing_saved():
    fg, a = made("FG"), bought("A")
    for bad, msg in [
        (LineInput(component_id=a.pk, qty_per=D(0)), "greater than 0"),
        (LineInput(component_id=a.pk, qty_per=D(1), scrap_rate=D(1)), "less than 1"),
        (LineInput(component_id=a.pk, qty_per=D(1), fixed_loss=D(-1)), "negative"),
    ]:
        with pytest.raises(ValidationError, match=msg):
            bom_create(item_id=fg.pk, lines=[bad])
    with pytest.raises(ValidationError, match="purchased item"):
        bom_create(item_id=a.pk)
    assert Bom.objects.count() == 0


def test_approved_bom_is_not_edited_new_version_is():
    fg, a, b = made("FG"), bought("A"), bought("B")
    v10 = make_bom(fg, [(a, 1)])
    with pytest.raises(StateError):
        bom_line_add(bom_id=v10.pk, line=LineInput(component_id=b.pk, qty_per=D(1)))
    assert v10.lines.count() == 1
    v11 = bom_new_version(bom_id=v10.pk)
    bom_line_add(bom_id=v11.pk, line=LineInput(component_id=b.pk, qty_per=D(2)))
    assert (v11.version, v11.status, v11.lines.count()) == ("V1.1", "draft", 2)
    bom_approve(bom_id=v11.pk)
    assert bom_approve(bom_id=v11.pk).status == "approved"  # twice is harmless


def test_direct_edit_refused_under_change_control():
    fg, a, b = made("FG", ecn_controlled=True), bought("A"), bought("B")
    v10 = make_bom(fg, [(a, 1)])  # the first version is made directly
    boms, lines = Bom.objects.count(), BomLine.objects.count()
    with pytest.raises(ValidationError, match="engineering change control"):
        bom_new_version(bom_id=v10.pk)
    with pytest.raises(ValidationError, match="engineering change control"):
        bom_create(item_id=fg.pk, lines=[LineInput(component_id=b.pk, qty_per=D(1))])
    assert (Bom.objects.count(), BomLine.objects.count()) == (boms, lines)


def test_low_level_codes_drop_when_bom_disabled():
    from bom.services import bom_disable

    fg, sa, a = made("FG"), made("SA"), bought("A")
    make_bom(sa, [(a, 1)])
    top = make_bom(fg, [(sa, 1)])
    assert _llc(fg, sa, a) == [0, 1, 2]
    bom_disable(bom_id=top.pk)
    assert _llc(fg, sa, a) == [0, 0, 1]
    assert bom_low_level_codes_update() == 0
