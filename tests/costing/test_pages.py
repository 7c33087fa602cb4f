"""Costing pages: access by role, the close and run actions through the pages, query counts."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from costing.models import CostRun, OrderCost
from erp.models import PeriodStatus
from erp.periods import period_for
from tests import factories as f

from .helpers import issue, receive, run, work_order

pytestmark = pytest.mark.django_db
JAN = datetime.date(2026, 1, 1)


def _orders(n):
    rm = f.warehouse("RM")
    f.stock(f.item("M"), rm, 1000, "2", on_date=JAN)
    for i in range(n):
        wo = work_order(f"P{i}", 10, [("M", 1, "manual", rm)])
        issue(wo, {"M": 10})
        receive(wo, 5)
    return run(JAN)


@pytest.mark.parametrize(
    "name,args",
    [
        ("costing:period_list", []),
        ("costing:product_summary", []),
        ("costing:variance", []),
        ("costing:reconciliation", []),
        ("costing:accrual_balance", []),
        ("costing:pool_list", []),
        ("costing:entries", []),
    ],
)
def test_cost_accountant_opens_the_pages_others_do_not(login, name, args):
    period_for(JAN)
    assert login("成本会计").get(reverse(name, args=args)).status_code == 200
    assert login("销售", username="sales").get(reverse(name, args=args)).status_code == 403


def test_run_detail_queries_do_not_grow_with_orders(login, django_assert_max_num_queries):
    client = login("成本会计")
    small = _orders(5)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("costing:run_detail", args=[small.pk])).status_code == 200
    big = _orders(20)  # same period: a second run with 25 orders
    with django_assert_max_num_queries(25):
        resp = client.get(reverse("costing:run_detail", args=[big.pk]))
    assert (
        resp.status_code == 200 and resp.content.count(b'class="table table-sm table-bordered small cost-sheet"') == 25
    )
    xlsx = client.get(reverse("costing:run_detail", args=[big.pk]) + "?_export=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    # the reports with data
    q = f"?period={big.period_id}"
    for name in ("costing:variance", "costing:reconciliation", "costing:product_summary", "costing:accrual_balance"):
        assert client.get(reverse(name) + q).status_code == 200
        assert client.get(reverse(name) + q + "&_export=xlsx")["Content-Type"].startswith("application/vnd")
    page = client.get(reverse("costing:variance") + q).content.decode()
    assert 'data-item="P0"' in page
    assert client.get(reverse("costing:item_costs", args=[big.pk])).status_code == 200


def test_close_through_the_page_needs_acknowledgement_and_reopen_needs_admin(login):
    from procurement import services as proc
    from tests.procurement.helpers import confirmed_po

    _orders(1)
    po = confirmed_po(f.supplier("S1"), f.item("BOLT"), 10, "2", wh=f.warehouse("RM"))
    proc.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D(5))], receipt_date=JAN)
    p = period_for(JAN)
    client = login("成本会计")
    url = reverse("costing:period_close", args=[p.pk])
    resp = client.post(url, follow=True)
    assert "请处理或确认" in resp.content.decode()
    p.refresh_from_db()
    assert p.status == PeriodStatus.OPEN
    client.post(url, {"acknowledge": "1"})
    p.refresh_from_db()
    assert p.status == PeriodStatus.CLOSED
    resp = client.post(reverse("costing:period_reopen", args=[p.pk]), {"reason": "x"}, follow=True)
    p.refresh_from_db()
    assert p.status == PeriodStatus.CLOSED and "只有管理员可以反结账" in resp.content.decode()
    admin = login("管理员", username="boss")
    admin.post(reverse("costing:period_reopen", args=[p.pk]), {"reason": "late invoice"})
    p.refresh_from_db()
    assert (p.status, p.reason) == ("open", "late invoice")


def test_cost_run_command_exports_cost_sheets_and_refuses_a_closed_period(tmp_path):
    from django.core.management import CommandError, call_command

    _orders(2)
    out = tmp_path / "sheets.csv"
    call_command("cost_run", "--period", "2026-01", "--export", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "order_no,item_code,element,opening_wip,this_period,fg,closing_wip"
    assert len(lines) == 1 + OrderCost.objects.filter(run=CostRun.objects.latest("pk")).count()
    p = period_for(JAN)
    p.status = PeriodStatus.CLOSED
    p.save()
    with pytest.raises(CommandError, match="closed"):
        call_command("cost_run", "--period", "2026-01")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("cost_run", "--period", "2026-13")


def test_period_close_command_refuses_open_points_unless_acknowledged():
    from django.core.management import CommandError, call_command

    from procurement import services as proc
    from tests.procurement.helpers import confirmed_po

    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 10, "2", wh=wh)
    proc.purchase_receipt_post(
        order_id=po.pk, lines=[(po.lines.get().pk, D(5))], receipt_date=datetime.date(2026, 1, 9)
    )
    with pytest.raises(CommandError, match="Receipts without invoice"):
        call_command("period_close", "--period", "2026-01")
    assert period_for(JAN).status == PeriodStatus.OPEN
    call_command("period_close", "--period", "2026-01", "--acknowledge")
    assert period_for(JAN).status == PeriodStatus.CLOSED
