"""BOM pages: create and edit through the views, explosion/where-used/compare/ECN pages, xlsx,
permissions, query counts that do not grow with rows."""

import io

import openpyxl
import pytest
from django.urls import reverse

from bom.models import Bom, BomLine
from bom.services import EcnLineInput, ecn_create

from .helpers import D, bought, made, make_bom

pytestmark = pytest.mark.django_db


@pytest.fixture
def bike():
    fg, sa, ph = (
        made("FG"),
        made("SA"),
        __import__("tests.factories", fromlist=["item"]).item("PH", supply_type="phantom"),
    )
    a, b, c = bought("A", standard_cost=D(2)), bought("B", standard_cost=D(3)), bought("C", standard_cost=D(1))
    make_bom(ph, [(c, 2)])
    make_bom(sa, [(a, 2), (b, 1)], skip_level=True)
    top = make_bom(fg, [(sa, 1), (ph, 1), (c, 1)])
    return fg, sa, ph, a, b, c, top


def test_create_bom_add_lines_with_htmx_and_approve(login):
    client = login("计划")
    fg, _a = made("FG"), bought("A")
    resp = client.post(reverse("bom:bom_create"), {"item": "FG", "output_qty": "1", "notes": ""})
    bom = Bom.objects.get(item=fg)
    assert resp.status_code == 302 and resp.url == reverse("bom:bom_detail", args=[bom.pk])
    resp = client.post(
        reverse("bom:bom_line_add", args=[bom.pk]),
        {"component": "A", "qty_per": "2", "scrap_rate": "5", "issue_method": "manual", "line_type": "component"},
        HTTP_HX_REQUEST="true",
    )
    assert resp.status_code == 200 and b'id="lines-table"' in resp.content
    assert list(bom.lines.values_list("component__code", "qty_per", "scrap_rate")) == [("A", D(2), D("0.05"))]
    # a bad component answers the error in the partial, nothing saved
    resp = client.post(
        reverse("bom:bom_line_add", args=[bom.pk]),
        {"component": "FG", "qty_per": "1", "issue_method": "manual", "line_type": "component"},
        HTTP_HX_REQUEST="true",
    )
    assert "FG → FG" in resp.content.decode()
    assert bom.lines.count() == 1
    client.post(reverse("bom:bom_approve", args=[bom.pk]))
    bom.refresh_from_db()
    assert bom.status == "approved"
    assert client.get(reverse("bom:bom_detail", args=[bom.pk])).status_code == 200


def test_production_role_sees_but_cannot_change(login, bike):
    *_rest, top = bike
    client = login("生产")
    assert client.get(reverse("bom:bom_detail", args=[top.pk])).status_code == 200
    assert client.post(reverse("bom:bom_disable", args=[top.pk])).status_code == 403
    top.refresh_from_db()
    assert top.status == "approved"


def test_explosion_page_and_xlsx(login, bike):
    client = login("计划")
    resp = client.get(reverse("bom:explosion"), {"item": "FG", "qty": "10", "as_of": "2026-03-01"})
    html = resp.content.decode()
    assert resp.status_code == 200 and 'id="explosion-tree"' in html
    # SA (skip level): A 20, B 10; PH phantom: C 20; C 10 → cost 40 + 30 + 20 + 10 = 100
    rows = resp.context["rows"]
    assert [(r.level, item.code, r.extended_qty) for r, item in rows] == [
        (0, "FG", D(10)),
        (1, "SA", D(10)),
        (2, "A", D(20)),
        (2, "B", D(10)),
        (1, "PH", D(10)),
        (2, "C", D(20)),
        (1, "C", D(10)),
    ]
    assert rows[0][0].extended_cost == D(100)
    resp = client.get(reverse("bom:explosion"), {"item": "FG", "qty": "10", "as_of": "2026-03-01", "format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [(v[1], v[7], v[9]) for v in values] == [
        ("FG", "10", "100"),
        ("SA", "10", "70"),
        ("A", "20", "40"),
        ("B", "10", "30"),
        ("PH", "10", "20"),
        ("C", "20", "20"),
        ("C", "10", "10"),
    ]


def test_where_used_single_and_multi_level(login, bike):
    client = login("计划")
    resp = client.get(reverse("bom:where_used"), {"item": "A"})
    assert [(r.level, p.code) for r, p in resp.context["rows"]] == [(1, "SA")]
    resp = client.get(reverse("bom:where_used"), {"item": "A", "multi_level": "on"})
    assert [(r.level, p.code) for r, p in resp.context["rows"]] == [(1, "SA"), (2, "FG")]


def test_compare_versions_page(login, bike):
    fg, sa, ph, a, b, c, v10 = bike
    x = bought("X")
    v11 = make_bom(fg, [(sa, 2), (c, 1), (x, 1)])
    client = login("计划")
    resp = client.get(reverse("bom:compare"), {"old": v10.pk, "new": v11.pk})
    assert [(d.kind, item.code) for d, item, _changed in resp.context["diffs"]] == [
        ("changed", "SA"),
        ("removed", "PH"),
        ("same", "C"),
        ("added", "X"),
    ]
    assert resp.context["summary"] == {"added": 1, "removed": 1, "changed": 1, "same": 1}


def test_ecn_pages(login, bike):
    fg, sa, ph, a, b, c, top = bike
    client = login("计划")
    ecn = ecn_create(
        item_id=fg.pk,
        effective_date=__import__("datetime").date(2026, 4, 1),
        lines=[EcnLineInput(action="remove", old_component_id=c.pk)],
    )
    assert client.get(reverse("bom:ecn_detail", args=[ecn.pk])).status_code == 200
    assert client.get(reverse("bom:ecn_impact", args=[ecn.pk])).status_code == 200
    client.post(reverse("bom:ecn_approve", args=[ecn.pk]))
    ecn.refresh_from_db()
    assert ecn.status == "approved" and ecn.new_bom.version == "V1.1"


@pytest.mark.parametrize("n", [5, 50])
def test_bom_list_query_count_does_not_grow(login, n, django_assert_max_num_queries):
    a = bought("A")
    for i in range(n):
        make_bom(made(f"P{i:03d}"), [(a, 1)])
    client = login("计划")
    with django_assert_max_num_queries(12):
        resp = client.get(reverse("bom:bom_list"))
    assert resp.status_code == 200
    assert BomLine.objects.count() == n


@pytest.mark.parametrize(
    ("role", "expected"), [("计划", 200), ("生产", 200), ("管理员", 200), ("销售", 403), ("仓库", 403)]
)
def test_sidebar_pages_by_role_on_empty_database(login, role, expected):
    client = login(role)
    for name in ("bom_list", "explosion", "where_used", "compare", "ecn_list"):
        assert client.get(reverse(f"bom:{name}")).status_code == expected, name


def test_admin_pages_and_dashboard_cards(login, bike):
    *_rest, top = bike
    client = login(superuser=True, username="root")
    for url in (
        reverse("admin:bom_bom_changelist"),
        reverse("admin:bom_bom_change", args=[top.pk]),
        reverse("admin:bom_bomline_changelist"),
        reverse("admin:bom_ecn_changelist"),
    ):
        assert client.get(url).status_code == 200, url
    resp = client.get(reverse("dashboard"))
    cards = {c["url"]: c["value"] for c in resp.context["cards"]}
    assert cards[reverse("bom:bom_list") + "?status=draft"] == 0
    assert cards[reverse("bom:ecn_list") + "?status=draft"] == 0
