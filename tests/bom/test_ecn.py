"""Engineering change notices: approval creates the next version with validity dates; impact."""

import datetime

import pytest

from bom import impact
from bom.models import Bom, BomLine, Ecn
from bom.selectors import default_bom, ecn_impact, item_hints, material_list
from bom.services import EcnLineInput, ecn_approve, ecn_cancel, ecn_create
from erp.errors import StateError, ValidationError
from tests import factories as f

from .helpers import D, bought, made, make_bom

pytestmark = pytest.mark.django_db
EFF = datetime.date(2026, 4, 1)


@pytest.fixture
def bike():
    fg = made("FG", ecn_controlled=True)
    a, b, b2, c, d = bought("A"), bought("B"), bought("B2"), bought("C"), bought("D")
    bom = make_bom(fg, [(a, 2), (b, 1, {"key_part": True}), (c, 1)])
    return fg, bom, a, b, b2, c, d


@pytest.fixture
def provider():
    rows = []

    def fn(item_ids):
        return [r for r in rows if r.item_id in item_ids]

    impact.register_provider(fn)
    yield rows
    impact.unregister_provider(fn)


def _changes(a, b, b2, c, d):
    return [
        EcnLineInput(action="replace", old_component_id=b.pk, new_component_id=b2.pk),
        EcnLineInput(action="change_qty", old_component_id=a.pk, qty_per=D(3)),
        EcnLineInput(action="remove", old_component_id=c.pk),
        EcnLineInput(action="add", new_component_id=d.pk, qty_per=D(1)),
    ]


def test_ecn_approval_creates_new_version_with_validity_dates(bike):
    fg, v10, a, b, b2, c, d = bike
    ecn = ecn_create(item_id=fg.pk, effective_date=EFF, stock_handling="switch_now", lines=_changes(a, b, b2, c, d))
    assert ecn.number.startswith("ECN-2026-") and ecn.status == "draft"
    # when approved
    ecn = ecn_approve(ecn_id=ecn.pk)
    # then V1.1 is the approved default, V1.0 disabled
    v10.refresh_from_db()
    v11 = default_bom(fg.pk)
    assert (ecn.status, ecn.new_bom_id, v11.version, v11.ecn_id, v10.status) == (
        "approved",
        v11.pk,
        "V1.1",
        ecn.pk,
        "disabled",
    )
    lines = [
        (ln.component.code, ln.qty_per, ln.valid_from, ln.valid_to, ln.key_part)
        for ln in v11.lines.select_related("component").order_by("line_no")
    ]
    day_before = datetime.date(2026, 3, 31)
    assert lines == [
        ("A", D(2), None, day_before, False),
        ("B", D(1), None, day_before, True),
        ("C", D(1), None, day_before, False),
        ("B2", D(1), EFF, None, True),
        ("A", D(3), EFF, None, False),
        ("D", D(1), EFF, None, False),
    ]
    before = material_list(item_id=fg.pk, qty=D(10), as_of=day_before)
    after = material_list(item_id=fg.pk, qty=D(10), as_of=EFF)
    assert sorted((r.component_id, r.required) for r in before) == sorted([(a.pk, D(20)), (b.pk, D(10)), (c.pk, D(10))])
    assert sorted((r.component_id, r.required) for r in after) == sorted([(b2.pk, D(10)), (a.pk, D(30)), (d.pk, D(10))])
    # approving twice is harmless
    assert ecn_approve(ecn_id=ecn.pk).new_bom_id == v11.pk
    assert Bom.objects.filter(item=fg).count() == 2
    # and the replaced part gets a dead-stock hint
    assert "replaced by ECN " + ecn.number in item_hints([b.pk])[b.pk]


def test_ecn_impact_lists_orders_stock_and_pos_with_dead_stock_risk(bike, provider):
    fg, _v10, a, b, b2, c, d = bike
    wh = f.warehouse("WH")
    f.stock(b, wh, 40)
    provider += [
        impact.ImpactRow(kind="work_order", number="WO-2026-000007", item_id=fg.pk, qty=D(50)),
        impact.ImpactRow(kind="purchase_order", number="PO-2026-000003", item_id=b.pk, qty=D(100)),
        impact.ImpactRow(kind="purchase_order", number="PO-2026-000004", item_id=d.pk, qty=D(5)),
    ]
    ecn = ecn_create(item_id=fg.pk, effective_date=EFF, stock_handling="switch_now", lines=_changes(a, b, b2, c, d))
    ecn_approve(ecn_id=ecn.pk)
    result = ecn_impact(Ecn.objects.get(pk=ecn.pk))
    assert [r.number for r in result.orders] == ["WO-2026-000007"]
    assert [r.number for r in result.purchase_orders] == ["PO-2026-000003"]
    assert [(c_.item.code, c_.action, c_.on_hand, c_.open_po_qty, c_.dead_stock_risk) for c_ in result.components] == [
        ("B", "replace", D(40), D(100), True),
        ("A", "change_qty", D(0), D(0), False),
        ("C", "remove", D(0), D(0), False),
    ]
    # with "use up" nothing is flagged
    ecn2 = ecn_create(
        item_id=fg.pk,
        effective_date=EFF,
        stock_handling="use_up",
        lines=[EcnLineInput(action="remove", old_component_id=b2.pk)],
    )
    assert [x.dead_stock_risk for x in ecn_impact(ecn2).components] == [False]


def test_ecn_refusals_change_nothing(bike):
    fg, v10, a, b, b2, c, d = bike
    with pytest.raises(ValidationError, match="D is not in FG V1.0"):
        ecn_create(item_id=fg.pk, effective_date=EFF, lines=[EcnLineInput(action="remove", old_component_id=d.pk)])
    with pytest.raises(ValidationError, match="greater than 0"):
        ecn_create(item_id=fg.pk, effective_date=EFF, lines=[EcnLineInput(action="add", new_component_id=d.pk)])
    assert Ecn.objects.count() == 0
    ecn = ecn_create(item_id=fg.pk, effective_date=EFF, lines=[EcnLineInput(action="remove", old_component_id=c.pk)])
    ecn_cancel(ecn_id=ecn.pk)
    with pytest.raises(StateError):
        ecn_approve(ecn_id=ecn.pk)
    assert (Bom.objects.count(), BomLine.objects.count(), default_bom(fg.pk)) == (1, 3, v10)


def test_ecn_that_would_create_a_cycle_is_refused(bike):
    fg, v10, a, b, b2, c, d = bike
    sub = made("SUB")
    make_bom(sub, [(fg, 1)])
    ecn = ecn_create(
        item_id=fg.pk, effective_date=EFF, lines=[EcnLineInput(action="add", new_component_id=sub.pk, qty_per=D(1))]
    )
    with pytest.raises(ValidationError, match="FG → SUB → FG"):
        ecn_approve(ecn_id=ecn.pk)
    ecn.refresh_from_db()
    v10.refresh_from_db()
    assert (ecn.status, v10.status, Bom.objects.filter(item=fg).count()) == ("draft", "approved", 1)
