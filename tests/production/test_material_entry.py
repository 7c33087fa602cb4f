"""A planned work order's material list in the line grid (issue 18): it starts from the BOM,
lines are added, removed and changed, each cell validated on the server, the component's BOM
line kept; release keeps the list; refused once released (nothing changed)."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from production.models import WorkOrder
from production.services import work_orders as wos
from tests import factories as f
from tests.bom.helpers import make_bom

pytestmark = pytest.mark.django_db
START = datetime.date(2026, 6, 1)


@pytest.fixture
def world(login):
    client = login("生产", username="lead")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    rm = f.warehouse("RM")
    bike = f.item("BIKE", supply_type="manufacture", default_warehouse=f.warehouse("FG"))
    frame, wheel = f.item("FRAME", default_warehouse=rm), f.item("WHEEL", default_warehouse=rm)
    f.item("BELL", default_warehouse=rm)
    make_bom(bike, [(frame, "1"), (wheel, "2", {"key_part": True})])
    wo = wos.work_order_create(item_id=bike.pk, qty=D("10"), planned_start=START)
    return client, wo, rm


def _data(lines):
    data = {"lines-TOTAL_FORMS": str(len(lines) + 1), "lines-INITIAL_FORMS": "0"}
    for i, (code, required, wh) in enumerate(lines):
        data.update(
            {
                f"lines-{i}-component": code,
                f"lines-{i}-required": required,
                f"lines-{i}-line_type": "component",
                f"lines-{i}-issue_method": "manual",
                f"lines-{i}-warehouse": wh,
            }
        )
    return data


def test_the_grid_starts_from_the_bom_and_saves_three_lines(world):
    client, wo, rm = world
    url = reverse("production:wo_materials", args=[wo.pk])
    page = client.get(url)
    assert [(ln["component"].code, ln["required"]) for ln in page.context["formset"].initial] == [
        ("FRAME", D("10")),
        ("WHEEL", D("20")),
    ]
    got = client.get(url, {"lg": "defaults", "item": "WHEEL"}).json()
    assert got == {
        "found": True,
        "values": {"line_type": "component", "issue_method": "manual", "required": "20", "warehouse": str(rm.pk)},
    }
    response = client.post(url, _data([("FRAME", "10", rm.pk), ("WHEEL", "22", rm.pk), ("BELL", "10", "")]))
    assert response.status_code == 302 and response["Location"] == reverse("production:wo_detail", args=[wo.pk])
    rows = [(m.component.code, m.qty_per, m.required, m.key_part) for m in wo.materials.order_by("line_no")]
    assert rows == [
        ("FRAME", D("1"), D("10"), False),
        ("WHEEL", D("2.2"), D("22"), True),  # the BOM line's key-part flag stays
        ("BELL", D("1"), D("10"), False),
    ]
    wos.work_order_release(work_order_id=wo.pk)
    assert wo.materials.count() == 3  # release keeps the list entered by hand


def test_defaults_without_a_bom_are_the_components_warehouse_and_manual_issue(world, login):
    client, _wo, rm = world
    plain = wos.work_order_create(
        item_id=f.item("STAND", supply_type="manufacture").pk, qty=D("5"), planned_start=START
    )
    got = client.get(reverse("production:wo_materials", args=[plain.pk]), {"lg": "defaults", "item": "BELL"}).json()
    assert got == {
        "found": True,
        "values": {"line_type": "component", "issue_method": "manual", "warehouse": str(rm.pk)},
    }


def test_bad_cells_are_refused_in_place_and_nothing_changes(world):
    client, wo, rm = world
    url = reverse("production:wo_materials", args=[wo.pk])
    response = client.post(url, _data([("BIKE", "1", ""), ("NOPE", "2", ""), ("BELL", "0", "")]))
    assert response.status_code == 200 and wo.materials.count() == 0
    forms = response.context["formset"].forms
    assert forms[0].errors["component"] == ["BIKE is the item the order makes."]
    assert forms[1].errors["component"] == ["Component: there is no NOPE."]
    assert "Required quantity" in forms[2].errors["required"][0]
    live = client.post(url, _data([("BELL", "1.5.", "")]), HTTP_X_LINE_GRID="validate").json()
    assert list(live["errors"]) == ["lines-0-required"] and wo.materials.count() == 0


def test_refused_once_released(world):
    client, wo, rm = world
    wos.work_order_release(work_order_id=wo.pk)
    before = list(wo.materials.values_list("component__code", "required"))
    url = reverse("production:wo_materials", args=[wo.pk])
    response = client.post(url, _data([("BELL", "5", "")]), follow=True)
    assert list(wo.materials.values_list("component__code", "required")) == before
    assert "material list is changed here; nothing was changed" in response.content.decode()
    assert WorkOrder.objects.get(pk=wo.pk).status == "released"


def test_print_view_lists_the_material_list(world):
    client, wo, rm = world
    client.post(reverse("production:wo_materials", args=[wo.pk]), _data([("FRAME", "10", rm.pk), ("BELL", "12", "")]))
    html = client.get(reverse("production:wo_print", args=[wo.pk])).content.decode()
    assert wo.number in html and "FRAME" in html and "BELL" in html and ">12<" in html
