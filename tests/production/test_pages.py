"""Pages: list query counts, detail pages, POST actions through the views, permissions."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from production.models import Picking, WorkOrder
from tests import factories as f

from .helpers import JUNE1, make_wo, mat, on_hand, wh

pytestmark = pytest.mark.django_db


def _orders(n):
    rm = wh()
    for i in range(n):
        make_wo(f"FG{i}", qty=5, lines=[("A", 1, "manual", rm), ("B", 2, "backflush", rm)])


@pytest.mark.parametrize("rows", [5, 50])
def test_tracking_list_query_count_does_not_grow(login, django_assert_max_num_queries, rows):
    _orders(rows)
    client = login("生产")
    with django_assert_max_num_queries(18):
        response = client.get(reverse("production:wo_list"))
    assert response.status_code == 200
    assert response.content.decode().count("/production/wo/") >= min(rows, 25)


def test_pages_render_and_filters(login):
    _orders(2)
    wo = WorkOrder.objects.first()
    client = login("生产")
    for url in (
        reverse("production:wo_detail", args=[wo.pk]),
        reverse("production:timeline"),
        reverse("production:merged_pick"),
        reverse("production:picking_list"),
        reverse("production:receipt_list"),
        reverse("production:wo_list") + "?warning=overdue&status=released",
        reverse("production:wo_list") + "?_export=xlsx",
        reverse("production:wo_create"),
    ):
        assert client.get(url).status_code == 200, url
    html = client.get(reverse("production:timeline")).content.decode()
    assert "<svg" in html and wo.number in html


def test_release_kit_pick_and_receive_through_the_views(login):
    rm = wh()
    fg = f.item("FG", supply_type="manufacture", default_warehouse=wh("FG"))
    client = login("生产")
    response = client.post(
        reverse("production:wo_create"),
        {
            "item": fg.pk,
            "qty": "10",
            "planned_start": "2026-06-01",
            "planned_finish": "2026-06-10",
            "receipt_tolerance_pct": "0",
            "issue_tolerance_pct": "0",
        },
    )
    wo = WorkOrder.objects.get()
    assert response.status_code == 302 and wo.status == "planned"
    client.post(reverse("production:wo_release", args=[wo.pk]))
    from production.services.work_orders import work_order_material_add

    a = f.item("A")
    work_order_material_add(work_order_id=wo.pk, component_id=a.pk, qty_per=D(2), warehouse_id=rm.pk)
    f.stock(a, rm, 12)
    response = client.post(
        reverse("production:wo_kit_pick", args=[wo.pk]), {"target_sets": "", "pick_date": "2026-06-02"}
    )
    picking = Picking.objects.get()
    assert response.status_code == 302 and picking.target_sets == 6
    line = picking.lines.get()
    client.post(reverse("production:picking_confirm", args=[picking.pk]), {f"issue_{line.pk}": "12"})
    assert mat(wo, "A").issued_qty == 12 and on_hand("A", rm) == 0
    response = client.post(
        reverse("production:wo_receive", args=[wo.pk]), {"qty": "6", "receipt_date": "2026-06-05", "warehouse": ""}
    )
    receipt = wo.receipts.get()
    client.post(reverse("production:receipt_confirm", args=[receipt.pk]))
    wo.refresh_from_db()
    assert wo.received_qty == 6 and wo.status == "started"
    # a refused action shows a message and changes nothing
    response = client.post(
        reverse("production:wo_receive", args=[wo.pk]), {"qty": "5", "receipt_date": "2026-06-05"}, follow=True
    )
    assert wo.receipts.count() == 1
    assert "最多还能入库 4" in response.content.decode()


def test_warehouse_role_sees_pickings_not_work_orders(login):
    rm = wh()
    wo = make_wo("FG", qty=1, lines=[("A", 1, "manual", rm)])
    f.stock(f.item("A"), rm, 1)
    from production.services.picking import picking_create_kit

    p = picking_create_kit(work_order_id=wo.pk, pick_date=JUNE1 + datetime.timedelta(days=1))
    client = login("仓库")
    assert client.get(reverse("production:wh_picking_list")).status_code == 200
    assert client.get(reverse("production:wh_receipt_list")).status_code == 200
    assert client.get(reverse("production:picking_detail", args=[p.pk])).status_code == 200
    assert client.get(reverse("production:wo_list")).status_code == 403
    client.post(reverse("production:picking_confirm", args=[p.pk]))
    p.refresh_from_db()
    assert p.status == "confirmed"
    sales = login("销售", username="s1")
    assert sales.get(reverse("production:picking_detail", args=[p.pk])).status_code == 403
    assert sales.post(reverse("production:picking_cancel", args=[p.pk])).status_code == 403
    p.refresh_from_db()
    assert p.status == "confirmed"


def test_role_matrix_for_production_sidebar_entries(login, client):
    from erp.navigation import _registry
    from erp.roles import ROLES, role_permissions

    entries = [
        (m, i.url_name, i.perm)
        for m, items in _registry.items()
        for i in items
        if i.url_name.startswith("production:") and not i.also_module
    ]
    assert len(entries) == 9  # with the warehouse's work orders to pick
    for _module, url_name, _perm in entries:
        response = client.get(reverse(url_name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for role, (modules, _apps, _extra) in ROLES.items():
        c = login(role, username=f"r_{role}")
        perms = role_permissions(role)
        for module, url_name, perm in entries:
            # the merged-picking form needs the permission to propose pickings (the planner lacks it)
            expected = 200 if module in modules and (not perm or perm in perms) else 403
            assert c.get(reverse(url_name)).status_code == expected, (role, url_name)


def test_make_to_order_page_creates_a_pegged_work_order(login):
    from .so import sales_line

    line = sales_line(qty=30, delivered=5)
    client = login("生产")
    html = client.get(reverse("production:sales_lines")).content.decode()
    assert line.order.number in html and ">25<" in html
    response = client.post(reverse("production:wo_from_sales_line", args=[line.pk]))
    wo = WorkOrder.objects.get()
    assert response.status_code == 302 and wo.qty == 25 and wo.sales_order_line_id == line.pk
    assert line.order.number not in client.get(reverse("production:sales_lines")).content.decode()
