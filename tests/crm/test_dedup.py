"""Lead de-duplication (issue 19): normalisation, matching leads and customers, merge keeps the
follow-ups, keep both needs a reason, link to a customer, the duplicates report."""

import datetime

import pytest
from django.utils import timezone

from crm.models import CampaignTouch, Customer, DuplicateDecision, FollowUp, Lead
from crm.services import dedup, marketing
from crm.services.customers import followup_add, lead_convert
from erp.errors import StateError, ValidationError

pytestmark = pytest.mark.django_db


def test_normalisation():
    assert dedup.norm_company("上海天工机械有限公司") == dedup.norm_company("上海天工机械有限责任公司 ")
    assert dedup.norm_company("上海天工机械有限公司") == "上海天工机械有限公司"
    assert dedup.norm_company("上海 天工机械（股份）有限公司") == "上海天工机械有限公司"
    assert dedup.norm_company("上海天工机械股份有限公司") == "上海天工机械有限公司"
    assert dedup.norm_company("ＴＧ　Ｍａｃｈｉｎｅｒｙ Co") == "tgmachineryco"
    assert dedup.norm_phone("１３８００１３８０００") == "13800138000"
    assert dedup.norm_phone("+86 138-0013-8000") == "13800138000"
    assert dedup.norm_phone("021-5555 0001") == "02155550001"
    assert dedup.norm_phone("12345") == ""
    assert dedup.norm_email(" Wang@TianGong.CN ") == "wang@tiangong.cn"
    assert dedup.norm_email("n/a") == ""
    assert dedup.norm_tax_id("91310000 ma1k-000011") == "91310000MA1K000011"
    assert dedup.norm_tax_id("１２３") == ""


def test_matches_leads_and_customers_on_every_key():
    lead = Lead.objects.create(company="上海天工机械有限公司", phone="13800138000")
    cust = Customer.objects.create(code="C9", name="天工精密", tax_id="91310000MA1K000011", email="buy@tg.cn")
    Lead.objects.create(company="无关公司", phone="13900000000")

    found = dedup.find_matches(company="上海天工机械有限责任公司 ", phone="")
    assert [(m.record.kind, m.record.pk, m.matched_on) for m in found] == [("lead", lead.pk, ["company"])]
    found = dedup.find_matches(company="另一家", phone="１３８００１３８０００")
    assert [(m.record.kind, m.record.pk, m.matched_on) for m in found] == [("lead", lead.pk, ["phone"])]
    found = dedup.find_matches(company="别名", email="BUY@tg.cn", tax_id="91310000ma1k000011")
    assert [(m.record.kind, m.record.pk, m.matched_on) for m in found] == [("customer", cust.pk, ["email", "tax_id"])]
    assert dedup.find_matches(company="完全不同", phone="13700000000") == []


def _followups(lead, user, n):
    for i in range(n):
        followup_add(lead_id=lead.pk, user=user, content=f"跟进 {lead.pk}-{i}", method="phone")


def test_merge_keeps_every_followup_touch_and_fills_fields(make_user):
    rep, other = make_user("rep", "销售"), make_user("rep2", "销售")
    c = marketing.campaign_create(
        name="展会", channel="trade_fair", start_date=timezone.localdate(), end_date=timezone.localdate(), user=rep
    )
    kept = Lead.objects.create(company="上海天工机械有限公司", phone="13800138000", owner=None)
    dup = marketing.campaign_lead_create(
        campaign_id=c.pk,
        company="上海天工机械有限责任公司 ",
        phone="１３８００１３８０００",
        email="wang@tg.cn",
        contact_name="王经理",
        owner=other,
        user=rep,
    )
    _followups(kept, rep, 2)
    _followups(dup, other, 3)

    result = dedup.lead_merge(lead_id=dup.pk, into_id=kept.pk, user=rep, reason="同一家")

    dup.refresh_from_db()
    assert result.pk == kept.pk
    assert FollowUp.objects.filter(lead=kept).count() == 5
    assert FollowUp.objects.filter(lead=dup).count() == 0
    assert (dup.merged_into_id, dup.status) == (kept.pk, "discarded")
    kept.refresh_from_db()
    # owner rule: the kept lead had none, it takes the duplicate's owner; blank fields filled
    assert (kept.owner, kept.email, kept.contact_name, kept.phone) == (other, "wang@tg.cn", "王经理", "13800138000")
    touch = CampaignTouch.objects.get()
    assert (touch.campaign_id, touch.lead_id) == (c.pk, kept.pk)
    decision = DuplicateDecision.objects.get()
    assert (decision.decision, decision.matched_on, decision.reason) == ("merged", "phone,company", "同一家")
    assert kept.history.count() == 2 and dup.history.count() == 2
    # again: nothing changes
    dedup.lead_merge(lead_id=dup.pk, into_id=kept.pk, user=rep)
    assert DuplicateDecision.objects.count() == 1 and CampaignTouch.objects.count() == 1


def test_merge_keeps_the_kept_owner_and_refuses_two_customers(make_user):
    rep, other = make_user("rep", "销售"), make_user("rep2", "销售")
    a = Lead.objects.create(company="甲公司", phone="13800000001", owner=rep)
    b = Lead.objects.create(company="甲公司", phone="13800000001", owner=other)
    lead_convert(lead_id=a.pk, user=rep)
    lead_convert(lead_id=b.pk, user=other)
    _followups(b, other, 1)
    with pytest.raises(StateError):
        dedup.lead_merge(lead_id=b.pk, into_id=a.pk, user=rep)
    b.refresh_from_db()
    assert (b.merged_into_id, b.status, FollowUp.objects.filter(lead=b).count()) == (None, "converted", 1)
    assert DuplicateDecision.objects.count() == 0
    c = Lead.objects.create(company="甲公司", owner=other)
    dedup.lead_merge(lead_id=c.pk, into_id=a.pk, user=rep)
    a.refresh_from_db()
    assert a.owner == rep
    with pytest.raises(ValidationError):
        dedup.lead_merge(lead_id=a.pk, into_id=a.pk, user=rep)


def test_keep_both_needs_a_reason_and_leaves_the_report(make_user):
    rep = make_user("rep", "销售")
    a = Lead.objects.create(company="上海天工机械有限公司")
    b = Lead.objects.create(company="上海天工机械有限责任公司")
    cust = Customer.objects.create(code="C1", name="上海天工机械(股份)有限公司")
    pairs = dedup.duplicates_report()
    assert [(p.lead.pk, p.other.kind, p.other.pk, p.matched_on) for p in pairs] == [
        (a.pk, "customer", cust.pk, ["company"]),
        (a.pk, "lead", b.pk, ["company"]),
    ]
    with pytest.raises(ValidationError):
        dedup.lead_keep_both(lead_id=b.pk, other_lead_id=a.pk, reason="  ", user=rep)
    assert DuplicateDecision.objects.count() == 0
    dedup.lead_keep_both(lead_id=b.pk, other_lead_id=a.pk, reason="集团下两个工厂", user=rep)
    assert [(p.lead.pk, p.other.pk) for p in dedup.duplicates_report()] == [(a.pk, cust.pk)]
    dedup.lead_link_customer(lead_id=a.pk, customer_id=cust.pk, user=rep)
    a.refresh_from_db()
    assert a.customer_id == cust.pk
    assert dedup.duplicates_report() == []


def test_linked_lead_brings_its_campaign_to_the_customer(make_user):
    from crm import selectors_marketing as sel

    from .helpers import bike
    from .test_marketing import _won_order

    rep = make_user("rep", "销售")
    cust = Customer.objects.create(code="C1", name="杭州绿道单车租赁有限公司", owner=rep)
    c = marketing.campaign_create(
        name="展会",
        channel="trade_fair",
        start_date=timezone.localdate() - datetime.timedelta(days=3),
        end_date=timezone.localdate(),
        user=rep,
    )
    lead = marketing.campaign_lead_create(campaign_id=c.pk, company="杭州绿道单车租赁有限责任公司", user=rep)
    assert [(m.record.kind, m.record.pk) for m in dedup.lead_matches(lead)] == [("customer", cust.pk)]
    dedup.lead_link_customer(lead_id=lead.pk, customer_id=cust.pk, user=rep)
    assert dedup.lead_matches(lead) == []
    _won_order(cust.pk, "5000", bike(), rep)
    row = sel.campaign_rows()[0]
    assert (row.leads, row.qualified, row.wins, str(row.revenue)) == (1, 1, 1, "5000.00")


def test_sales_lead_form_sends_a_duplicate_to_its_dedup_page(login, make_user):
    from django.urls import reverse

    client = login("销售", username="rep_form")
    first = Lead.objects.create(company="上海天工机械有限公司", owner=client.user)
    resp = client.post(reverse("crm:lead_create"), {"company": "上海天工机械有限责任公司", "phone": "13800138000"})
    new = Lead.objects.exclude(pk=first.pk).get()
    assert resp.status_code == 302 and resp.url == reverse("crm:lead_dedup", args=[new.pk])
    page = client.get(resp.url).content.decode()
    assert f'action="/crm/leads/{new.pk}/merge/"' in page and f'name="into" value="{first.pk}"' in page
    resp = client.post(reverse("crm:lead_create"), {"company": "完全不同的公司"})
    other = Lead.objects.get(company="完全不同的公司")
    assert resp.url == reverse("crm:lead_detail", args=[other.pk])
    # merging through the page: the newer lead goes into the older one
    resp = client.post(reverse("crm:lead_merge", args=[new.pk]), {"into": str(first.pk)})
    new.refresh_from_db()
    assert resp.status_code == 302 and new.merged_into_id == first.pk
    # a lead of another salesperson is not found: 404, nothing merged
    foreign = Lead.objects.create(company="上海天工机械有限公司", owner=make_user("someone", "销售"))
    resp = client.post(reverse("crm:lead_merge", args=[foreign.pk]), {"into": str(first.pk)})
    foreign.refresh_from_db()
    assert resp.status_code == 404 and foreign.merged_into_id is None
