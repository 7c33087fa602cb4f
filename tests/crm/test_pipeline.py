"""Leads, opportunities, funnel conversion, follow-ups and the shared pool (公海)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Customer, Lead, Opportunity, StageChange
from crm.selectors import funnel_report, reminders_for
from crm.services.customers import (
    customer_claim,
    customers_return_idle,
    followup_add,
    lead_convert,
    opportunity_move,
)
from erp.errors import StateError, ValidationError
from erp.models import CompanySettings, Notification

from .helpers import customer

D = Decimal


@pytest.mark.django_db
def test_lead_converts_to_customer_and_opportunity_keeping_the_link(make_user):
    rep = make_user("rep", "销售")
    lead = Lead.objects.create(
        company="苏州骑行者贸易", contact_name="王经理", phone="13800000000", owner=rep, tax_id="91320500MA1X2Y3Z4Q"
    )
    opp = lead_convert(lead_id=lead.pk, user=rep, amount="88000", opportunity_name="城市车 200 台")
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.customer == opp.customer and opp.lead == lead
    assert opp.customer.name == "苏州骑行者贸易" and opp.customer.owner == rep
    assert opp.customer.tax_id == "91320500MA1X2Y3Z4Q"  # the 数电 invoice's buyer tax ID
    assert (opp.stage, opp.amount, opp.probability) == ("initial", D("88000.00"), 10)
    # converting twice returns the same opportunity
    assert lead_convert(lead_id=lead.pk, user=rep).pk == opp.pk
    assert Opportunity.objects.count() == 1 and Customer.objects.count() == 1


@pytest.mark.django_db
def test_stage_moves_lost_needs_reason_and_closed_is_final(make_user):
    rep = make_user("rep", "销售")
    cust = customer()
    opp = Opportunity.objects.create(name="x", customer=cust, owner=rep, amount=D("1000"))
    with pytest.raises(ValidationError):
        opportunity_move(opportunity_id=opp.pk, stage="lost", user=rep)
    opp.refresh_from_db()
    assert opp.stage == "initial" and StageChange.objects.count() == 0
    opportunity_move(opportunity_id=opp.pk, stage="proposal", user=rep)
    opportunity_move(opportunity_id=opp.pk, stage="won", user=rep)
    opp.refresh_from_db()
    assert (opp.stage, opp.probability, opp.reached_rank) == ("won", 100, 5)
    with pytest.raises(StateError):
        opportunity_move(opportunity_id=opp.pk, stage="needs", user=rep)
    assert StageChange.objects.filter(opportunity=opp).count() == 2


@pytest.mark.django_db
def test_funnel_counts_amounts_and_conversion(make_user):
    rep = make_user("rep", "销售")
    other = make_user("other", "销售")
    cust = customer()
    # given 10 opportunities of rep: 4 stay at 初步接触, 2 reach 需求确认, 1 方案报价,
    # 1 lost at 商务谈判, 2 won; each worth 1,000.00; plus one of another owner
    plan = ["initial"] * 4 + ["needs"] * 2 + ["proposal"] + ["negotiation>lost"] + ["won"] * 2
    path = ["needs", "proposal", "negotiation", "won"]
    for target in plan:
        opp = Opportunity.objects.create(name=target, customer=cust, owner=rep, amount=D("1000"))
        stop, _sep, end = target.partition(">")
        if stop != "initial":
            for st in path[: path.index(stop) + 1]:
                opportunity_move(opportunity_id=opp.pk, stage=st, user=rep)
        if end:
            opportunity_move(opportunity_id=opp.pk, stage=end, user=rep, lost_reason="价格")
    Opportunity.objects.create(name="other", customer=cust, owner=other, amount=D("5000"))
    report = funnel_report(owner_id=rep.pk, date_from=timezone.localdate())
    rows = [(r["reached"], r["amount"], r["conversion"]) for r in report["rows"]]
    assert rows == [
        (10, D("10000"), None),
        (6, D("6000"), D("60.0")),
        (4, D("4000"), D("66.7")),
        (3, D("3000"), D("75.0")),
        (2, D("2000"), D("66.7")),
    ]
    assert (report["lost"], report["lost_amount"]) == (1, D("1000"))
    assert funnel_report()["total"] == 11
    assert funnel_report(date_to=timezone.localdate() - datetime.timedelta(days=1))["total"] == 0


@pytest.mark.django_db
def test_followup_reminders_and_pool_clock(make_user):
    rep = make_user("rep", "销售")
    cust = customer(owner=rep)
    today = timezone.localdate()
    followup_add(user=rep, customer_id=cust.pk, content="电话沟通交期", next_date=today + datetime.timedelta(days=2))
    followup_add(user=rep, customer_id=cust.pk, content="下月再联系", next_date=today + datetime.timedelta(days=30))
    assert [f.content for f in reminders_for(rep)] == ["电话沟通交期"]
    with pytest.raises(ValidationError):
        followup_add(user=rep, customer_id=cust.pk, content="x", next_date=today - datetime.timedelta(days=1))
    cust.refresh_from_db()
    assert cust.last_followup_at is not None


@pytest.mark.django_db
def test_pool_return_after_n_days_and_claim(make_user):
    rep = make_user("rep", "销售")
    rep2 = make_user("rep2", "销售")
    settings_row = CompanySettings.get()
    settings_row.pool_return_days = 30
    settings_row.save()
    now = timezone.now()
    idle = customer("IDLE", owner=rep)
    fresh = customer("FRESH", owner=rep)
    Customer.objects.filter(pk__in=[idle.pk, fresh.pk]).update(created_at=now - datetime.timedelta(days=90))
    followup_add(user=rep, customer_id=idle.pk, content="old", at=now - datetime.timedelta(days=31))
    followup_add(user=rep, customer_id=fresh.pk, content="recent", at=now - datetime.timedelta(days=29))
    assert customers_return_idle() == [idle.pk]
    idle.refresh_from_db()
    fresh.refresh_from_db()
    assert idle.owner is None and fresh.owner == rep
    assert Notification.objects.get(user=rep).kind == "crm.pool"
    assert customers_return_idle() == []
    # claim from the pool; a second salesperson cannot take it away
    customer_claim(customer_id=idle.pk, user=rep2)
    with pytest.raises(StateError):
        customer_claim(customer_id=idle.pk, user=rep)
    idle.refresh_from_db()
    assert idle.owner == rep2


@pytest.mark.django_db(transaction=True)
def test_return_idle_customers_task_on_real_worker(celery_worker, make_user):
    from crm.tasks import return_idle_customers

    rep = make_user("rep", "销售")
    cust = customer("OLD", owner=rep)
    Customer.objects.filter(pk=cust.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    result = return_idle_customers.delay()
    assert result.get(timeout=30) == 1
    cust.refresh_from_db()
    assert cust.owner is None
