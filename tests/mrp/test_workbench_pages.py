"""Workbench pages: the pegging tree of a two-level make-to-stock order, the MRP record of the
worked example bucket by bucket, converting from the page, messages, access."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import translation

from mrp import selectors
from mrp.models import MrpPeg, PlannedOrder

from .test_mrp_run import D0
from .test_workbench_conversion import worked_example
from .workbench_data import run_now


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def day(n):
    return D0 + datetime.timedelta(days=n)


@pytest.mark.django_db
def test_supply_tree_of_a_two_level_make_to_stock_order():
    worked_example()
    run = run_now()
    seq = {p.item.code: str(p.seq) for p in PlannedOrder.objects.filter(run=run).select_related("item")}
    rows = selectors.supply_tree(run.pk, "sales", "SO-1/1")
    tree = [
        (r["depth"], r["peg"].item.code, r["peg"].supply_kind, r["peg"].supply_ref, r["peg"].qty, r["late"])
        for r in rows
    ]
    assert tree == [
        (0, "FG", "stock", "", D(30), False),
        (0, "FG", "manufacture", "WO-1", D(20), False),
        (1, "A", "stock", "", D(25), False),
        (0, "FG", "planned", seq["FG"], D(50), False),
        (1, "A", "stock", "", D(15), False),
        (1, "A", "purchase", "PO-1/1", D(30), False),
        (1, "A", "planned", seq["A"], D(55), False),
        (1, "B", "planned", seq["B"], D(50), False),
    ]
    # every demand of the run is pegged in full
    from django.db.models import Sum

    sums = MrpPeg.objects.filter(run=run).exclude(demand_kind="").values("item__code", "demand_kind", "demand_ref")
    totals = {(r["item__code"], r["demand_kind"], r["demand_ref"]): r["q"] for r in sums.annotate(q=Sum("qty"))}
    assert totals[("FG", "sales", "SO-1/1")] == D(100)
    assert totals[("A", "planned", seq["FG"])] == D(100)
    assert totals[("A", "order_material", "WO-1")] == D(25)
    assert totals[("A", "safety", "")] == D(10)


@pytest.mark.django_db
def test_mrp_record_of_the_worked_example_bucket_by_bucket():
    from inventory.models import Item

    worked_example()
    run = run_now()
    rec = selectors.item_record(run, Item.objects.get(code="A").pk, "day")
    got = [
        ((r["date"] - D0).days, r["gross"], r["sched"], r["poh"], r["net"], r["prec"], r["prel"]) for r in rec["rows"]
    ]
    assert rec["on_hand"] == D(40)
    assert got == [
        (0, 0, 0, D(40), 0, 0, 0),
        (3, D(25), 0, D(15), 0, 0, D(70)),
        (6, 0, D(30), D(45), 0, 0, 0),
        (8, D(100), 0, D(15), D(65), D(70), 0),
    ]
    week = selectors.item_record(run, Item.objects.get(code="A").pk, "week")
    assert [((r["date"] - D0).days, r["gross"], r["sched"], r["poh"], r["prec"], r["prel"]) for r in week["rows"]] == [
        (0, D(25), D(30), D(45), 0, D(70)),
        (7, D(100), 0, D(15), D(70), 0),
    ]


@pytest.mark.django_db
def test_planner_converts_from_the_page_and_the_buyer_sees_the_requisition(login, django_assert_max_num_queries):
    worked_example()
    run = run_now()
    planner = login("计划", username="planner12")
    with django_assert_max_num_queries(40):
        page = planner.get(f"/mrp/runs/{run.pk}/?item=A")
    assert page.status_code == 200
    assert (page.context["page"]["count"], page.context["page"]["total_qty"]) == (1, D(70))
    response = planner.post(f"/mrp/runs/{run.pk}/convert/", {"all": "1", "order_type": "purchase"})
    assert response.status_code == 302
    a = PlannedOrder.objects.get(run=run, item__code="A")
    assert a.status == "converted" and a.document_type == "procurement.requisitionline"
    assert PlannedOrder.objects.filter(run=run, status="open").count() == 2
    buyer = login("采购", username="buyer12")
    from procurement.models import Requisition

    req = Requisition.objects.get()
    listing = buyer.get("/procurement/requisitions/")
    assert listing.status_code == 200 and req.number in listing.content.decode()
    # the buyer cannot convert planned orders
    refused = buyer.post(f"/mrp/runs/{run.pk}/convert/", {"all": "1"})
    assert refused.status_code in (302, 403)
    assert PlannedOrder.objects.filter(run=run, status="open").count() == 2


@pytest.mark.django_db
def test_pages_answer_and_keyset_pages_follow(login):
    worked_example()
    run = run_now()
    planner = login("计划", username="planner12b")
    first = planner.get(f"/mrp/runs/{run.pk}/")
    assert first.status_code == 200 and first.context["page"]["count"] == 3
    last_id = PlannedOrder.objects.filter(run=run).order_by("id").values_list("id", flat=True)[1]
    nxt = planner.get(f"/mrp/runs/{run.pk}/?after={last_id}")
    assert nxt.content.decode().count('name="ids"') == 1
    fg = PlannedOrder.objects.get(run=run, item__code="FG")
    for url in (
        f"/mrp/planned/{fg.pk}/",
        f"/mrp/runs/{run.pk}/items/{fg.item_id}/record/?bucket=week",
        f"/mrp/runs/{run.pk}/supply/?so=SO-1/1",
        f"/mrp/runs/{run.pk}/messages/",
        f"/mrp/runs/{run.pk}/messages/?_export=xlsx",
        f"/mrp/runs/{run.pk}/?late=x&release_from=2026-99-01&after=abc",
    ):
        assert planner.get(url).status_code == 200, url
    assert planner.get(f"/mrp/planned/{fg.pk + 999}/").status_code == 404
    firm = planner.post(f"/mrp/planned/{fg.pk}/firm/")
    assert firm.status_code == 302
    fg.refresh_from_db()
    assert fg.firm
    bad = planner.post(f"/mrp/planned/{fg.pk}/edit/", {"qty": "-1", "release_date": "x", "due_date": "y"})
    assert bad.status_code == 302
    fg.refresh_from_db()
    assert fg.qty == D(50)


@pytest.mark.django_db
def test_planner_filter_lists_the_orders_of_the_planners_items(login, make_user, django_assert_max_num_queries):
    from inventory.forms import ItemForm
    from inventory.models import Item

    assert "planner" in ItemForm().fields
    worked_example()
    wang = make_user("wang12", first_name="Wang")
    li = make_user("li12")
    Item.objects.filter(code__in=["FG", "A"]).update(planner=wang)
    run = run_now()
    planner = login("计划", username="planner12c")
    with django_assert_max_num_queries(40):
        page = planner.get(f"/mrp/runs/{run.pk}/?planner={wang.pk}")
    assert page.status_code == 200
    assert sorted(p.item.code for p in page.context["page"]["rows"]) == ["A", "FG"]
    assert (page.context["page"]["count"], page.context["page"]["total_qty"]) == (2, D(120))
    assert [u.username for u in page.context["planners"]] == ["wang12"]  # only planners of items
    assert f'<option value="{wang.pk}" selected>Wang</option>' in page.content.decode()
    both = planner.get(f"/mrp/runs/{run.pk}/?planner={wang.pk}&item=A")
    assert (both.context["page"]["count"], both.context["page"]["total_qty"]) == (1, D(70))
    # a planner without items: nothing; a value that is no id: the filter is ignored
    assert planner.get(f"/mrp/runs/{run.pk}/?planner={li.pk}").context["page"]["count"] == 0
    ignored = planner.get(f"/mrp/runs/{run.pk}/?planner=abc")
    assert ignored.status_code == 200 and ignored.context["page"]["count"] == 3
    # "convert all that match" takes the planner filter too
    assert len(selectors.planned_order_ids(run, {"planner": str(wang.pk)}, 100)) == 2
