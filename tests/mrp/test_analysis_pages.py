"""Kitting and shortage pages: every option through the query string, xlsx export, recording on
the work orders, requisition from source, the buyer seeing the source; flat query counts."""

import io

import openpyxl
import pytest
from django.urls import reverse

from procurement.models import Requisition, RequisitionLineSource
from production.models import WorkOrder

from .analysis_data import D0, d, kitting_example
from .test_shortage_analysis import spec_state

KIT = "/mrp/analysis/kitting/"
SHORT = "/mrp/analysis/shortage/"


@pytest.mark.django_db
def test_kitting_page_shows_the_three_statuses_and_exports_xlsx(login):
    kitting_example()
    client = login("计划")
    html = client.get(KIT, {"run": "1", "date": D0.isoformat()}).content.decode()
    assert 'data-demand="WO1" data-status="complete"' in html
    assert 'data-demand="WO2" data-status="partial"' in html
    assert 'data-demand="WO3" data-status="short"' in html
    resp = client.get(KIT, {"run": "1", "date": D0.isoformat(), "_export": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "demand" and rows[4] == ("WO2", "FG", 10, 7, "partial", "A", 20, 15, 15, 5, 0)
    # the page's GET changes nothing
    assert not WorkOrder.objects.exclude(kit_status="").exists()


@pytest.mark.django_db
def test_kitting_page_options(login):
    kitting_example()
    client = login("计划")
    base = {"run": "1", "date": D0.isoformat()}
    html = client.get(KIT, {**base, "priority": "manual", "order": "WO2 WO1 WO3"}).content.decode()
    assert html.index('data-demand="WO2"') < html.index('data-demand="WO1"')
    assert 'data-demand="WO2" data-status="complete"' in html
    wo3 = WorkOrder.objects.get(number="WO3")  # a selection: WO3 alone gets all it needs
    html = client.get(KIT, {**base, "id": [wo3.pk]}).content.decode()
    assert 'data-demand="WO3" data-status="complete"' in html and 'data-demand="WO1"' not in html
    assert f'value="{wo3.pk}" form="kitting-form" checked' in html
    html = client.get(KIT, {**base, "stock": "receipts", "receipts_until": d(3)}).content.decode()
    assert 'data-demand="WO1" data-status="complete"' in html
    html = client.get(KIT, {**base, "demands": "items", "items": "FG 12"}).content.decode()
    assert 'data-demand="FG" data-status="complete"' in html
    # a refused option is a message naming the field; nothing runs
    html = client.get(KIT, {**base, "demands": "items", "items": "NOPE 3"}, follow=True).content.decode()
    assert "NOPE" in html and "data-demand=" not in html
    html = client.get(KIT, {**base, "stock": "receipts", "receipts_until": "2026-02-30"}).content.decode()
    assert "Receipts until" in html or "到货截止" in html


@pytest.mark.django_db
def test_recording_writes_back_and_the_production_list_shows_it(login):
    kitting_example()
    client = login("计划")
    query = f"run=1&date={D0.isoformat()}"
    resp = client.post(reverse("mrp:kitting_record"), {"query": query})
    assert resp.status_code == 302
    assert dict(WorkOrder.objects.values_list("number", "kit_status")) == {
        "WO1": "complete",
        "WO2": "partial",
        "WO3": "short",
    }
    html = login("计划", "生产", username="lead").get("/production/").content.decode()
    assert 'data-kit="complete"' in html and 'data-kit="partial"' in html and 'data-kit="short"' in html
    # the kit picking of WO2 proposes its 7 kittable sets
    from inventory.models import Item, Warehouse

    Item.objects.update(default_warehouse=Warehouse.objects.get(code="RM"))
    wo2 = WorkOrder.objects.get(number="WO2")
    html = client.get(reverse("production:wo_detail", args=[wo2.pk])).content.decode()
    assert 'name="target_sets" class="form-control form-control-sm" value="7"' in html


@pytest.mark.django_db
def test_large_selection_runs_in_celery_with_progress(login, monkeypatch, django_capture_on_commit_callbacks):
    from mrp.models import KittingRun
    from mrp.services import analysis

    kitting_example()
    monkeypatch.setattr(analysis, "ASYNC_THRESHOLD", 2)
    client = login("计划")
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("mrp:kitting_record"), {"query": f"run=1&date={D0.isoformat()}"}, follow=True)
    run = KittingRun.objects.get()
    assert (run.status, run.demand_count, run.complete_count, run.partial_count, run.short_count) == (
        "done",
        3,
        1,
        1,
        1,
    )
    assert resp.redirect_chain[-1][0] == reverse("mrp:kitting_run", args=[run.pk])
    assert WorkOrder.objects.get(number="WO2").kittable_sets == 7


@pytest.mark.django_db
def test_shortage_page_requisition_from_source_and_the_buyer_sees_it(login):
    wo = spec_state()
    planner = login("计划")
    html = planner.get(SHORT, {"date": D0.isoformat()}).content.decode()
    assert 'data-order="WO-101"' in html
    key = f"wo:{wo.pk}:{wo.materials.get().pk}"
    assert f'value="{key}"' in html
    resp = planner.post(
        reverse("mrp:shortage_requisition"), {"query": f"date={D0.isoformat()}", "key": [key], "basis": "short"}
    )
    assert resp.status_code == 302
    req = Requisition.objects.get()
    assert [(ln.item.code, ln.qty) for ln in req.lines.all()] == [("A", 15)]
    # a second time: refused, naming the requisition, nothing created
    resp = planner.post(
        reverse("mrp:shortage_requisition"), {"query": "", "key": [key], "basis": "net_short"}, follow=True
    )
    assert req.number in resp.content.decode()
    assert Requisition.objects.count() == 1 and RequisitionLineSource.objects.count() == 1
    # the order shows its requisitions, the requisition its source
    html = planner.get(reverse("production:wo_detail", args=[wo.pk])).content.decode()
    assert req.number in html
    buyer = login("采购", username="buyer")
    html = buyer.get(reverse("procurement:requisition_detail", args=[req.pk])).content.decode()
    assert 'data-source="WO-101 / A"' in html


@pytest.mark.django_db
def test_shortage_page_filters_and_xlsx(login):
    wo = spec_state()
    client = login("计划")
    html = client.get(SHORT, {"orders": f"wo:{wo.pk}"}).content.decode()
    assert 'data-order="WO-101"' in html and 'data-order="WO-100"' not in html
    html = client.get(SHORT, {"start_from": d(4)}).content.decode()
    assert 'data-order="WO-100"' not in html
    html = client.get(SHORT, {"item": "FG2"}).content.decode()
    assert 'data-order="WO-100"' in html and 'data-order="WO-101"' not in html
    resp = client.get(SHORT, {"_export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert rows[2] == ("WO-101", "FG", "A", 30, 8, 22, 7, 15, 10, 5)


@pytest.mark.django_db
def test_who_may_do_what(login):
    kitting_example()
    assert login("采购", username="b").post(reverse("mrp:kitting_record"), {"query": ""}).status_code == 403
    assert login("销售", username="s").get(KIT).status_code == 403
    assert login("计划", username="p").get(reverse("mrp:shortage_requisition")).status_code == 405


@pytest.mark.django_db
def test_shortage_page_query_count_is_flat(login, django_assert_max_num_queries):
    from tests.mrp.analysis_data import load

    spec_state()
    client = login("计划")
    client.get(SHORT)
    load({"work_orders.csv": "wo_no,item_code,qty,completed_qty,start_date,due_date,sales_order_no,sales_line_no\n"
          + "".join(f"WX{i:03},FG,1,0,{d(7)},{d(9)},,\n" for i in range(30))})  # fmt: skip
    with django_assert_max_num_queries(30):
        assert client.get(SHORT).status_code == 200


@pytest.mark.django_db
def test_refused_inputs_are_messages_never_500(login):
    spec_state()
    client = login("计划")
    for params in ({"date": "2026-13-01"}, {"orders": "xx:1"}, {"item": "NOPE"}, {"planner": "1,5"}, {"so_line": "-1"}):
        resp = client.get(SHORT, params)
        assert resp.status_code == 200 and "data-order=" not in resp.content.decode()
    for params in ({"run": "1", "scope": "bogus"}, {"run": "1", "priority": "manual", "order": "NO-SUCH"}):
        resp = client.get(KIT, params)
        assert resp.status_code == 200 and "data-demand=" not in resp.content.decode()
    assert client.get(reverse("mrp:kitting_run", args=[999999])).status_code == 404
    before = Requisition.objects.count()
    resp = client.post(reverse("mrp:shortage_requisition"), {"query": "", "key": ["wo:999:1"], "basis": "short"})
    assert resp.status_code == 302 and Requisition.objects.count() == before
    resp = client.post(reverse("mrp:shortage_requisition"), {"query": "", "key": [], "basis": "bogus"})
    assert resp.status_code == 302 and Requisition.objects.count() == before
