"""Issue #10 for the BOM module: action permissions (the planner and the administrator act,
production reads), lines reached only through their own BOM or ECN, idempotent submits (two
concurrent identical POSTs -> one document), every bad input a message (never a 500, nothing
written), missing objects -> 404, ISO date inputs in zh-hans, formula-safe xlsx export."""

import datetime
import io
import re
from dataclasses import dataclass

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bom.models import Bom, BomLine, Ecn, EcnLine
from bom.services import EcnLineInput, ecn_create
from tests import factories
from tests.sweep import (
    BAD_DATES,
    BAD_IDS,
    BAD_NUMBERS,
    assert_refused,
    changed,
    client_for,
    post_concurrently,
    snapshot,
)

from .helpers import D, bought, made, make_bom


@dataclass
class World:
    planner: object
    prod: object  # 生产: opens the BOM module, reads only
    boss: object  # 管理员
    fg: object
    a: object
    b: object
    c: object
    wh: object
    top: Bom  # FG V1.0 approved: A x2, B x1
    draft: Bom  # SA V1.0 draft: A x1, C x3
    other: Bom  # SB V1.0 draft: C x1 (another document)
    ecn: Ecn  # draft on FG: remove B
    ecn2: Ecn  # draft on FG2: change A to 2


def build_world(make_user) -> World:
    from erp.models import CompanySettings

    CompanySettings.get()  # created on first use: before the snapshots
    today = timezone.localdate()
    planner = make_user("planner", "计划")
    prod = make_user("prod", "生产")
    boss = make_user("boss", "管理员")
    fg, sa, sb, fg2 = made("FG"), made("SA"), made("SB"), made("FG2")
    a, b, c = bought("A", standard_cost=D(2)), bought("B", standard_cost=D(3)), bought("C", standard_cost=D(1))
    wh = factories.warehouse("RM")
    top = make_bom(fg, [(a, 2), (b, 1)])
    draft = make_bom(sa, [(a, 1), (c, 3)], approve=False)
    other = make_bom(sb, [(c, 1)], approve=False)
    make_bom(fg2, [(a, 1)])
    eff = today + datetime.timedelta(days=10)
    ecn = ecn_create(item_id=fg.pk, effective_date=eff, lines=[EcnLineInput(action="remove", old_component_id=b.pk)])
    ecn2 = ecn_create(
        item_id=fg2.pk, effective_date=eff, lines=[EcnLineInput(action="change_qty", old_component_id=a.pk, qty_per=2)]
    )
    return World(planner, prod, boss, fg, a, b, c, wh, top, draft, other, ecn, ecn2)


@pytest.fixture
def world(make_user):
    return build_world(make_user)


def _state():
    """Everything an action could change besides row counts."""
    return (
        list(Bom.objects.order_by("pk").values_list("status", "output_qty", "skip_level", "notes")),
        list(BomLine.objects.order_by("pk").values_list("bom_id", "component_id", "qty_per")),
        list(Ecn.objects.order_by("pk").values_list("status", "new_bom_id")),
        list(EcnLine.objects.order_by("pk").values_list("ecn_id", "action")),
    )


def _actions(w: World):
    """name -> (url, good data, permission it needs)."""
    eff = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    line = {"component": "B", "qty_per": "1", "issue_method": "manual", "line_type": "component"}
    dl = w.draft.lines.order_by("line_no").first()
    el = w.ecn.lines.get()
    return {
        "bom_create": (reverse("bom:bom_create"), {"item": "FG2", "output_qty": "1"}, "bom.add_bom"),
        "bom_edit": (reverse("bom:bom_edit", args=[w.draft.pk]), {"output_qty": "2", "notes": "x"}, "bom.change_bom"),
        "bom_line_add": (reverse("bom:bom_line_add", args=[w.draft.pk]), line, "bom.change_bom"),
        "bom_line_delete": (reverse("bom:bom_line_delete", args=[w.draft.pk, dl.pk]), {}, "bom.change_bom"),
        "bom_approve": (reverse("bom:bom_approve", args=[w.draft.pk]), {}, "bom.approve_bom"),
        "bom_disable": (reverse("bom:bom_disable", args=[w.top.pk]), {}, "bom.approve_bom"),
        "bom_new_version": (reverse("bom:bom_new_version", args=[w.top.pk]), {}, "bom.add_bom"),
        "ecn_create": (
            reverse("bom:ecn_create"),
            {"item": "FG", "effective_date": eff, "stock_handling": "use_up"},
            "bom.add_ecn",
        ),
        "ecn_line_add": (
            reverse("bom:ecn_line_add", args=[w.ecn.pk]),
            {"action": "change_qty", "old_component": "A", "qty_per": "3"},
            "bom.change_ecn",
        ),
        "ecn_line_delete": (reverse("bom:ecn_line_delete", args=[w.ecn.pk, el.pk]), {}, "bom.change_ecn"),
        "ecn_approve": (reverse("bom:ecn_approve", args=[w.ecn.pk]), {}, "bom.approve_ecn"),
        "ecn_cancel": (reverse("bom:ecn_cancel", args=[w.ecn.pk]), {}, "bom.change_ecn"),
    }


ACTIONS = [
    "bom_create",
    "bom_edit",
    "bom_line_add",
    "bom_line_delete",
    "bom_approve",
    "bom_disable",
    "bom_new_version",
    "ecn_create",
    "ecn_line_add",
    "ecn_line_delete",
    "ecn_approve",
    "ecn_cancel",
]


# --------------------------------------------------------------------------- permissions per action
@pytest.mark.parametrize("role", ["生产", "成本会计", "仓库", "销售", "采购"])
def test_roles_that_may_not_change_boms_get_403_and_nothing_changes(role, world, make_user):
    """Production opens the BOM pages but changes nothing; the other roles do not open them."""
    user = world.prod if role == "生产" else make_user(f"x_{abs(hash(role))}", role)
    c = client_for(user)
    before, state = snapshot(), _state()
    for name, (url, data, _perm) in _actions(world).items():
        assert c.post(url, data).status_code == 403, name
    assert not changed(before) and _state() == state
    # the form pages are refused too, the read pages open for production only
    for name in ("bom:bom_create", "bom:ecn_create"):
        assert c.get(reverse(name)).status_code == 403, name
    expected = 200 if role == "生产" else 403
    assert c.get(reverse("bom:bom_detail", args=[world.draft.pk])).status_code == expected
    assert c.get(reverse("bom:ecn_detail", args=[world.ecn.pk])).status_code == expected


def test_production_sees_no_action_buttons(world):
    c = client_for(world.prod)
    for url in (reverse("bom:bom_detail", args=[world.draft.pk]), reverse("bom:bom_detail", args=[world.top.pk])):
        html = c.get(url).content.decode()
        assert not re.search(r'<form[^>]*action="/bom/', html), url
    html = c.get(reverse("bom:ecn_detail", args=[world.ecn.pk])).content.decode()
    assert not re.search(r'<form[^>]*action="/bom/', html)


@pytest.mark.parametrize("name", ACTIONS)
def test_each_action_needs_exactly_its_permission(name, world, make_user):
    """A user who opens the BOM module and holds every BOM permission but the action's own: 403."""
    url, data, perm = _actions(world)[name]
    user = make_user("partial")
    app, codename = perm.split(".")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="bom").exclude(codename=codename),
        Permission.objects.get(codename="access_bom", content_type__app_label="erp"),
    )
    before, state = snapshot(), _state()
    assert client_for(user).post(url, data).status_code == 403
    assert not changed(before) and _state() == state


@pytest.mark.parametrize("who", ["planner", "boss"])
@pytest.mark.parametrize("name", ACTIONS)
def test_planner_and_administrator_act(name, who, world):
    url, data, _perm = _actions(world)[name]
    state, before = _state(), snapshot()
    response = client_for(getattr(world, who)).post(url, data, follow=True)
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert not errors, (name, errors)
    assert _state() != state or changed(before), name


def test_get_of_an_action_url_is_405_after_login(world):
    url = reverse("bom:bom_approve", args=[world.draft.pk])
    assert Client().get(url).status_code == 302  # login first
    assert Client().post(url).status_code == 302
    assert client_for(world.planner).get(url).status_code == 405


# --------------------------------------------------------------------------- lines through their document
def test_a_line_of_another_bom_is_404_and_nothing_changes(world):
    c = client_for(world.planner)
    foreign = world.other.lines.get()
    approved_line = world.top.lines.first()
    before, state = snapshot(), _state()
    for line in (foreign, approved_line):
        assert c.post(reverse("bom:bom_line_delete", args=[world.draft.pk, line.pk])).status_code == 404
    assert not changed(before) and _state() == state
    # through its own (approved, so not editable) BOM: a message, the line stays
    response = c.post(reverse("bom:bom_line_delete", args=[world.top.pk, approved_line.pk]), follow=True)
    assert_refused(response, before, field="only draft BOMs can be edited")


def test_a_line_of_another_ecn_is_404_and_nothing_changes(world):
    c = client_for(world.planner)
    foreign = world.ecn2.lines.get()
    before, state = snapshot(), _state()
    assert c.post(reverse("bom:ecn_line_delete", args=[world.ecn.pk, foreign.pk])).status_code == 404
    assert not changed(before) and _state() == state
    # an approved ECN keeps its lines
    c.post(reverse("bom:ecn_approve", args=[world.ecn2.pk]))
    before = snapshot()
    response = c.post(reverse("bom:ecn_line_delete", args=[world.ecn2.pk, foreign.pk]), follow=True)
    assert_refused(response, before, field="cannot be edited")


def test_own_line_is_deleted_through_its_bom(world):
    line = world.draft.lines.get(component=world.c)
    client_for(world.planner).post(reverse("bom:bom_line_delete", args=[world.draft.pk, line.pk]))
    assert list(world.draft.lines.values_list("component__code", flat=True)) == ["A"]


def _missing_urls(bad, w: World):
    line, eline = w.draft.lines.first().pk, w.ecn.lines.get().pk
    return [
        ("get", f"/bom/{bad}/"),
        ("get", f"/bom/ecn/{bad}/"),
        ("get", f"/bom/ecn/{bad}/impact/"),
        ("post", f"/bom/{bad}/edit/"),
        ("post", f"/bom/{bad}/lines/add/"),
        ("post", f"/bom/{bad}/lines/{line}/delete/"),
        ("post", f"/bom/{w.draft.pk}/lines/{bad}/delete/"),
        ("post", f"/bom/{bad}/approve/"),
        ("post", f"/bom/{bad}/disable/"),
        ("post", f"/bom/{bad}/new-version/"),
        ("post", f"/bom/ecn/{bad}/lines/add/"),
        ("post", f"/bom/ecn/{bad}/lines/{eline}/delete/"),
        ("post", f"/bom/ecn/{w.ecn.pk}/lines/{bad}/delete/"),
        ("post", f"/bom/ecn/{bad}/approve/"),
        ("post", f"/bom/ecn/{bad}/cancel/"),
    ]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_missing_objects_are_404(bad_id, world):
    c = client_for(world.boss)
    data = {"output_qty": "1", "component": "B", "qty_per": "1", "issue_method": "manual", "line_type": "component"}
    before = snapshot()
    for method, url in _missing_urls(bad_id, world):
        response = getattr(c, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert not changed(before)


# --------------------------------------------------------------------------- double submits
def _token(client, page_url: str, action_url: str) -> str:
    html = client.get(page_url).content.decode()
    for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S):
        if f'action="{action_url}"' in form or (action_url == page_url and "action=" not in form.split(">")[0]):
            match = re.search(r'name="_submit_token" value="([^"]+)"', form)
            if match:
                return match.group(1)
    raise AssertionError(f"no form posting to {action_url} on {page_url}")


def _double_cases(w: World):
    """kind -> (model, page with the form, action url or None for the page itself, data)."""
    acts = _actions(w)
    return {
        "BOM": (Bom, reverse("bom:bom_create"), None, {"item": "FG2", "output_qty": "1"}),
        "new BOM version": (
            Bom,
            reverse("bom:bom_detail", args=[w.top.pk]),
            acts["bom_new_version"][0],
            {},
        ),
        "BOM line": (BomLine, reverse("bom:bom_detail", args=[w.draft.pk]), acts["bom_line_add"][0], acts["bom_line_add"][1]),
        "ECN": (Ecn, reverse("bom:ecn_create"), None, acts["ecn_create"][1]),
        "ECN line": (EcnLine, reverse("bom:ecn_detail", args=[w.ecn.pk]), acts["ecn_line_add"][0], acts["ecn_line_add"][1]),
        "BOM version from an ECN approval": (
            Bom,
            reverse("bom:ecn_detail", args=[w.ecn.pk]),
            acts["ecn_approve"][0],
            {},
        ),
    }  # fmt: skip


DOUBLE_KINDS = ["BOM", "new BOM version", "BOM line", "ECN", "ECN line", "BOM version from an ECN approval"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", DOUBLE_KINDS)
def test_two_concurrent_identical_posts_create_one_document(kind, make_user):
    w = build_world(make_user)
    model, page, action, data = _double_cases(w)[kind]
    action = action or page
    client = client_for(w.planner)
    token = _token(client, page, action)
    before = model.objects.count()
    responses = post_concurrently(w.planner, action, {**data, "_submit_token": token}, n=2)
    assert model.objects.count() == before + 1, [(r.status_code, r.get("Location")) for r in responses]
    assert [r.status_code for r in responses] == [302, 302]
    assert len({r["Location"] for r in responses}) == 1
    if model is Ecn:
        assert Ecn.objects.values("number").distinct().count() == Ecn.objects.count()
    # a later replay of the token creates nothing either
    client.post(action, {**data, "_submit_token": token})
    assert model.objects.count() == before + 1


def test_a_replayed_htmx_line_add_adds_one_line(world):
    """The editor adds lines with htmx (a partial, not a redirect): a replay of the same
    submission is sent to the BOM, the line is not added twice."""
    c = client_for(world.planner)
    url = reverse("bom:bom_line_add", args=[world.draft.pk])
    token = _token(c, reverse("bom:bom_detail", args=[world.draft.pk]), url)
    data = {**_actions(world)["bom_line_add"][1], "_submit_token": token}
    first = c.post(url, data, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and b'id="lines-table"' in first.content
    assert world.draft.lines.count() == 3
    again = c.post(url, data, HTTP_HX_REQUEST="true")
    assert again.status_code == 302 and again["Location"] == reverse("bom:bom_detail", args=[world.draft.pk])
    assert world.draft.lines.count() == 3
    # a refused line releases its token: the corrected form may be sent again
    token = re.search(r'name="_submit_token" value="([^"]+)"', first.content.decode()).group(1)
    bad = c.post(url, {**data, "qty_per": "0", "_submit_token": token}, HTTP_HX_REQUEST="true")
    assert "Quantity per: must be greater than 0." in bad.content.decode()
    bought("D")
    c.post(url, {**data, "component": "D", "qty_per": "2", "_submit_token": token}, HTTP_HX_REQUEST="true")
    assert world.draft.lines.count() == 4


# --------------------------------------------------------------------------- the input sweep
QTY_BAD = [*BAD_NUMBERS, "0", "-1"]
# rates are typed in percent (5 = 0.05): 100 % and over, negatives and a 5th decimal are refused
RATE_BAD = [*BAD_NUMBERS, "100", "-0.1", "150", "0.00001"]


def _sweep_cases(w: World):
    """name -> (url, good data, {field: (bad values, text the message must contain)}, htmx)."""
    acts = _actions(w)
    line = {**acts["bom_line_add"][1], "scrap_rate": "5", "fixed_loss": "0", "valid_from": "2026-01-01"}
    return {
        "bom_create": (
            acts["bom_create"][0],
            acts["bom_create"][1],
            {"output_qty": (QTY_BAD, "output quantity"), "item": (["abc", "A", "9" * 500], None)},
            False,
        ),
        "bom_edit": (acts["bom_edit"][0], acts["bom_edit"][1], {"output_qty": (QTY_BAD, "output quantity")}, False),
        "bom_line_add": (
            acts["bom_line_add"][0],
            line,
            {
                "qty_per": (QTY_BAD, "quantity per"),
                "scrap_rate": (RATE_BAD, "scrap rate"),
                "fixed_loss": ([*BAD_NUMBERS, "-1"], "fixed loss"),
                "cost_share": ([*BAD_NUMBERS, "150", "100.5", "-1"], "cost share"),
                "valid_from": (BAD_DATES, "valid from"),
                "valid_to": ([*BAD_DATES, "2000-01-01"], "valid to"),
                "issue_warehouse": (BAD_IDS, "issue warehouse"),
                "component": (["abc", "SA", "9" * 500], None),
            },
            False,
        ),
        "bom_line_add_htmx": (
            acts["bom_line_add"][0],
            line,
            {"qty_per": (QTY_BAD, "quantity per"), "valid_from": (BAD_DATES, "valid from")},
            True,
        ),
        "ecn_create": (
            acts["ecn_create"][0],
            acts["ecn_create"][1],
            {"effective_date": (BAD_DATES, None)},
            False,
        ),
        "ecn_line_add": (
            acts["ecn_line_add"][0],
            {**acts["ecn_line_add"][1], "scrap_rate": "1"},
            {"qty_per": (QTY_BAD, "new quantity per"), "scrap_rate": (RATE_BAD, "scrap rate")},
            False,
        ),
    }


SWEEP = [
    ("bom_create", "output_qty"),
    ("bom_create", "item"),
    ("bom_edit", "output_qty"),
    ("bom_line_add", "qty_per"),
    ("bom_line_add", "scrap_rate"),
    ("bom_line_add", "fixed_loss"),
    ("bom_line_add", "cost_share"),
    ("bom_line_add", "valid_from"),
    ("bom_line_add", "valid_to"),
    ("bom_line_add", "issue_warehouse"),
    ("bom_line_add", "component"),
    ("bom_line_add_htmx", "qty_per"),
    ("bom_line_add_htmx", "valid_from"),
    ("ecn_create", "effective_date"),
    ("ecn_line_add", "qty_per"),
    ("ecn_line_add", "scrap_rate"),
]


@pytest.mark.parametrize(("case", "field"), SWEEP)
def test_every_bad_input_is_refused_with_a_message(case, field, world):
    url, good, fields, htmx = _sweep_cases(world)[case]
    bad_values, label = fields[field]
    c = client_for(world.planner)
    state = _state()
    for bad in bad_values:
        before = snapshot()
        if htmx:
            response = c.post(url, {**good, field: bad}, HTTP_HX_REQUEST="true")
        else:
            response = c.post(url, {**good, field: bad}, follow=True)
        try:
            assert_refused(response, before, field=label)
        except AssertionError as exc:
            raise AssertionError(f"{case} {field}={bad[:30]!r}: {exc}") from None
        assert _state() == state
    # and the good data goes through (the sweep refused the bad value, not the form)
    response = c.post(url, good, follow=True)
    assert not [m for m in response.context["messages"] if m.level_tag == "error"], case


GET_SWEEP = [
    ("bom:explosion", {"item": "FG", "qty": "10", "as_of": "2026-03-01"}, "qty", QTY_BAD, "quantity"),
    ("bom:explosion", {"item": "FG", "qty": "10", "as_of": "2026-03-01"}, "as_of", BAD_DATES, None),
    ("bom:explosion", {"item": "FG", "qty": "10"}, "bom", [*BAD_IDS, "0"], "BOM"),
    ("bom:explosion", {"item": "FG", "qty": "10"}, "item", ["abc", "A", "9" * 500], None),
    ("bom:where_used", {"item": "A"}, "item", ["abc", "9" * 500], None),
    ("bom:compare", {"old": "1", "new": "1"}, "old", BAD_IDS, None),
    ("bom:compare", {"old": "1", "new": "1"}, "new", BAD_IDS, None),
]


@pytest.mark.parametrize(("url_name", "good", "field", "bad_values", "label"), GET_SWEEP)
def test_bad_query_parameters_are_a_message_never_500(url_name, good, field, bad_values, label, world):
    c = client_for(world.prod)
    good = {**good, "old": world.top.pk, "new": world.top.pk} if url_name == "bom:compare" else good
    assert c.get(reverse(url_name), good).status_code == 200
    for bad in bad_values:
        before = snapshot()
        response = c.get(reverse(url_name), {**good, field: bad})
        try:
            assert_refused(response, before, field=label)
        except AssertionError as exc:
            raise AssertionError(f"{url_name} {field}={bad[:30]!r}: {exc}") from None


def test_explosion_of_a_bom_of_another_item_is_refused(world):
    response = client_for(world.prod).get(reverse("bom:explosion"), {"item": "FG", "qty": "1", "bom": world.draft.pk})
    assert f"BOM: {world.draft.pk} is not a BOM of FG." in response.content.decode()
    assert response.context["result"] is None


def test_a_scrap_rate_refused_before_the_database(world):
    """99.9999 % (0.999999) is the largest scrap rate the model holds; 100 is refused with a message."""
    c = client_for(world.planner)
    url = _actions(world)["bom_line_add"][0]
    data = {**_actions(world)["bom_line_add"][1], "scrap_rate": "99.9999"}
    c.post(url, data)
    assert world.draft.lines.get(component=world.b).scrap_rate == D("0.999999")


# --------------------------------------------------------------------------- ISO date inputs, exports
def _date_inputs(html: str) -> list[str]:
    return re.findall(r'<input type="date"[^>]*value="([^"]*)"', html)


def test_date_inputs_render_iso_in_chinese(world):
    today = timezone.localdate().isoformat()
    c = client_for(world.planner, lang="zh-hans")
    html = c.get(reverse("bom:explosion")).content.decode()
    assert ">展开</button>" in html  # the page is in Chinese
    assert _date_inputs(html) == [today]
    html = c.get(reverse("bom:ecn_create") + "?item=FG").content.decode()
    assert _date_inputs(html) == [today]
    # a refused ECN form shows the typed date back unchanged, a good one as ISO
    html = c.post(
        reverse("bom:ecn_create"), {"item": "FG", "effective_date": "2026-12-03", "stock_handling": "bogus"}
    ).content.decode()
    assert _date_inputs(html) == ["2026-12-03"]
    assert "2026/12/03" not in html
    # the line editor's validity dates are ISO date inputs too
    html = c.get(reverse("bom:bom_detail", args=[world.draft.pk])).content.decode()
    assert re.findall(r'<input type="date" name="(valid_\w+)"', html) == ["valid_from", "valid_to"]
    # and a submitted explosion keeps its date ISO
    html = c.get(reverse("bom:explosion"), {"item": "FG", "qty": "1", "as_of": "2026-12-03"}).content.decode()
    assert _date_inputs(html) == ["2026-12-03"]


def test_explosion_xlsx_keeps_formula_like_names_as_text(world):
    world.a.name = '=HYPERLINK("http://x","y")'
    world.a.save()
    resp = client_for(world.prod).get(
        reverse("bom:explosion"), {"item": "FG", "qty": "10", "as_of": "2026-03-01", "format": "xlsx"}
    )
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    cells = {row[1].value: row[2] for row in ws.iter_rows(min_row=3)}
    assert cells["A"].value == '=HYPERLINK("http://x","y")' and cells["A"].data_type == "s"
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=3)][1][7] == "20"


@pytest.mark.parametrize(
    "path",
    [
        "/bom/?status={bad}&item={bad}&page={bad}&sort={bad}",
        "/bom/ecn/?status={bad}&item={bad}&sort={bad}",
        "/bom/?_export=xlsx&status={bad}",
        "/bom/ecn/new/?item={bad}",
    ],
)
def test_bad_list_parameters_never_500(path, world):
    c = client_for(world.planner)
    for bad in [*BAD_IDS, "NaN", "1,5", "=1+1"]:
        before = snapshot()
        response = c.get(path.format(bad=bad))
        assert response.status_code in (200, 404), (path, bad, response.status_code)
        assert not changed(before)
