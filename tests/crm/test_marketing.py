"""Campaigns, attribution and ROI (issue 19): exact figures, first vs last touch, import all or
nothing, pages and permissions of the marketing role, query counts."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm import selectors_marketing as sel
from crm.models import Campaign, CampaignCost, CampaignTouch, Lead, Opportunity
from crm.services import dedup, marketing
from crm.services.customers import lead_convert, opportunity_move
from crm.services.orders import LineInput, order_confirm, order_create
from erp.errors import StateError, ValidationError
from erp.exchange import ImportFailed
from erp.exchange.engine import Row

from .helpers import bike

D = Decimal
pytestmark = pytest.mark.django_db


def _campaign(name="2026 上海自行车展", channel="trade_fair", cost="10000.00", user=None, **kw):
    today = timezone.localdate()
    c = marketing.campaign_create(
        name=name,
        channel=channel,
        start_date=kw.pop("start", today - datetime.timedelta(days=30)),
        end_date=kw.pop("end", today + datetime.timedelta(days=30)),
        budget=D("12000.00"),
        user=user,
    )
    if cost:
        marketing.campaign_cost_add(campaign_id=c.pk, date=today, description="展位费", amount=D(cost), user=user)
    return c


def _won_order(customer_id, amount, item, user=None, order_date=None):
    """A confirmed order of `amount` excl. tax (qty 10 × amount/10)."""
    day = order_date or timezone.localdate()
    so = order_create(
        customer_id=customer_id,
        lines=[LineInput(item.pk, D("10"), D(amount) / 10, day + datetime.timedelta(days=30))],
        user=user,
        order_date=day,
    )
    order_confirm(order_id=so.pk, user=user, today=day)
    return so


def _leads(campaign, n, prefix="公司"):
    return [
        marketing.campaign_lead_create(
            campaign_id=campaign.pk, company=f"{prefix}{i:03d}", phone=f"1390000{i:04d}", user=None
        )
        for i in range(n)
    ]


def test_campaign_roi_exact_figures(make_user):
    """Cost 10,000.00, 40 leads, 10 opportunities, 3 won orders worth 45,000.00:
    cost per lead 250.00, cost per win 3,333.33, ROI 350.00 %."""
    rep = make_user("rep", "销售")
    item = bike()
    c = _campaign(user=rep)
    leads = _leads(c, 40)
    opps = [lead_convert(lead_id=ld.pk, user=rep, amount=D("15000")) for ld in leads[:10]]
    for opp in opps[:3]:
        opportunity_move(opportunity_id=opp.pk, stage="won", user=rep)
        _won_order(opp.customer_id, "15000", item, rep)
    # a draft order and a cancelled one bring nothing
    order_create(
        customer_id=opps[3].customer_id,
        lines=[LineInput(item.pk, D("1"), D("999"), timezone.localdate() + datetime.timedelta(days=5))],
        user=rep,
    )

    row = sel.campaign_rows(campaigns=Campaign.objects.filter(pk=c.pk))[0]

    assert (row.cost, row.leads, row.qualified, row.opportunities) == (D("10000.00"), 40, 10, 10)
    assert (row.won_opportunities, row.wins, row.revenue) == (3, 3, D("45000.00"))
    assert row.cost_per_lead == D("250.00")
    assert row.cost_per_win == D("3333.33")
    assert row.roi == D("350.00")
    assert Opportunity.objects.filter(campaign=c).count() == 10
    assert set(Opportunity.objects.filter(campaign=c).values_list("source", flat=True)) == {"trade_fair"}


def test_figures_without_cost_leads_or_wins():
    f = marketing.Figures(cost=D("0"), leads=0, wins=0, revenue=D("100"))
    assert (f.cost_per_lead, f.cost_per_win, f.roi) == (None, None, None)
    f = marketing.Figures(cost=D("300.00"), leads=7, wins=0, revenue=D("0"))
    assert (f.cost_per_lead, f.cost_per_win, f.roi) == (D("42.86"), None, D("-100.00"))


def test_first_and_last_touch_on_a_customer_touched_by_two_campaigns(make_user):
    rep = make_user("rep", "销售")
    item = bike()
    fair = _campaign("展会", user=rep)
    wechat = _campaign("微信推送", channel="wechat", cost="2000.00", user=rep)
    lead = marketing.campaign_lead_create(campaign_id=fair.pk, company="上海天工机械有限公司", user=rep)
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - datetime.timedelta(days=20))
    opp = lead_convert(lead_id=lead.pk, user=rep)
    marketing.customer_touch_add(
        campaign_id=wechat.pk,
        customer_id=opp.customer_id,
        user=rep,
        at=timezone.now() - datetime.timedelta(days=5),
    )
    _won_order(opp.customer_id, "20000", item, rep)

    first = {r.campaign.pk: r for r in sel.campaign_rows()}
    last = {r.campaign.pk: r for r in sel.campaign_rows(model="last")}

    assert (first[fair.pk].wins, first[fair.pk].revenue) == (1, D("20000.00"))
    assert (first[wechat.pk].wins, first[wechat.pk].revenue) == (0, D("0"))
    assert (last[fair.pk].wins, last[fair.pk].revenue) == (0, D("0"))
    assert (last[wechat.pk].wins, last[wechat.pk].revenue) == (1, D("20000.00"))
    assert last[wechat.pk].roi == D("900.00")  # (20,000 − 2,000) / 2,000
    # a touch after the order date does not count for that order
    CampaignTouch.objects.filter(campaign=wechat).update(touched_at=timezone.now() + datetime.timedelta(days=3))
    last = {r.campaign.pk: r for r in sel.campaign_rows(model="last")}
    assert (last[fair.pk].wins, last[wechat.pk].wins) == (1, 0)


def test_merged_duplicate_lead_becomes_a_touch_for_last_touch(make_user):
    rep = make_user("rep", "销售")
    item = bike()
    fair = _campaign("展会", user=rep)
    ads = _campaign("百度推广", channel="online_ads", cost="5000.00", user=rep)
    first = marketing.campaign_lead_create(
        campaign_id=fair.pk, company="上海天工机械有限公司", phone="13800138000", user=rep
    )
    Lead.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    opp = lead_convert(lead_id=first.pk, user=rep)
    again = marketing.campaign_lead_create(
        campaign_id=ads.pk, company="上海天工机械有限责任公司 ", phone="１３８００１３８０００", user=None
    )
    dedup.lead_merge(lead_id=again.pk, into_id=first.pk, user=rep)
    _won_order(opp.customer_id, "8000", item, rep)

    rows = {r.campaign.pk: r for r in sel.campaign_rows(model="last")}
    assert (rows[ads.pk].leads, rows[ads.pk].wins, rows[ads.pk].revenue) == (0, 1, D("8000.00"))
    rows = {r.campaign.pk: r for r in sel.campaign_rows()}
    assert (rows[fair.pk].leads, rows[fair.pk].wins, rows[fair.pk].revenue) == (1, 1, D("8000.00"))


def test_period_and_channel_comparison(make_user):
    rep = make_user("rep", "销售")
    today = timezone.localdate()
    old = _campaign("去年展会", start=today.replace(year=today.year - 1), end=today.replace(year=today.year - 1))
    fair = _campaign("展会", cost="3000.00")
    ads = _campaign("广告", channel="online_ads", cost="1000.00")
    _leads(fair, 4, "F")
    _leads(ads, 2, "A")
    rows = sel.campaign_rows(date_from=today.replace(month=1, day=1), date_to=today.replace(month=12, day=31))
    assert [r.campaign.pk for r in rows] == [fair.pk, ads.pk]
    assert old.pk not in {r.campaign.pk for r in rows}
    channels = {r.label: r for r in sel.channel_rows(rows)}
    assert (channels["Trade fair"].cost, channels["Trade fair"].leads) == (D("3000.00"), 4)
    assert (channels["Online ads"].cost, channels["Online ads"].leads) == (D("1000.00"), 2)
    total = sel.totals(rows, "Total")
    assert (total.cost, total.leads, total.cost_per_lead) == (D("4000.00"), 6, D("666.67"))
    assert rep


def test_campaign_services_refuse_bad_input():
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        marketing.campaign_create(
            name="x", channel="trade_fair", start_date=today, end_date=today - datetime.timedelta(days=1), user=None
        )
    with pytest.raises(ValidationError):
        marketing.campaign_create(name="x", channel="radio", start_date=today, end_date=today, user=None)
    c = _campaign(cost=None)
    with pytest.raises(ValidationError):
        marketing.campaign_cost_add(campaign_id=c.pk, date=today, description="x", amount=D("0"), user=None)
    marketing.campaign_set_status(campaign_id=c.pk, status="active", user=None)
    marketing.campaign_set_status(campaign_id=c.pk, status="done", user=None)
    with pytest.raises(StateError):
        marketing.campaign_set_status(campaign_id=c.pk, status="planned", user=None)
    assert Campaign.objects.count() == 1 and CampaignCost.objects.count() == 0
    assert Campaign.objects.get().status == "done"


def _rows(*dicts):
    out = []
    for i, d in enumerate(dicts, start=2):
        r = Row(d)
        r.line = i
        out.append(r)
    return out


def test_import_is_all_or_nothing_with_row_errors():
    c = _campaign(cost=None)
    rows = _rows(
        {"company": "宁波海港自行车贸易", "phone": "13900000001", "email": "a@x.cn"},
        {"company": "", "phone": "13900000002"},
        {"company": "无锡校园服务中心", "email": "not-an-email"},
        {"company": "苏州车行", "phone": "139 0000 0001"},
    )
    with pytest.raises(ImportFailed) as exc:
        marketing.campaign_leads_import(campaign_id=c.pk, rows=rows, user=None)
    errors = exc.value.errors
    assert len(errors) == 3
    assert errors[0] == "campaign leads line 3: company is required"
    assert "line 4: email 'not-an-email' is not an e-mail address" in errors[1]
    assert "line 5: phone '139 0000 0001' appears on line 2 already" in errors[2]
    assert Lead.objects.count() == 0

    result = marketing.campaign_leads_import(
        campaign_id=c.pk, rows=_rows(*[rows[0], rows[3] | {"phone": ""}]), user=None
    )
    assert (result.created, result.duplicates) == (2, 0)
    assert set(Lead.objects.values_list("campaign_id", "source")) == {(c.pk, "trade_fair")}
    # the same list again: imported, and every row is reported as a possible duplicate
    result = marketing.campaign_leads_import(campaign_id=c.pk, rows=_rows(rows[0]), user=None)
    assert (result.created, result.duplicates) == (1, 1)


# --------------------------------------------------------------------------- pages
def _xlsx(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["company", "contact_name", "phone", "email"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("名片.xlsx", buf.getvalue())


def test_marketing_role_runs_a_campaign_through_the_pages(login):
    client = login("市场", username="marketing_u")
    today = timezone.localdate()
    resp = client.post(
        reverse("crm:campaign_create"),
        {
            "name": "2026 春季展",
            "channel": "trade_fair",
            "start_date": today.isoformat(),
            "end_date": (today + datetime.timedelta(days=3)).isoformat(),
            "budget": "12,000.00",
            "owner": client.user.pk,
        },
    )
    c = Campaign.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("crm:campaign_detail", args=[c.pk])
    assert (c.budget, c.owner, c.number[:3]) == (D("12000.00"), client.user, "MC-")
    resp = client.post(
        reverse("crm:campaign_cost_add", args=[c.pk]),
        {"date": today.isoformat(), "description": "展位", "amount": "10,000.00"},
    )
    assert resp.status_code == 302 and c.costs.get().amount == D("10000.00")
    # a bad amount is refused, nothing written
    client.post(
        reverse("crm:campaign_cost_add", args=[c.pk]), {"date": today.isoformat(), "description": "x", "amount": "1,5"}
    )
    assert c.costs.count() == 1

    bad = _xlsx([["甲公司", "张", "13900000001", ""], ["", "李", "13900000002", ""]])
    resp = client.post(reverse("crm:campaign_leads_import", args=[c.pk]), {"file": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200
    assert "名片.xlsx line 3: company is required" in resp.content.decode()
    assert Lead.objects.count() == 0
    good = _xlsx([["甲公司", "张", "13900000001", ""], ["乙公司", "李", "13900000002", "li@yi.cn"]])
    resp = client.post(reverse("crm:campaign_leads_import", args=[c.pk]), {"file": good})
    assert resp.status_code == 302
    assert Lead.objects.filter(campaign=c).count() == 2

    resp = client.get(reverse("crm:campaign_detail", args=[c.pk]))
    body = resp.content.decode()
    assert resp.status_code == 200 and 'id="roi-cpl">5,000.00<' in body
    assert client.get(reverse("crm:campaign_list")).status_code == 200
    assert client.get(reverse("crm:campaign_report")).status_code == 200
    resp = client.get(reverse("crm:campaign_report_xlsx"))
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).worksheets[0]
    values = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert values[1][0] == str(c) and values[1][3] == 10000 and values[1][4] == 2 and values[1][10] == 5000
    assert client.get(reverse("crm:lead_duplicates")).status_code == 200
    # marketing does not sell
    assert client.get(reverse("crm:customer_list")).status_code == 403
    assert client.get(reverse("crm:service_report")).status_code == 403


def test_campaign_lead_form_offers_merge_or_keep_both(login):
    client = login("市场", username="marketing_u")
    c = _campaign(cost=None)
    existing = marketing.campaign_lead_create(
        campaign_id=c.pk, company="上海天工机械有限公司", phone="13800138000", user=None
    )
    url = reverse("crm:campaign_lead_create", args=[c.pk])
    data = {"company": "上海天工机械有限责任公司 ", "phone": "１３８００１３８０００", "contact_name": "王"}
    resp = client.post(url, data)
    assert resp.status_code == 200 and 'id="dedup-choices"' in resp.content.decode()
    assert Lead.objects.count() == 1
    # keep both needs a reason
    resp = client.post(url, data | {"decision": "keep", "reason": ""})
    assert resp.status_code == 200 and Lead.objects.count() == 1
    resp = client.post(url, data | {"decision": f"merge:{existing.pk}"})
    assert resp.status_code == 302
    dup = Lead.objects.exclude(pk=existing.pk).get()
    assert dup.merged_into_id == existing.pk and dup.status == "discarded"
    existing.refresh_from_db()
    assert existing.contact_name == "王"


@pytest.mark.parametrize("n", [5, 50])
def test_report_and_duplicates_pages_constant_queries(n, login, django_assert_max_num_queries):
    client = login("市场", username="marketing_u")
    for i in range(n):
        c = _campaign(f"活动{i}", cost="100.00")
        marketing.campaign_lead_create(campaign_id=c.pk, company=f"重复公司{i % 3}", phone="13800000000", user=None)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("crm:campaign_report")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("crm:lead_duplicates")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("crm:campaign_list")).status_code == 200


def test_demo_campaigns_show_roi_and_seed_is_idempotent():
    from crm import demo as crm_demo
    from erp import demo as erp_demo
    from inventory import demo as inventory_demo

    for _ in range(2):
        for mod in (erp_demo, inventory_demo, crm_demo):
            mod.seed(io.StringIO())
    first = {r.channel: r for r in sel.campaign_rows()}
    last = {r.channel: r for r in sel.campaign_rows(model="last")}
    fair, ads, wechat = first["Trade fair"], first["Online ads"], first["WeChat"]
    assert (fair.cost, fair.leads, fair.opportunities, fair.wins, fair.revenue) == (
        D("30000.00"),
        12,
        4,
        2,
        D("59000.00"),
    )
    assert (fair.cost_per_lead, fair.cost_per_win, fair.roi) == (D("2500.00"), D("15000.00"), D("96.67"))
    assert (ads.cost_per_lead, ads.cost_per_win, ads.roi) == (D("1333.33"), D("8000.00"), D("47.50"))
    assert (wechat.leads, wechat.wins, wechat.cost_per_lead) == (6, 0, D("500.00"))
    assert (last["WeChat"].wins, last["WeChat"].revenue, last["Trade fair"].revenue) == (
        1,
        D("35400.00"),
        D("23600.00"),
    )
    assert len(dedup.duplicates_report()) == 1
