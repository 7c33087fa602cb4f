"""Scoping: two suppliers try each other's ids on every portal URL (generated from the URL conf),
anonymous users go to login, internal roles are refused; double submits and the rate limit."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from erp.access_table import routes
from portal import services as portal
from portal.models import LineAnswer, ProgressReport, ShippingNotice
from tests.procurement.helpers import D
from tests.sweep import client_for

from .conftest import JAN20, JAN25

pytestmark = pytest.mark.django_db

# The object each portal URL's ids point at, by the URL's first segment under /portal/.
KINDS = {"orders": "po", "notices": "notice", "outsourcing": "oo"}


def supplier_routes():
    """Every URL of the supplier portal (module portal) from the URL conf."""
    found = [r for r in routes() if r.path.startswith("/portal/") and "portal" in r.modules]
    assert len(found) >= 13, [r.path for r in found]
    return found


def _url(route, objs) -> str:
    path = route.path
    if "<" not in path:
        return path
    kind = KINDS[path.split("/")[2]]  # an unknown segment is a KeyError: add it to KINDS
    path = path.replace("<int:pk>", str(objs[kind].pk))
    return path.replace("<int:line_id>", str(objs["line"].pk))


def _objects(world, n):
    notice = portal.shipping_notice_create(
        order_id=world[f"po{n}"].pk,
        lines=[(world[f"po{n}"].lines.order_by("line_no").first().pk, D("10"), "")],
        ship_date=JAN20,
        expected_date=JAN25,
        user=world[f"u{n}"],
    )
    return {
        "po": world[f"po{n}"],
        "line": world[f"po{n}"].lines.order_by("line_no").first(),
        "notice": notice,
        "oo": world[f"oo{n}"],
    }


def _state():
    return (
        list(LineAnswer.objects.values_list("pk", "status")),
        list(ShippingNotice.objects.values_list("pk", "status")),
        ProgressReport.objects.count(),
    )


def test_two_suppliers_cannot_reach_each_others_documents_through_any_portal_url(world):
    mine, theirs = _objects(world, 1), _objects(world, 2)
    before = _state()
    due = (world["oo2"].due_date, world["po2"].lines.first().due_date)
    for user, other, own in ((world["u1"], theirs, mine), (world["u2"], mine, theirs)):
        client = client_for(user)
        for route in supplier_routes():
            if "<" not in route.path:
                continue
            url = _url(route, other)
            data = {
                "qty": "1",
                "due_date": "2026-02-01",
                "finished_qty": "1",
                "expected_date": "2026-02-01",
                "ship_date": "2026-01-20",
                f"qty_{other['line'].pk}": "1",
                "reason": "x",
            }
            if route.may_get({"erp.access_portal"}) is not None:
                assert client.get(url).status_code == 404, ("GET", url)
            if route.action:
                assert client.post(url, data).status_code == 404, ("POST", url)
            # the same page with the user's own ids opens
            if route.may_get({"erp.access_portal"}) is not None:
                assert client.get(_url(route, own)).status_code == 200, ("GET own", route.path)
    assert _state() == before
    world["oo2"].refresh_from_db()
    assert (world["oo2"].due_date, world["po2"].lines.first().due_date) == due


def test_lists_show_only_the_users_own_documents(world):
    _objects(world, 1), _objects(world, 2)
    client = client_for(world["u1"])
    for name in ("portal:order_list", "portal:notice_list", "portal:outsourcing_list"):
        html = client.get(reverse(name)).content.decode()
        assert world["po1"].number in html or world["oo1"].number in html or "ASN-" in html
        assert world["po2"].number not in html and world["oo2"].number not in html
    notices = client.get(reverse("portal:notice_list")).content.decode()
    mine = ShippingNotice.objects.get(supplier=world["s1"]).number
    theirs = ShippingNotice.objects.get(supplier=world["s2"]).number
    assert mine in notices and theirs not in notices


def test_anonymous_users_go_to_login_on_every_portal_url(world):
    objs = _objects(world, 1)
    client = Client()
    for route in supplier_routes():
        for method in ("get", "post"):
            response = getattr(client, method)(_url(route, objs))
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], (method, route.path)


@pytest.mark.parametrize("role", ["销售", "采购", "仓库", "计划", "生产", "成本会计", "市场", "会计"])
def test_internal_roles_are_refused_in_the_supplier_portal(world, make_user, role):
    objs = _objects(world, 1)
    client = client_for(make_user(f"r{abs(hash(role))}", role))
    for route in supplier_routes():
        assert client.get(_url(route, objs)).status_code in (403, 405), route.path
        assert client.post(_url(route, objs)).status_code in (403, 405), route.path


def test_supplier_users_are_refused_on_staff_pages_and_land_on_the_portal(world):
    client = client_for(world["u1"])
    assert client.get("/").url == reverse("portal:home")
    for name in ("portal:proposal_queue", "portal:invitations", "portal:incoming_notices", "procurement:po_list"):
        assert client.get(reverse(name)).status_code == 403, name


def test_an_admin_without_a_supplier_sees_an_empty_portal(world, make_user):
    client = client_for(make_user("adm", "管理员"))
    assert client.get(reverse("portal:order_list")).status_code == 200
    assert world["po1"].number not in client.get(reverse("portal:order_list")).content.decode()
    assert client.get(reverse("portal:order_detail", args=[world["po1"].pk])).status_code == 404


def _token_for(client, page: str, action: str) -> str:
    """The one-time submission token of the form on `page` that posts to `action`."""
    html = client.get(page).content.decode()
    match = re.search(
        r'action="%s"[^>]*><input type="hidden" name="_submit_token" value="([^"]+)"' % re.escape(action), html
    )
    assert match, f"no form posting to {action} on {page}"
    return match.group(1)


def test_double_submit_of_a_proposal_creates_one_and_the_queue_accepts_once(world, make_user):
    client = client_for(world["u1"])
    detail = reverse("portal:order_detail", args=[world["po1"].pk])
    line = world["po1"].lines.order_by("line_no").first()
    url = reverse("portal:line_propose", args=[world["po1"].pk, line.pk])
    data = {"qty": "", "due_date": "2026-01-30", "note": "late steel", "_submit_token": _token_for(client, detail, url)}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert LineAnswer.objects.count() == 1
    answer = LineAnswer.objects.get()
    assert (answer.proposed_qty, answer.proposed_date, answer.note) == (None, datetime.date(2026, 1, 30), "late steel")
    # the buyer accepts from the queue, twice with the same token: the line moves once
    buyer = client_for(make_user("buyer_q", "采购"))
    queue = reverse("portal:proposal_queue")
    html = buyer.get(queue).content.decode()
    assert "late steel" in html and world["po1"].number in html
    accept = reverse("portal:proposal_accept", args=[answer.pk])
    token = _token_for(buyer, queue, accept)
    for _i in range(2):
        assert buyer.post(accept, {"_submit_token": token}).status_code == 302
    line.refresh_from_db()
    assert line.due_date == datetime.date(2026, 1, 30)
    assert world["po1"].history.filter(history_change_reason__startswith="line 10").count() == 1


def test_refused_proposal_input_shows_a_message_and_writes_nothing(world):
    client = client_for(world["u1"])
    line = world["po1"].lines.order_by("line_no").first()
    url = reverse("portal:line_propose", args=[world["po1"].pk, line.pk])
    for bad in ({"qty": "1,5"}, {"qty": "NaN"}, {"due_date": "2026-02-30"}, {"qty": "-3"}, {"due_date": "2026-01-01"}):
        response = client.post(url, bad, follow=True)
        assert response.status_code == 200
        assert [m for m in response.context["messages"] if m.level_tag == "error"], bad
    assert LineAnswer.objects.count() == 0


def test_portal_posts_are_rate_limited(world, settings):
    settings.PORTAL_POSTS_PER_MINUTE = 2
    from django.core.cache import cache

    cache.clear()
    client = client_for(world["u1"])
    line = world["po1"].lines.order_by("line_no").first()
    url = reverse("portal:line_confirm", args=[world["po1"].pk, line.pk])
    assert [client.post(url).status_code for _i in range(3)] == [302, 302, 429]
    assert LineAnswer.objects.count() == 1
    cache.clear()
