"""Issue #11 for BOMs: the change-control rule has one definition (the model) that the services,
the editor page and the boms.csv import all use; status changes go through BOM_FLOW / ECN_FLOW
(an illegal one is refused, nothing changes); the BOM list counts lines without joining every
line, and its queries do not grow with rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bom.models import Bom
from bom.services import EcnLineInput, bom_create, bom_disable, bom_new_version, ecn_approve, ecn_cancel, ecn_create
from bom.states import DISABLE_FROM, BomStatus
from erp.errors import StateError
from erp.exchange.engine import ImportFailed, import_files
from inventory.models import Item

from .helpers import bought, made, make_bom
from .test_exchange import rows

pytestmark = pytest.mark.django_db


# --- change control: one rule ------------------------------------------------------------------


def test_under_change_control_is_one_query_for_many_items_and_none_when_no_item_is_controlled(
    django_assert_num_queries,
):
    a = bought("A")
    ctl_released = made("CR", ecn_controlled=True)
    ctl_draft_only = made("CD", ecn_controlled=True)
    free_released = made("FR")
    make_bom(ctl_released, [(a, 1)])
    make_bom(ctl_draft_only, [(a, 1)], approve=False)
    make_bom(free_released, [(a, 1)])
    items = list(Item.objects.filter(code__in=["CR", "CD", "FR"]))
    with django_assert_num_queries(1):
        assert Bom.objects.under_change_control(items) == {ctl_released.pk}
    with django_assert_num_queries(0):
        assert Bom.objects.under_change_control([free_released]) == set()


def test_a_leftover_draft_of_a_controlled_item_offers_an_ecn_not_a_new_version(login):
    """V1.1 was drafted before the item was put under change control: the editor shows it
    read-only and offers "New ECN"; "New version" (which the service refuses) is not shown."""
    fg, a = made("FG"), bought("A")
    v10 = make_bom(fg, [(a, 2)])
    v11 = bom_new_version(bom_id=v10.pk)
    Item.objects.filter(pk=fg.pk).update(ecn_controlled=True)
    client = login("计划")
    client.cookies["django_language"] = "en"
    resp = client.get(reverse("bom:bom_detail", args=[v11.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert resp.context["editable"] is False and resp.context["needs_ecn"] is True
    assert reverse("bom:ecn_create") in html
    assert reverse("bom:bom_new_version", args=[v11.pk]) not in html
    assert reverse("bom:bom_edit", args=[v11.pk]) not in html
    # and the service agrees: a line added anyway is refused, nothing written
    resp = client.post(
        reverse("bom:bom_line_add", args=[v11.pk]),
        {"component": "A", "qty_per": "3", "issue_method": "manual", "line_type": "component"},
        follow=True,
    )
    assert "engineering change control" in resp.content.decode()
    assert list(v11.lines.values_list("qty_per", flat=True)) == [2]


def test_the_admin_follows_the_same_rule_for_lines(login):
    fg, a = made("FG"), bought("A")
    v11 = bom_new_version(bom_id=make_bom(fg, [(a, 2)]).pk)
    line = v11.lines.get()
    client = login(superuser=True, username="root")
    url = reverse("admin:bom_bomline_change", args=[line.pk])
    assert client.get(url).context["has_change_permission"] is True
    Item.objects.filter(pk=fg.pk).update(ecn_controlled=True)
    assert client.get(url).context["has_change_permission"] is False
    client.post(url, {"bom": v11.pk, "line_no": 10, "component": a.pk, "qty_per": "9", "issue_method": "manual"})
    line.refresh_from_db()
    assert line.qty_per == 2


def test_import_refuses_a_controlled_item_whose_released_versions_are_all_disabled():
    """The rule is 'controlled and a version was released', in the import as in the services:
    a controlled item whose V1.0 was disabled gets no new approved V1.1 from boms.csv."""
    fg, a = made("FG", ecn_controlled=True), bought("A")
    bought("B")
    v10 = make_bom(fg, [(a, 1)])
    bom_disable(bom_id=v10.pk)
    with pytest.raises(ImportFailed) as exc:
        import_files(rows("FG,1,B,1,0,0,manual,0,0,,,component,"))
    assert "boms.csv line 2: parent_code 'FG' is under engineering change control" in exc.value.errors[0]
    assert list(Bom.objects.values_list("version", "status")) == [("V1.0", "disabled")]


# --- transitions through the flow ----------------------------------------------------------------


def test_disabling_a_draft_bom_is_refused_and_nothing_changes():
    fg, a = made("FG"), bought("A")
    draft = make_bom(fg, [(a, 1)], approve=False)
    with pytest.raises(StateError, match="is Draft and cannot change to Disabled"):
        bom_disable(bom_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_cancelling_an_approved_ecn_is_refused_and_nothing_changes():
    fg, a, b = made("FG", ecn_controlled=True), bought("A"), bought("B")
    make_bom(fg, [(a, 1)])
    ecn = ecn_create(
        item_id=fg.pk,
        effective_date=datetime.date(2026, 4, 1),
        lines=[EcnLineInput(action="replace", old_component_id=a.pk, new_component_id=b.pk)],
    )
    ecn_approve(ecn_id=ecn.pk)
    with pytest.raises(StateError, match="is Approved and cannot change to Cancelled"):
        ecn_cancel(ecn_id=ecn.pk)
    ecn.refresh_from_db()
    assert ecn.status == "approved"
    assert sorted(Bom.objects.values_list("version", "status")) == [("V1.0", "disabled"), ("V1.1", "approved")]


def test_the_import_supersedes_only_what_the_flow_may_disable():
    assert DISABLE_FROM == (BomStatus.APPROVED,)


# --- the list page -------------------------------------------------------------------------------


def _list(client):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(reverse("bom:bom_list"))
    assert resp.status_code == 200
    return resp, [q["sql"] for q in ctx.captured_queries]


def test_bom_list_shows_exact_line_counts_in_item_and_version_order(login):
    a, b, c = bought("A"), bought("B"), bought("C")
    make_bom(made("P2"), [(a, 1)])
    make_bom(made("P1"), [(a, 1), (b, 2), (c, 3)])
    bom_create(item_id=Item.objects.get(code="P2").pk)  # V1.1, a draft without lines
    resp, _sql = _list(login("计划"))
    got = [(r.record.item.code, r.record.version, r.record.line_count) for r in resp.context["table"].paginated_rows]
    assert got == [("P1", "V1.0", 3), ("P2", "V1.0", 1), ("P2", "V1.1", 0)]


def test_bom_list_counts_boms_without_joining_lines(login):
    a = bought("A")
    for i in range(3):
        make_bom(made(f"P{i}"), [(a, 1)])
    _resp, sql = _list(login("计划"))
    # the BOM count (the bell's unread count in the top bar is another table's)
    counts = [s for s in sql if s.startswith("SELECT COUNT(*)") and '"bom_' in s]
    assert counts == ['SELECT COUNT(*) AS "__count" FROM "bom_bom"'], counts
    page = [s for s in sql if '"bom_bom"."version"' in s]
    assert len(page) == 1
    assert 'JOIN "bom_bomline"' not in page[0]  # lines are counted per shown row, in a subquery


def test_bom_list_query_count_is_the_same_for_1_and_30_boms(login):
    client = login("计划")
    a = bought("A")
    make_bom(made("P000"), [(a, 1)])
    _resp, one = _list(client)
    for i in range(1, 30):
        make_bom(made(f"P{i:03d}"), [(a, 1), (bought(f"B{i}"), 2)])
    resp, thirty = _list(client)
    assert len(resp.context["table"].paginated_rows) == 25
    assert len(one) == len(thirty) <= 7
