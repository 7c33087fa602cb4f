"""Service escalation (issue 19): SLA due times per priority, escalation of overdue tickets to
the assignee's team manager once (real Celery worker), satisfaction on close, service report."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import selectors_marketing as sel
from crm.models import SalesTeam, ServiceTicket
from crm.services.tickets import ticket_create, ticket_set_status, tickets_escalate
from erp.errors import ValidationError
from erp.models import Notification

from .helpers import customer


def _team(make_user):
    boss = make_user("boss", "销售")
    rep = make_user("rep", "销售")
    team = SalesTeam.objects.create(name="华东", manager=boss)
    team.members.add(rep, boss)
    return boss, rep


def _overdue(cust, rep, priority="high", hours=1):
    t = ticket_create(customer_id=cust.pk, subject="刹车异响", due_at=None, priority=priority, user=rep)
    ServiceTicket.objects.filter(pk=t.pk).update(due_at=timezone.now() - datetime.timedelta(hours=hours))
    return t


@pytest.mark.django_db
def test_sla_due_time_per_priority(make_user):
    rep = make_user("rep", "销售")
    cust = customer(owner=rep)
    before = timezone.now()
    high = ticket_create(customer_id=cust.pk, subject="a", due_at=None, priority="high", user=rep)
    low = ticket_create(customer_id=cust.pk, subject="b", due_at=None, priority="low", user=rep)
    normal = ticket_create(customer_id=cust.pk, subject="c", due_at=None, user=rep)
    after = timezone.now()
    for t, hours in ((high, 4), (normal, 24), (low, 72)):
        assert before + datetime.timedelta(hours=hours) <= t.due_at <= after + datetime.timedelta(hours=hours)
    given = timezone.now() + datetime.timedelta(days=9)
    assert ticket_create(customer_id=cust.pk, subject="d", due_at=given, priority="high", user=rep).due_at == given


@pytest.mark.django_db(transaction=True)
def test_overdue_high_priority_ticket_notifies_the_manager_once_on_a_real_worker(celery_worker, make_user):
    from crm.tasks import escalate_overdue_tickets

    boss, rep = _team(make_user)
    cust = customer(owner=rep)
    late = _overdue(cust, rep)
    on_time = ticket_create(customer_id=cust.pk, subject="咨询", due_at=None, priority="high", user=rep)

    assert escalate_overdue_tickets.delay().get(timeout=30) == 1
    assert escalate_overdue_tickets.delay().get(timeout=30) == 0

    notes = Notification.objects.filter(kind="crm.ticket_escalation")
    assert [(n.user_id, n.url) for n in notes] == [(boss.pk, f"/crm/tickets/{late.pk}/")]
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert (late.escalated_to_id, late.escalated_at is not None) == (boss.pk, True)
    assert (on_time.escalated_to_id, on_time.escalated_at) == (None, None)


@pytest.mark.django_db
def test_escalation_skips_closed_tickets_and_users_without_manager(make_user):
    boss, rep = _team(make_user)
    loner = make_user("loner", "销售")
    cust = customer(owner=rep)
    closed = _overdue(cust, rep)
    ticket_set_status(ticket_id=closed.pk, status="closed", user=rep)
    nobody = ticket_create(customer_id=cust.pk, subject="x", due_at=None, priority="low", user=loner)
    ServiceTicket.objects.filter(pk=nobody.pk).update(due_at=timezone.now() - datetime.timedelta(hours=2))
    unassigned = _overdue(cust, rep)
    ServiceTicket.objects.filter(pk=unassigned.pk).update(assigned_to=None)  # the customer's owner: rep

    assert tickets_escalate() == [unassigned.pk]
    assert Notification.objects.filter(kind="crm.ticket_escalation").count() == 1
    nobody.refresh_from_db()
    assert nobody.escalated_at is None


@pytest.mark.django_db
def test_satisfaction_on_close_and_service_report(make_user, login):
    boss, rep = _team(make_user)
    cust = customer(owner=rep)
    t1 = ticket_create(customer_id=cust.pk, subject="a", due_at=None, priority="high", user=rep)
    t2 = ticket_create(customer_id=cust.pk, subject="b", due_at=None, priority="normal", user=rep)
    _overdue(cust, rep)
    with pytest.raises(ValidationError):
        ticket_set_status(ticket_id=t1.pk, status="closed", user=rep, satisfaction=6)
    with pytest.raises(ValidationError):
        ticket_set_status(ticket_id=t1.pk, status="in_progress", user=rep, satisfaction=4)
    t1.refresh_from_db()
    assert (t1.status, t1.satisfaction) == ("open", None)
    ticket_set_status(ticket_id=t1.pk, status="closed", user=rep, satisfaction=5)
    ticket_set_status(ticket_id=t2.pk, status="closed", user=rep, satisfaction=2)
    now = timezone.now()
    ServiceTicket.objects.filter(pk=t1.pk).update(created_at=now - datetime.timedelta(hours=3), resolved_at=now)
    ServiceTicket.objects.filter(pk=t2.pk).update(created_at=now - datetime.timedelta(hours=6), resolved_at=now)

    report = sel.service_report()
    row = report["rows"][0]
    assert (row.owner, row.open, row.overdue, row.closed) == ("rep", 1, 1, 2)
    assert (str(row.hours_to_close), str(row.satisfaction)) == ("4.50", "3.50")

    client = login("销售", username="viewer")
    resp = client.get(reverse("crm:service_report"))
    assert resp.status_code == 200 and 'id="service-report"' in resp.content.decode()
    # the page: a score with another status is refused, nothing changes
    client.force_login(rep)
    t3 = ticket_create(customer_id=cust.pk, subject="c", due_at=None, user=rep)
    resp = client.post(reverse("crm:ticket_status", args=[t3.pk]), {"status": "closed", "satisfaction": "9"})
    t3.refresh_from_db()
    assert resp.status_code == 302 and (t3.status, t3.satisfaction) == ("open", None)
    client.post(reverse("crm:ticket_status", args=[t3.pk]), {"status": "closed", "satisfaction": "4"})
    t3.refresh_from_db()
    assert (t3.status, t3.satisfaction) == ("closed", 4)
