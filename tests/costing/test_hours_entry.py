"""报工 from the work order: the shop-floor lead reports hours; others are refused."""

from decimal import Decimal

import pytest

from costing.models import CostCentre, WorkHours
from tests import factories
from tests.production.helpers import make_wo


@pytest.fixture
def released_order():
    return make_wo("HRS-FG", 10, lines=[("HRS-A", 2, "manual", factories.warehouse("RM"))])


def test_shop_floor_lead_reports_hours_from_the_work_order(login, released_order):
    centre = CostCentre.objects.create(code="CC1", name="装配")
    client = login("生产")
    detail = client.get(f"/production/wo/{released_order.pk}/")
    assert f"/costing/hours/entry/?wo={released_order.number}" in detail.content.decode()
    page = client.get(f"/costing/hours/entry/?wo={released_order.number}")
    assert page.status_code == 200
    back = f"/costing/hours/entry/?wo={released_order.number}"
    response = client.post(
        "/costing/hours/",
        {
            "h-work_order": released_order.number,
            "h-cost_centre": centre.pk,
            "h-work_date": "2026-12-01",
            "h-actual_hours": "7.5",
            "h-standard_hours": "8",
            "next": back,
        },
    )
    assert response.status_code == 302 and response["Location"] == back
    h = WorkHours.objects.get()
    assert (h.work_order_id, h.actual_hours, h.standard_hours) == (released_order.pk, Decimal("7.5"), Decimal("8"))
    assert "7.5" in client.get(back).content.decode()


def test_bad_hours_are_refused_and_other_roles_cannot_report(login, released_order):
    centre = CostCentre.objects.create(code="CC1", name="装配")
    client = login("生产")
    client.post(
        "/costing/hours/",
        {"h-work_order": released_order.number, "h-cost_centre": centre.pk, "h-work_date": "2026-12-01",
         "h-actual_hours": "1,5"},
    )  # fmt: skip
    assert WorkHours.objects.count() == 0
    assert client.get("/costing/hours/entry/?wo=NOPE").status_code == 404
    sales = login("销售", username="s_hours")  # the same test client, now a salesperson
    assert sales.get(f"/costing/hours/entry/?wo={released_order.number}").status_code == 403
    assert sales.get("/costing/hours/entry/?wo=NOPE").status_code == 403
