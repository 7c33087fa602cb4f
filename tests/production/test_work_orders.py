"""Work orders: release snapshot from the BOM (skip level), editing, children, from sales lines."""

import datetime
from decimal import Decimal as D

import pytest

from erp.errors import StateError, ValidationError
from production.models import WorkOrder
from production.services import work_orders as wos
from tests import factories as f
from tests.bom.helpers import make_bom

from .helpers import JUNE1, make_wo, mat, wh
from .so import sales_line

pytestmark = pytest.mark.django_db


def test_release_snapshots_skip_level_material_list():
    # FG 10 = 1 SA + 1 C, SA (skip level) = 2 A + 1 B -> A 20, B 10, C 10
    fg = f.item("FG", supply_type="manufacture")
    sa = f.item("SA", supply_type="manufacture")
    rm = wh()
    a, b, c = (f.item(code, default_warehouse=rm) for code in ("A", "B", "C"))
    make_bom(sa, [(a, 2), (b, 1)], skip_level=True)
    make_bom(fg, [(sa, 1), (c, 1)])
    wo = wos.work_order_create(item_id=fg.pk, qty=D(10), planned_start=JUNE1)
    assert wo.status == "planned" and wo.bom_version == "V1.0"
    assert not wo.materials.exists()
    wos.work_order_release(work_order_id=wo.pk)
    wo.refresh_from_db()
    assert wo.status == "released"
    assert {m.component.code: m.required for m in wo.materials.all()} == {"A": D(20), "B": D(10), "C": D(10)}
    assert mat(wo, "A").via == str(sa.pk)
    wos.work_order_release(work_order_id=wo.pk)  # double click: unchanged
    assert wo.materials.count() == 3
    # skip-level picking: the kit picking lists SA's components, never SA itself
    for item_obj, qty in ((a, 20), (b, 10), (c, 10)):
        f.stock(item_obj, rm, qty)
    from production.services.picking import picking_create_kit

    p = picking_create_kit(work_order_id=wo.pk)
    assert p.target_sets == 10
    assert {ln.item.code: ln.qty for ln in p.lines.all()} == {"A": D(20), "B": D(10), "C": D(10)}


def test_material_list_editable_until_issued():
    rm = wh()
    wo = make_wo(qty=10, lines=[("A", 2, "manual", rm)])
    m = wos.work_order_material_update(material_id=mat(wo, "A").pk, required=D(25))
    assert m.required == 25 and m.qty_per == D("2.5")
    m.issued_qty = D(1)
    m.save()
    with pytest.raises(StateError):
        wos.work_order_material_update(material_id=m.pk, required=D(30))
    m.refresh_from_db()
    assert m.required == 25


def test_scrap_and_fixed_loss_in_required():
    rm = wh()
    wo = make_wo(qty=10, lines=[("A", 2, "manual", rm, {"scrap_rate": D("0.05"), "fixed_loss": D(3)})])
    m = mat(wo, "A")
    assert m.qty_per == D("2.1") and m.required == D(24)


def test_children_keep_the_root_sales_order_line():
    line = sales_line(qty=5)
    fg = f.item("FG", supply_type="manufacture", lead_time_days=3)
    sa = f.item("SA", supply_type="manufacture", lead_time_days=2)
    make_bom(sa, [(f.item("A"), 2)])
    make_bom(fg, [(sa, 1), (f.item("C"), 1)])
    wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk)
    assert wo.qty == 5 and wo.planned_finish == line.due_date and wo.source == "sales"
    assert wo.planned_start == line.due_date - datetime.timedelta(days=3)
    wos.work_order_release(work_order_id=wo.pk)
    (child,) = wos.work_order_create_children(work_order_id=wo.pk)
    assert child.item == sa and child.qty == 5 and child.parent == wo
    assert child.sales_order_line_id == line.pk
    assert child.planned_finish == wo.planned_start and child.planned_start == wo.planned_start - datetime.timedelta(
        days=2
    )
    # the line is covered now: another WO from it is refused
    with pytest.raises(ValidationError):
        wos.work_order_from_sales_line(sales_order_line_id=line.pk)
    assert WorkOrder.objects.count() == 2


def test_cancel_refused_after_issue_and_allowed_before():
    rm = wh()
    wo = make_wo(qty=2, lines=[("A", 1, "manual", rm)])
    m = mat(wo, "A")
    m.issued_qty = D(1)
    m.save()
    with pytest.raises(StateError):
        wos.work_order_cancel(work_order_id=wo.pk)
    wo.refresh_from_db()
    assert wo.status == "released"
    wo2 = make_wo("FG2", qty=2)
    wos.work_order_cancel(work_order_id=wo2.pk)
    wo2.refresh_from_db()
    assert wo2.status == "cancelled"


def test_bad_input_refused():
    fg = f.item("FG", supply_type="manufacture")
    with pytest.raises(ValidationError):
        wos.work_order_create(item_id=fg.pk, qty=D(0), planned_start=JUNE1)
    with pytest.raises(ValidationError):
        wos.work_order_create(
            item_id=fg.pk, qty=D(1), planned_start=JUNE1, planned_finish=JUNE1 - datetime.timedelta(days=1)
        )
    assert WorkOrder.objects.count() == 0


def test_apply_new_bom_changes_only_unissued_lines():
    # given a released order of FG (A 2, B 1) with A already issued
    fg = f.item("FG", supply_type="manufacture")
    a, b, c = f.item("A"), f.item("B"), f.item("C")
    make_bom(fg, [(a, 2), (b, 1)])
    wo = wos.work_order_create(item_id=fg.pk, qty=D(10), planned_start=JUNE1)
    wos.work_order_release(work_order_id=wo.pk)
    m = mat(wo, "A")
    m.issued_qty = D(5)
    m.save()
    # when version V1.1 (A 3, C 1) is applied
    v11 = make_bom(fg, [(a, 3), (c, 1)], version="V1.1")
    wos.work_order_apply_bom(work_order_id=wo.pk, bom_id=v11.pk)
    wo.refresh_from_db()
    # then issued A keeps its old requirement, B goes, C comes
    assert wo.bom_version == "V1.1"
    assert {x.component.code: x.required for x in wo.materials.all()} == {"A": D(20), "C": D(10)}
