"""Issue #10 for the sales module: ownership of CRM records, action permissions, idempotent
submits (two concurrent identical POSTs -> one document), every bad input a message (never a
500, nothing written), missing objects and foreign lines -> 404 or a refusal, safe `next`."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm import access
from crm.models import (
    Customer,
    Delivery,
    FollowUp,
    Forecast,
    Lead,
    Opportunity,
    PaymentPlan,
    Quotation,
    Receipt,
    SalesInvoice,
    SalesOrder,
    SalesReturn,
    SalesTeam,
    ServiceTicket,
)
from crm.services.deliveries import delivery_confirm, delivery_create, return_create
from crm.services.invoices import invoice_confirm, invoice_create_from_deliveries
from crm.services.orders import LineInput, quotation_create
from crm.services.receipts import receipt_create
from crm.services.tickets import ticket_create
from tests import factories
from tests.sweep import (
    BAD_DATES,
    BAD_IDS,
    BAD_MONEY,
    BAD_NUMBERS,
    assert_refused,
    changed,
    client_for,
    post_concurrently,
    snapshot,
)

from .helpers import bike, customer, order

D = Decimal


@dataclass
class World:
    a: object  # salesperson owning everything below
    b: object  # another salesperson (not in a's team)
    mgr: object  # manager of a's team
    boss: object  # administrator
    item: object
    wh: object
    cust: Customer
    pool: Customer
    lead: Lead
    opp: Opportunity
    draft: SalesOrder
    so: SalesOrder  # confirmed, 10 ordered, 4 delivered
    dn: Delivery  # posted
    dn_draft: Delivery
    inv: SalesInvoice  # confirmed blue
    inv_draft: SalesInvoice
    quote: Quotation
    receipt: Receipt
    ticket: ServiceTicket
    followup: FollowUp


def build_world(make_user) -> World:
    from erp.models import CompanySettings

    CompanySettings.get()  # created on first use: before the snapshots
    today = timezone.localdate()
    a = make_user("rep_a", "销售")
    b = make_user("rep_b", "销售")
    mgr = make_user("mgr", "销售")
    boss = make_user("boss", "管理员")
    SalesTeam.objects.create(name="East", manager=mgr).members.add(a)
    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 100, "500", on_date=today)
    cust = customer("CA", owner=a)
    pool = customer("CP")
    lead = Lead.objects.create(company="线索甲", owner=a)
    opp = Opportunity.objects.create(name="商机甲", customer=cust, owner=a, amount=D("1000"))
    due = today + datetime.timedelta(days=20)
    draft = order(cust, item, 5, user=a, due=due)
    so = order(cust, item, 10, user=a, due=due, confirm=True, today=today)
    line = so.lines.get()
    dn = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=a, quantities={line.pk: D("4")}, delivery_date=today)
    delivery_confirm(delivery_id=dn.pk, user=a)
    dn_draft = delivery_create(
        order_id=so.pk, warehouse_id=wh.pk, user=a, quantities={line.pk: D("1")}, delivery_date=today
    )
    inv = invoice_create_from_deliveries(delivery_ids=[dn.pk], user=a)
    invoice_confirm(invoice_id=inv.pk, user=a)
    dn2 = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=a, quantities={line.pk: D("2")}, delivery_date=today)
    delivery_confirm(delivery_id=dn2.pk, user=a)
    inv_draft = invoice_create_from_deliveries(delivery_ids=[dn2.pk], user=a)
    quote = quotation_create(customer_id=cust.pk, lines=[LineInput(item.pk, D("3"), D("100"), due)], user=a)
    receipt = receipt_create(customer_id=cust.pk, amount=D("100"), user=a, receipt_date=today)
    ticket = ticket_create(
        customer_id=cust.pk, subject="坏了", due_at=timezone.now() + datetime.timedelta(days=2), user=a
    )
    from crm.services.customers import followup_add

    followup = followup_add(user=a, content="电话", customer_id=cust.pk, next_date=today + datetime.timedelta(days=2))
    for u in (a, b, mgr, boss):
        for attr in ("_crm_scope", "_crm_admin"):
            if hasattr(u, attr):
                delattr(u, attr)
    return World(
        a, b, mgr, boss, item, wh, cust, pool, lead, opp, draft, so, dn, dn_draft, inv, inv_draft, quote, receipt,
        ticket, followup,
    )  # fmt: skip


@pytest.fixture
def world(make_user):
    return build_world(make_user)


# --------------------------------------------------------------------------- the access helper
def test_scope_owner_team_manager_admin(world):
    w = world
    for user, expected in [(w.a, True), (w.mgr, True), (w.boss, True), (w.b, False)]:
        assert access.scope(SalesOrder.objects.filter(pk=w.draft.pk), user).exists() is expected, user
        assert access.scope(SalesInvoice.objects.filter(pk=w.inv.pk), user).exists() is expected, user
        assert access.scope(Opportunity.objects.filter(pk=w.opp.pk), user).exists() is expected, user
        assert access.scope(SalesReturn.objects.all(), user).count() == 0
    # the pool is seen by everyone in sales, acted on (other than claimed) by nobody but admins
    assert access.scope(Customer.objects.filter(pk=w.pool.pk), w.b).exists()
    assert not access.may_manage(w.b, w.pool) and access.may_manage(w.boss, w.pool)
    assert access.may_manage(w.mgr, w.cust) and not access.may_manage(w.b, w.cust)


# --------------------------------------------------------------------------- ownership per action
def _ownership_cases(w: World):
    """(name, url, data, what must stay unchanged) of every CRM action on a's records."""
    today = timezone.localdate().isoformat()
    dl = w.dn.lines.get()
    il = w.inv.lines.get()
    return [
        ("customer_release", reverse("crm:customer_release", args=[w.cust.pk]), {}),
        ("customer_claim", reverse("crm:customer_claim", args=[w.cust.pk]), {}),
        ("customer_assign", reverse("crm:customer_assign", args=[w.cust.pk]), {"owner": w.b.pk}),
        ("customer_update", reverse("crm:customer_update", args=[w.cust.pk]), {"code": "CA", "name": "x"}),
        ("followup_done", reverse("crm:followup_done", args=[w.followup.pk]), {}),
        (
            "followup_add",
            reverse("crm:followup_add"),
            {"customer": w.cust.pk, "content": "偷看", "method": "phone"},
        ),
        ("opportunity_move", reverse("crm:opportunity_move", args=[w.opp.pk]), {"stage": "lost", "lost_reason": "x"}),
        ("lead_convert", reverse("crm:lead_convert", args=[w.lead.pk]), {"opportunity_name": "抢"}),
        ("order_confirm", reverse("crm:order_confirm", args=[w.draft.pk]), {}),
        ("order_cancel", reverse("crm:order_cancel", args=[w.draft.pk]), {}),
        ("order_close", reverse("crm:order_close", args=[w.so.pk]), {}),
        ("order_deliver", reverse("crm:order_deliver", args=[w.so.pk]), {"warehouse": w.wh.pk, "delivery_date": today}),
        ("order_plan", reverse("crm:order_plan", args=[w.so.pk]), {"due_date": today, "amount": "10"}),
        ("quotation_confirm", reverse("crm:quotation_confirm", args=[w.quote.pk]), {}),
        ("quotation_order", reverse("crm:quotation_order", args=[w.quote.pk]), {}),
        ("delivery_confirm", reverse("crm:delivery_confirm", args=[w.dn_draft.pk]), {}),
        ("delivery_cancel", reverse("crm:delivery_cancel", args=[w.dn_draft.pk]), {}),
        ("delivery_invoice", reverse("crm:delivery_invoice", args=[w.dn.pk]), {}),
        ("delivery_return", reverse("crm:delivery_return", args=[w.dn.pk]), {f"qty_{dl.pk}": "1"}),
        ("invoice_confirm", reverse("crm:invoice_confirm", args=[w.inv_draft.pk]), {}),
        ("invoice_cancel", reverse("crm:invoice_cancel", args=[w.inv_draft.pk]), {}),
        ("invoice_red", reverse("crm:invoice_red", args=[w.inv.pk]), {"reason": "2", f"qty_{il.pk}": "1"}),
        ("invoice_number", reverse("crm:invoice_number", args=[w.inv.pk]), {"number": "1" * 20, "issued_on": today}),
        ("receipt_confirm", reverse("crm:receipt_confirm", args=[w.receipt.pk]), {}),
        ("ticket_status", reverse("crm:ticket_status", args=[w.ticket.pk]), {"status": "in_progress"}),
    ]


OWNERSHIP_NAMES = [
    "customer_release",
    "customer_claim",
    "customer_assign",
    "customer_update",
    "followup_done",
    "followup_add",
    "opportunity_move",
    "lead_convert",
    "order_confirm",
    "order_cancel",
    "order_close",
    "order_deliver",
    "order_plan",
    "quotation_confirm",
    "quotation_order",
    "delivery_confirm",
    "delivery_cancel",
    "delivery_invoice",
    "delivery_return",
    "invoice_confirm",
    "invoice_cancel",
    "invoice_red",
    "invoice_number",
    "receipt_confirm",
    "ticket_status",
]


def _state(w: World):
    """Everything an action on a's records could change, besides row counts."""
    return (
        list(Customer.objects.order_by("pk").values_list("owner_id", "name", "last_followup_at")),
        list(FollowUp.objects.order_by("pk").values_list("reminder_done", flat=True)),
        list(Opportunity.objects.order_by("pk").values_list("stage", flat=True)),
        list(Lead.objects.order_by("pk").values_list("status", flat=True)),
        list(SalesOrder.objects.order_by("pk").values_list("status", flat=True)),
        list(Quotation.objects.order_by("pk").values_list("status", flat=True)),
        list(Delivery.objects.order_by("pk").values_list("status", flat=True)),
        list(SalesInvoice.objects.order_by("pk").values_list("status", "tax_invoice_number")),
        list(Receipt.objects.order_by("pk").values_list("status", flat=True)),
        list(ServiceTicket.objects.order_by("pk").values_list("status", flat=True)),
    )


@pytest.mark.parametrize("name", OWNERSHIP_NAMES)
def test_another_salesperson_gets_404_and_changes_nothing(name, world):
    url, data = next((u, d) for n, u, d in _ownership_cases(world) if n == name)
    before, state = snapshot(), _state(world)
    response = client_for(world.b).post(url, data)
    assert response.status_code == 404, (name, response.status_code)
    assert not changed(before), changed(before)
    assert _state(world) == state


def test_another_salesperson_gets_404_on_the_pages(world):
    w = world
    pages = [
        reverse("crm:customer_detail", args=[w.cust.pk]),
        reverse("crm:customer_update", args=[w.cust.pk]),
        reverse("crm:lead_detail", args=[w.lead.pk]),
        reverse("crm:opportunity_detail", args=[w.opp.pk]),
        reverse("crm:order_detail", args=[w.so.pk]),
        reverse("crm:quotation_detail", args=[w.quote.pk]),
        reverse("crm:delivery_detail", args=[w.dn.pk]),
        reverse("crm:invoice_detail", args=[w.inv.pk]),
        reverse("crm:invoice_export_json", args=[w.inv.pk]),
        reverse("crm:receipt_detail", args=[w.receipt.pk]),
        reverse("crm:ticket_detail", args=[w.ticket.pk]),
    ]
    b, a = client_for(w.b), client_for(w.a)
    for url in pages:
        assert b.get(url).status_code == 404, url
        assert a.get(url).status_code == 200, url
    # and the lists leave a's records out
    body = b.get(reverse("crm:order_list")).content.decode()
    assert w.so.number not in body and w.draft.number not in body
    assert w.so.number in a.get(reverse("crm:order_list")).content.decode()
    assert "商机甲" not in b.get(reverse("crm:board")).content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "customer_release",
        "followup_done",
        "opportunity_move",
        "lead_convert",
        "order_confirm",
        "order_cancel",
        "quotation_confirm",
        "delivery_confirm",
        "invoice_confirm",
        "invoice_red",
        "receipt_confirm",
        "ticket_status",
    ],
)
@pytest.mark.parametrize("who", ["a", "mgr", "boss"])
def test_owner_team_manager_and_admin_may_act(name, who, world):
    url, data = next((u, d) for n, u, d in _ownership_cases(world) if n == name)
    state = _state(world)
    response = client_for(getattr(world, who)).post(url, data, follow=True)
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert not errors, (name, who, errors)
    assert _state(world) != state or name == "invoice_red"
    if name == "invoice_red":
        assert SalesInvoice.objects.filter(kind="red").count() == 1


def test_pool_claim_and_release_rules(world):
    w = world
    b = client_for(w.b)
    # b claims the pool customer
    b.post(reverse("crm:customer_claim", args=[w.pool.pk]))
    w.pool.refresh_from_db()
    assert w.pool.owner_id == w.b.pk
    # a can no longer see it (it is b's), let alone claim it
    assert client_for(w.a).post(reverse("crm:customer_claim", args=[w.pool.pk])).status_code == 404
    # b releases it; then a claims it
    b.post(reverse("crm:customer_release", args=[w.pool.pk]))
    w.pool.refresh_from_db()
    assert w.pool.owner_id is None
    client_for(w.a).post(reverse("crm:customer_claim", args=[w.pool.pk]))
    w.pool.refresh_from_db()
    assert w.pool.owner_id == w.a.pk


def test_assign_rules(world):
    w = world
    url = reverse("crm:customer_assign", args=[w.cust.pk])
    # the owner does not hand a customer over directly (release it to the pool instead)
    resp = client_for(w.a).post(url, {"owner": w.b.pk}, follow=True)
    assert any("team manager" in str(m) for m in resp.context["messages"])
    # the team manager assigns within the team only
    resp = client_for(w.mgr).post(url, {"owner": w.b.pk}, follow=True)
    w.cust.refresh_from_db()
    assert w.cust.owner_id == w.a.pk
    client_for(w.mgr).post(url, {"owner": w.mgr.pk})
    w.cust.refresh_from_db()
    assert w.cust.owner_id == w.mgr.pk
    # an administrator assigns to anyone in sales, not to someone outside sales
    outsider = type(w.a).objects.create_user("buyer1", password="x")
    resp = client_for(w.boss).post(url, {"owner": outsider.pk}, follow=True)
    w.cust.refresh_from_db()
    assert w.cust.owner_id == w.mgr.pk
    client_for(w.boss).post(url, {"owner": w.b.pk})
    w.cust.refresh_from_db()
    assert w.cust.owner_id == w.b.pk


@pytest.mark.parametrize("url_name", ["crm:customer_claim", "crm:opportunity_move", "crm:followup_add"])
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_never_leaves_the_site(url_name, target, world):
    w = world
    args = {"crm:customer_claim": [w.pool.pk], "crm:opportunity_move": [w.opp.pk], "crm:followup_add": []}[url_name]
    data = {"next": target, "stage": "needs", "customer": w.cust.pk, "content": "x", "method": "phone"}
    response = client_for(w.a).post(reverse(url_name, args=args), data)
    assert response.status_code == 302
    assert response["Location"].startswith("/") and not response["Location"].startswith("//")
    assert "evil" not in response["Location"] and "javascript" not in response["Location"]


def test_next_to_a_page_of_the_site_is_followed(world):
    response = client_for(world.a).post(
        reverse("crm:customer_claim", args=[world.pool.pk]), {"next": "/crm/pool/?page=2"}
    )
    assert response["Location"] == "/crm/pool/?page=2"


# --------------------------------------------------------------------------- permissions per action
def _actions(w: World):
    return {n: (u, d) for n, u, d in _ownership_cases(w)}


@pytest.mark.parametrize("role", ["采购", "仓库", "成本会计", "计划", "生产"])
@pytest.mark.parametrize(
    "name", ["order_confirm", "delivery_confirm", "delivery_return", "invoice_confirm", "receipt_confirm"]
)
def test_roles_outside_sales_get_403_and_nothing_changes(role, name, world, make_user):
    url, data = _actions(world)[name]
    user = make_user(f"x_{abs(hash(role))}", role)
    before, state = snapshot(), _state(world)
    assert client_for(user).post(url, data).status_code == 403
    assert not changed(before) and _state(world) == state


def test_module_without_action_permission_sees_pages_but_cannot_act(world, make_user):
    """A user who may open the sales module but holds no CRM permission: lists open, form pages
    and every action are refused (403), nothing changes."""
    from django.contrib.auth.models import Permission

    user = make_user("viewer")
    user.user_permissions.add(Permission.objects.get(codename="access_sales", content_type__app_label="erp"))
    c = client_for(user)
    assert c.get(reverse("crm:order_list")).status_code == 200
    for name in ["crm:order_create", "crm:quotation_create", "crm:receipt_create", "crm:ticket_create"]:
        assert c.get(reverse(name)).status_code == 403, name
    for name in ["crm:customer_create", "crm:lead_create", "crm:opportunity_create", "crm:forecast_create"]:
        assert c.get(reverse(name)).status_code == 403, name
    before = snapshot()
    for _name, (url, data) in _actions(world).items():
        assert c.post(url, data).status_code == 403, url
    assert not changed(before)


def test_only_admins_change_credit_limits(world):
    url = reverse("crm:customer_credit_limit", args=[world.cust.pk])
    assert client_for(world.a).post(url, {"credit_limit": "500"}).status_code == 403
    client_for(world.boss).post(url, {"credit_limit": "500"})
    world.cust.refresh_from_db()
    assert world.cust.credit_limit == D("500")


def test_get_of_an_action_url_is_405_after_login(world):
    url = reverse("crm:order_confirm", args=[world.draft.pk])
    assert Client().get(url).status_code == 302  # login first
    assert client_for(world.a).get(url).status_code == 405


# --------------------------------------------------------------------------- double submits
def _token(client, page_url: str, action_url: str) -> str:
    html = client.get(page_url).content.decode()
    for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S):
        if f'action="{action_url}"' in form or (action_url == page_url and "action=" not in form.split(">")[0]):
            match = re.search(r'name="_submit_token" value="([^"]+)"', form)
            if match:
                return match.group(1)
    raise AssertionError(f"no form posting to {action_url} on {page_url}")


def _formset(prefix="lines", n=1):
    return {f"{prefix}-TOTAL_FORMS": str(n), f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "1"}


def _double_cases(w: World):
    """(kind, model, page with the form, action url, data, user)."""
    today = timezone.localdate()
    due = (today + datetime.timedelta(days=10)).isoformat()
    line = {
        "lines-0-item": w.item.code,
        "lines-0-qty": "2",
        "lines-0-unit_price": "100",
        "lines-0-tax_rate": "13",
        "lines-0-discount_rate": "0",
        "lines-0-due_date": due,
    }
    header = {"customer": w.cust.pk, "order_date": today.isoformat(), "customer_po": ""}
    dl, il = w.dn.lines.get(), w.inv.lines.get()
    dn2 = w.inv_draft.lines.get().delivery_line.delivery  # posted, its draft invoice not counted yet
    so_url = reverse("crm:order_detail", args=[w.so.pk])
    return {
        "sales order": (SalesOrder, reverse("crm:order_create"), None, {**header, **_formset(), **line}),
        "quotation": (Quotation, reverse("crm:quotation_create"), None, {**header, **_formset(), **line}),
        "order from quotation": (
            SalesOrder,
            reverse("crm:quotation_detail", args=[w.quote.pk]),
            reverse("crm:quotation_order", args=[w.quote.pk]),
            {},
        ),
        "customer": (
            Customer,
            reverse("crm:customer_create"),
            None,
            {"code": "C9", "name": "新客户", "level": "B", "payment_terms_days": "30"},
        ),  # fmt: skip
        "lead": (Lead, reverse("crm:lead_create"), None, {"company": "新线索"}),
        "opportunity": (
            Opportunity,
            reverse("crm:opportunity_create"),
            None,
            {"name": "新商机", "customer": w.cust.pk, "amount": "100", "probability": "10"},
        ),
        "forecast": (Forecast, reverse("crm:forecast_create"), None, {"item": w.item.pk, "date": due, "qty": "5"}),
        "delivery": (
            Delivery,
            so_url,
            reverse("crm:order_deliver", args=[w.so.pk]),
            {"warehouse": w.wh.pk, "delivery_date": today.isoformat()},
        ),
        "payment plan": (
            PaymentPlan,
            so_url,
            reverse("crm:order_plan", args=[w.so.pk]),
            {"due_date": due, "amount": "100"},
        ),
        "sales return": (
            SalesReturn,
            reverse("crm:delivery_detail", args=[w.dn.pk]),
            reverse("crm:delivery_return", args=[w.dn.pk]),
            {f"qty_{dl.pk}": "1", "reason": "坏"},
        ),
        "invoice": (
            SalesInvoice,
            reverse("crm:delivery_detail", args=[dn2.pk]),
            reverse("crm:delivery_invoice", args=[dn2.pk]),
            {"inclusive": "0"},
        ),
        "red-letter invoice": (
            SalesInvoice,
            reverse("crm:invoice_detail", args=[w.inv.pk]),
            reverse("crm:invoice_red", args=[w.inv.pk]),
            {"reason": "2", f"qty_{il.pk}": "1"},
        ),
        "receipt": (
            Receipt,
            reverse("crm:receipt_create"),
            None,
            {"customer": w.cust.pk, "amount": "50", "receipt_date": today.isoformat(), "match_open_invoices": "on"},
        ),
        "service ticket": (
            ServiceTicket,
            reverse("crm:ticket_create"),
            None,
            {
                "customer": w.cust.pk,
                "subject": "异响",
                "priority": "normal",
                "due_at": (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            },
        ),
        "follow-up": (
            FollowUp,
            reverse("crm:customer_detail", args=[w.cust.pk]),
            reverse("crm:followup_add"),
            {"customer": w.cust.pk, "content": "拜访", "method": "visit", "next": "/crm/reminders/"},
        ),
    }


DOUBLE_KINDS = [
    "sales order",
    "quotation",
    "order from quotation",
    "customer",
    "lead",
    "opportunity",
    "forecast",
    "delivery",
    "payment plan",
    "sales return",
    "invoice",
    "red-letter invoice",
    "receipt",
    "service ticket",
    "follow-up",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", DOUBLE_KINDS)
def test_two_concurrent_identical_posts_create_one_document(kind, make_user):
    w = build_world(make_user)
    model, page, action, data = _double_cases(w)[kind]
    action = action or page
    client = client_for(w.a)
    token = _token(client, page, action)
    before = model.objects.count()
    numbers_before = set(model.objects.values_list("pk", flat=True))
    responses = post_concurrently(w.a, action, {**data, "_submit_token": token}, n=2)
    assert model.objects.count() == before + 1, [(r.status_code, r.get("Location")) for r in responses]
    assert [r.status_code for r in responses] == [302, 302]
    new = model.objects.exclude(pk__in=numbers_before).get()
    if hasattr(new, "number"):
        assert new.number and model.objects.filter(number=new.number).count() == 1
    # both answers lead to the same place (the first submission's result)
    assert len({r["Location"] for r in responses}) == 1
    # and a third, later replay of the token still creates nothing
    client.post(action, {**data, "_submit_token": token})
    assert model.objects.count() == before + 1


# --------------------------------------------------------------------------- the input sweep
def _sweep_cases(w: World):
    """name -> (user, url, good data, {field: (bad values, label)})."""
    today = timezone.localdate().isoformat()
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    doc = _double_cases(w)
    dl, il = w.dn.lines.get(), w.inv.lines.get()
    line_fields = {
        "lines-0-qty": (BAD_NUMBERS, "quantity"),
        "lines-0-unit_price": (BAD_NUMBERS, "unit price"),
        "lines-0-tax_rate": (BAD_NUMBERS, "tax rate"),
        "lines-0-discount_rate": (BAD_NUMBERS, "discount rate"),
        "lines-0-due_date": (BAD_DATES, None),
        "order_date": (BAD_DATES, None),
        "customer": (BAD_IDS, None),
        "lines-0-item": (BAD_IDS, None),
    }
    return {
        "order_create": (w.a, doc["sales order"][1], doc["sales order"][3], line_fields),
        "quotation_create": (w.a, doc["quotation"][1], doc["quotation"][3], line_fields),
        "customer_create": (
            w.a,
            doc["customer"][1],
            doc["customer"][3],
            {"payment_terms_days": (BAD_NUMBERS, None)},
        ),
        "opportunity_create": (
            w.a,
            doc["opportunity"][1],
            doc["opportunity"][3],
            {
                "amount": (BAD_MONEY, "amount"),
                "probability": (BAD_NUMBERS, None),
                "close_date": (BAD_DATES, None),
                "customer": (BAD_IDS, None),
            },
        ),
        "forecast_create": (
            w.a,
            doc["forecast"][1],
            doc["forecast"][3],
            {"qty": (BAD_NUMBERS, "quantity"), "date": (BAD_DATES, None), "item": (BAD_IDS, None)},
        ),
        "credit_limit": (
            w.boss,
            reverse("crm:customer_credit_limit", args=[w.cust.pk]),
            {"credit_limit": "100"},
            {"credit_limit": (BAD_MONEY, "credit limit")},
        ),
        "lead_convert": (
            w.a,
            reverse("crm:lead_convert", args=[w.lead.pk]),
            {"opportunity_name": "x", "amount": "100", "close_date": due},
            {"amount": (BAD_MONEY, "amount"), "close_date": (BAD_DATES, None)},
        ),
        "followup_add": (
            w.a,
            reverse("crm:followup_add"),
            {"customer": w.cust.pk, "content": "x", "method": "phone", "next_date": due},
            {
                "next_date": (BAD_DATES, None),
                "customer": (BAD_IDS, None),
                "lead": (BAD_IDS, None),
                "opportunity": (BAD_IDS, None),
            },
        ),
        "customer_assign": (
            w.boss,
            reverse("crm:customer_assign", args=[w.cust.pk]),
            {"owner": w.b.pk},
            {"owner": (BAD_IDS, None)},
        ),
        "order_deliver": (
            w.a,
            reverse("crm:order_deliver", args=[w.so.pk]),
            {"warehouse": w.wh.pk, "delivery_date": today},
            {"delivery_date": (BAD_DATES, None), "warehouse": (BAD_IDS, None)},
        ),
        "order_plan": (
            w.a,
            reverse("crm:order_plan", args=[w.so.pk]),
            {"due_date": due, "amount": "100"},
            {"amount": (BAD_MONEY, "amount"), "due_date": (BAD_DATES, None)},
        ),
        "delivery_return": (
            w.a,
            reverse("crm:delivery_return", args=[w.dn.pk]),
            {f"qty_{dl.pk}": "1", "reason": "x"},
            {f"qty_{dl.pk}": (BAD_NUMBERS, "line 1 quantity")},
        ),
        "invoice_red": (
            w.a,
            reverse("crm:invoice_red", args=[w.inv.pk]),
            {"reason": "2", f"qty_{il.pk}": "1"},
            {f"qty_{il.pk}": (BAD_NUMBERS, "line 1 quantity")},
        ),
        "invoice_number": (
            w.a,
            reverse("crm:invoice_number", args=[w.inv.pk]),
            {"number": "2" * 20, "issued_on": today},
            {"issued_on": (BAD_DATES, None)},
        ),
        "receipt_create": (
            w.a,
            doc["receipt"][1],
            doc["receipt"][3],
            {"amount": (BAD_MONEY, "amount"), "receipt_date": (BAD_DATES, None), "customer": (BAD_IDS, None)},
        ),
        "ticket_create": (
            w.a,
            doc["service ticket"][1],
            doc["service ticket"][3],
            {"due_at": (BAD_DATES, None), "customer": (BAD_IDS, None), "order": (BAD_IDS, None)},
        ),
    }


SWEEP = [
    ("order_create", "lines-0-qty"),
    ("order_create", "lines-0-unit_price"),
    ("order_create", "lines-0-tax_rate"),
    ("order_create", "lines-0-discount_rate"),
    ("order_create", "lines-0-due_date"),
    ("order_create", "order_date"),
    ("order_create", "customer"),
    ("order_create", "lines-0-item"),
    ("quotation_create", "lines-0-qty"),
    ("quotation_create", "lines-0-unit_price"),
    ("quotation_create", "lines-0-due_date"),
    ("customer_create", "payment_terms_days"),
    ("opportunity_create", "amount"),
    ("opportunity_create", "probability"),
    ("opportunity_create", "close_date"),
    ("opportunity_create", "customer"),
    ("forecast_create", "qty"),
    ("forecast_create", "date"),
    ("forecast_create", "item"),
    ("credit_limit", "credit_limit"),
    ("lead_convert", "amount"),
    ("lead_convert", "close_date"),
    ("followup_add", "next_date"),
    ("followup_add", "customer"),
    ("followup_add", "lead"),
    ("followup_add", "opportunity"),
    ("customer_assign", "owner"),
    ("order_deliver", "delivery_date"),
    ("order_deliver", "warehouse"),
    ("order_plan", "amount"),
    ("order_plan", "due_date"),
    ("delivery_return", "qty"),
    ("invoice_red", "qty"),
    ("invoice_number", "issued_on"),
    ("receipt_create", "amount"),
    ("receipt_create", "receipt_date"),
    ("receipt_create", "customer"),
    ("ticket_create", "due_at"),
    ("ticket_create", "customer"),
    ("ticket_create", "order"),
]


@pytest.mark.parametrize(("case", "field"), SWEEP)
def test_every_bad_input_is_refused_with_a_message(case, field, world):
    user, url, good, fields = _sweep_cases(world)[case]
    key = next(k for k in fields if k == field or (field == "qty" and k.startswith("qty_")))
    bad_values, label = fields[key]
    client = client_for(user)
    for bad in bad_values:
        before = snapshot()
        response = client.post(url, {**good, key: bad}, follow=True)
        if response.status_code == 404:
            assert bad in BAD_IDS, (case, key, bad)
        try:
            assert_refused(response, before, field=label)
        except AssertionError as exc:
            raise AssertionError(f"{case} {key}={bad[:30]!r}: {exc}") from None


def test_huge_quantity_times_huge_price_is_a_message_not_a_500(world):
    data = {
        **_double_cases(world)["sales order"][3],
        "lines-0-qty": "999999999999",
        "lines-0-unit_price": "999999999999",
    }
    before = snapshot()
    response = client_for(world.a).post(reverse("crm:order_create"), data, follow=True)
    assert_refused(response, before)
    assert any("too large" in m for m in [str(m) for m in response.context["messages"]])


def test_a_line_rounding_to_zero_is_refused(world):
    data = {**_double_cases(world)["sales order"][3], "lines-0-qty": "0.000001", "lines-0-unit_price": "1"}
    before = snapshot()
    response = client_for(world.a).post(reverse("crm:order_create"), data, follow=True)
    assert_refused(response, before)


def test_due_date_before_order_date_is_refused(world):
    data = {**_double_cases(world)["sales order"][3], "lines-0-due_date": "2000-01-01"}
    before = snapshot()
    response = client_for(world.a).post(reverse("crm:order_create"), data, follow=True)
    assert_refused(response, before, field="before the document date")


def test_a_red_letter_invoice_rounding_to_zero_is_refused(world):
    il = world.inv.lines.get()
    before = snapshot()
    response = client_for(world.a).post(
        reverse("crm:invoice_red", args=[world.inv.pk]), {"reason": "2", f"qty_{il.pk}": "0.000001"}, follow=True
    )
    assert_refused(response, before, field="0.00")


@pytest.mark.parametrize(
    "path",
    [
        "/crm/funnel/?owner={bad}",
        "/crm/customers/?owner={bad}",
        "/crm/leads/?owner={bad}",
        "/crm/opportunities/?owner={bad}",
        "/crm/orders/new/?opportunity={bad}&customer={bad}",
        "/crm/quotations/new/?opportunity={bad}",
        "/crm/receipts/new/?customer={bad}",
        "/crm/invoices/export.xlsx?ids={bad}",
        "/crm/board/?mine={bad}",
    ],
)
def test_bad_query_parameters_never_500(path, world):
    client = client_for(world.a)
    for bad in [*BAD_IDS, "NaN", "1,5"]:
        before = snapshot()
        response = client.get(path.format(bad=bad))
        assert response.status_code in (200, 302), (path, bad, response.status_code)
        assert not changed(before)


# --------------------------------------------------------------------------- missing objects
def _detail_and_action_urls(pk):
    return [
        ("get", f"/crm/customers/{pk}/"),
        ("get", f"/crm/customers/{pk}/edit/"),
        ("get", f"/crm/leads/{pk}/"),
        ("get", f"/crm/opportunities/{pk}/"),
        ("get", f"/crm/quotations/{pk}/"),
        ("get", f"/crm/orders/{pk}/"),
        ("get", f"/crm/deliveries/{pk}/"),
        ("get", f"/crm/returns/{pk}/"),
        ("get", f"/crm/invoices/{pk}/"),
        ("get", f"/crm/invoices/{pk}/export.json"),
        ("get", f"/crm/receipts/{pk}/"),
        ("get", f"/crm/tickets/{pk}/"),
        ("post", f"/crm/customers/{pk}/edit/"),
        ("post", f"/crm/customers/{pk}/claim/"),
        ("post", f"/crm/customers/{pk}/release/"),
        ("post", f"/crm/customers/{pk}/assign/"),
        ("post", f"/crm/customers/{pk}/credit-limit/"),
        ("post", f"/crm/followups/{pk}/done/"),
        ("post", f"/crm/leads/{pk}/convert/"),
        ("post", f"/crm/opportunities/{pk}/move/"),
        ("post", f"/crm/quotations/{pk}/confirm/"),
        ("post", f"/crm/quotations/{pk}/order/"),
        ("post", f"/crm/orders/{pk}/confirm/"),
        ("post", f"/crm/orders/{pk}/close/"),
        ("post", f"/crm/orders/{pk}/cancel/"),
        ("post", f"/crm/orders/{pk}/deliver/"),
        ("post", f"/crm/orders/{pk}/plan/"),
        ("post", f"/crm/deliveries/{pk}/confirm/"),
        ("post", f"/crm/deliveries/{pk}/cancel/"),
        ("post", f"/crm/deliveries/{pk}/invoice/"),
        ("post", f"/crm/deliveries/{pk}/return/"),
        ("post", f"/crm/returns/{pk}/confirm/"),
        ("post", f"/crm/invoices/{pk}/confirm/"),
        ("post", f"/crm/invoices/{pk}/cancel/"),
        ("post", f"/crm/invoices/{pk}/number/"),
        ("post", f"/crm/invoices/{pk}/red/"),
        ("post", f"/crm/receipts/{pk}/confirm/"),
        ("post", f"/crm/tickets/{pk}/status/"),
    ]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_missing_objects_are_404(bad_id, world):
    client = client_for(world.boss)
    before = snapshot()
    for method, url in _detail_and_action_urls(bad_id):
        response = getattr(client, method)(url, {"stage": "won", "status": "closed", "reason": "2"})
        assert response.status_code == 404, (method, url, response.status_code)
    assert not changed(before)


def test_lines_of_another_document_are_not_reached(world):
    """qty_<line of delivery A> posted to delivery B's return (and the same for red-letter
    invoices): the foreign line is ignored, nothing is created."""
    w = world
    other_dn = Delivery.objects.filter(status="confirmed").exclude(pk=w.dn.pk).get()
    before = snapshot()
    response = client_for(w.a).post(
        reverse("crm:delivery_return", args=[other_dn.pk]), {f"qty_{w.dn.lines.get().pk}": "1"}, follow=True
    )
    assert_refused(response, before)
    # an order with a return line id through the wrong delivery is also refused by the service
    with pytest.raises(Exception, match="does not belong"):
        return_create(delivery_id=other_dn.pk, quantities={w.dn.lines.get().pk: D("1")}, user=w.a)
    blue2 = w.inv_draft
    invoice_confirm(invoice_id=blue2.pk, user=w.a)
    response = client_for(w.a).post(
        reverse("crm:invoice_red", args=[blue2.pk]), {"reason": "2", f"qty_{w.inv.lines.get().pk}": "1"}, follow=True
    )
    before = snapshot()
    assert_refused(response, before)
    assert not SalesInvoice.objects.filter(kind="red").exists()
