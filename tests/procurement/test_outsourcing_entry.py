"""Outsourcing orders in the line grid (issue 18): the material list entered by line (default
quantity from the product's BOM for the order quantity), the fee from the supplier's price list,
draft edit (refused once confirmed, nothing changed), copy; no line: the BOM's list."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from procurement import services
from procurement.models import OutsourcingOrder, SupplierPrice
from tests import factories as f
from tests.bom.helpers import make_bom

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 1, 5)


@pytest.fixture
def world(login):
    client = login("采购", username="buyer1")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    rm, fg = f.warehouse("RM"), f.warehouse("FG")
    sup = f.supplier("SUB1", name="Subcontractor")
    frame = f.item("FRAME", supply_type="outsource", tax_rate=D("0.06"))
    tube, paint, bolt = f.item("TUBE", unit="kg"), f.item("PAINT", unit="kg"), f.item("BOLT", default_warehouse=rm)
    make_bom(frame, [(tube, "2.5"), (paint, "0.2")])
    SupplierPrice.objects.create(supplier=sup, item=frame, price=D("12.5"), min_qty=0)
    return client, sup, frame, rm, fg, (tube, paint, bolt)


def _data(sup, frame, fg, lines, *, qty="40", fee=""):
    data = {
        "supplier": sup.pk,
        "product": frame.pk,
        "qty": qty,
        "unit_fee": fee,
        "tax_rate": "",
        "order_date": DAY.isoformat(),
        "due_date": (DAY + datetime.timedelta(days=20)).isoformat(),
        "warehouse": fg.pk,
        "lines-TOTAL_FORMS": str(len(lines) + 1),
        "lines-INITIAL_FORMS": "0",
    }
    for i, (code, required, wh) in enumerate(lines):
        data.update({f"lines-{i}-component": code, f"lines-{i}-required": required, f"lines-{i}-warehouse": wh})
    return data


def test_create_with_three_material_lines_fee_from_the_price_list(world):
    client, sup, frame, rm, fg, _items = world
    lines = [("TUBE", "100", rm.pk), ("PAINT", "8.5", rm.pk), ("BOLT", "160", "")]
    response = client.post(reverse("procurement:outsourcing_create"), _data(sup, frame, fg, lines))
    order = OutsourcingOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "procurement:outsourcing_detail", args=[order.pk]
    )
    # 40 × 12.50 = 500.00, 6 % tax of the item = 30.00
    assert (order.status, order.unit_fee, order.tax_rate, order.total) == ("draft", D("12.5"), D("0.06"), D("530.00"))
    assert [(m.component.code, m.qty_per, m.required_qty) for m in order.materials.order_by("line_no")] == [
        ("TUBE", D("2.5"), D("100")),
        ("PAINT", D("0.2125"), D("8.5")),
        ("BOLT", D("4"), D("160")),
    ]


def test_defaults_of_a_component_come_from_the_bom_for_the_order_quantity(world):
    client, sup, frame, rm, fg, _items = world
    url = reverse("procurement:outsourcing_create")
    header = {"supplier": sup.pk, "product": frame.pk, "qty": "40", "order_date": DAY.isoformat()}
    got = client.get(url, {"lg": "defaults", "item": "TUBE", **header, "issue_warehouse": rm.pk}).json()
    assert got == {"found": True, "values": {"required": "100", "warehouse": str(rm.pk)}}  # 40 × 2.5 kg
    # not on the BOM: no quantity, the component's own warehouse
    got = client.get(url, {"lg": "defaults", "item": "BOLT", **header}).json()
    assert got == {"found": True, "values": {"warehouse": str(rm.pk)}}


def test_no_material_line_takes_the_bom_and_a_cell_error_saves_nothing(world):
    client, sup, frame, rm, fg, _items = world
    url = reverse("procurement:outsourcing_create")
    bad = client.post(url, _data(sup, frame, fg, [("NOPE", "3", ""), ("TUBE", "1,5", "")]))
    assert bad.status_code == 200 and OutsourcingOrder.objects.count() == 0
    forms = bad.context["formset"].forms
    assert forms[0].errors["component"] == ["Component: there is no NOPE."]
    assert "1,5" in forms[1].errors["required"][0]
    client.post(url, _data(sup, frame, fg, []))
    order = OutsourcingOrder.objects.get()
    assert [(m.component.code, m.required_qty) for m in order.materials.order_by("line_no")] == [
        ("TUBE", D("100")),
        ("PAINT", D("8")),
    ]


def test_edit_while_draft_copy_and_refused_once_confirmed(world):
    client, sup, frame, rm, fg, _items = world
    client.post(reverse("procurement:outsourcing_create"), _data(sup, frame, fg, [("TUBE", "100", rm.pk)]))
    order = OutsourcingOrder.objects.get()
    edit = reverse("procurement:outsourcing_edit", args=[order.pk])
    page = client.get(edit)
    assert page.status_code == 200 and page.context["formset"].initial[0]["required"] == D("100")
    lines = [("TUBE", "125", rm.pk), ("BOLT", "200", rm.pk)]
    assert client.post(edit, _data(sup, frame, fg, lines, qty="50", fee="11")).status_code == 302
    order.refresh_from_db()
    # 50 × 11.00 = 550.00 + 6 % = 583.00
    assert (order.qty, order.total, order.materials.count()) == (D("50"), D("583.00"), 2)
    copy = client.get(reverse("procurement:outsourcing_copy", args=[order.pk]))
    assert [ln["component"].code for ln in copy.context["formset"].initial] == ["TUBE", "BOLT"]

    services.outsourcing_order_confirm(order_id=order.pk)
    response = client.post(edit, _data(sup, frame, fg, [("TUBE", "1", rm.pk)], qty="1", fee="1"), follow=True)
    order.refresh_from_db()
    assert (order.qty, order.total, order.materials.count()) == (D("50"), D("583.00"), 2)
    assert "only a draft can be changed; nothing was changed" in response.content.decode()
