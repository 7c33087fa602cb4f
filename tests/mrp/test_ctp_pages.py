"""CTP on quotation and sales-order pages, the planner's what-if page, net-change page and the
at-risk flag / re-promise on sales-order pages (docs/mrp.md §5)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Customer, SalesOrderLine
from crm.services.orders import LineInput, order_create, quotation_create
from erp.exchange import import_files
from erp.exchange.engine import _rows_from_csv_text
from inventory.models import Item, PlanningChange


def example_files(d0):
    """The worked example of docs/mrp.md §4 (FG make-to-stock), dated from d0."""

    def d(n):
        return (d0 + datetime.timedelta(days=n)).isoformat()

    csvs = {
        "suppliers.csv": "code,name\nS1,Steel Co\nS2,Paint Shop\n",
        "warehouses.csv": "code,name,parent_code,nettable\nRM,Raw,,1\n",
        "items.csv": (
            "code,name,uom,supply_type,make_to_order,lead_time_days,safety_stock,min_order_qty,order_multiple,"
            "order_period_days,standard_cost,default_supplier\n"
            "FG,Finished,pcs,manufacture,0,2,0,0,0,0,10,\n"
            "A,Part A,pcs,purchase,0,5,10,50,10,0,1,S1\n"
            "B,Part B,pcs,outsource,0,3,0,0,0,0,1,S2\n"
        ),
        "boms.csv": (
            "parent_code,output_qty,component_code,qty_per,scrap_rate,issue_method,line_type\n"
            "FG,1,A,2,0,manual,component\nFG,1,B,1,0,manual,component\n"
        ),
        "stock.csv": "item_code,warehouse,qty,unit_cost\nFG,RM,30,10\nA,RM,40,1\nB,RM,0,1\n",
        "customers.csv": "code,name\nC1,Customer\n",
        "purchase_orders.csv": (
            "po_no,supplier,order_date,line_no,item_code,qty,received_qty,due_date,unit_price\n"
            f"PO-1,S1,{d(0)},1,A,30,0,{d(6)},1\n"
        ),
        # the open WO's remaining material (A 25 of 40, B none) as a material list of its own
        "work_orders.csv": (
            "wo_no,item_code,qty,completed_qty,start_date,due_date,sales_order_no,sales_line_no\n"
            f"WO-1,FG,20,0,{d(3)},{d(8)},,\n"
        ),
        "sales_orders.csv": (
            "order_no,customer,order_date,line_no,item_code,qty,delivered_qty,due_date,unit_price\n"
            f"SO-1,C1,{d(0)},1,FG,100,0,{d(10)},100\n"
        ),
    }
    return {name: _rows_from_csv_text(text) for name, text in csvs.items()}


@pytest.fixture
def today_example(db):
    today = timezone.localdate()
    import_files(example_files(today))
    # WO-1's material: A 40 required (15 issued in the spec) → on hand 55 − 15 = 40 above; B 20 all issued
    from production.models import WorkOrder

    wo = WorkOrder.objects.get(number="WO-1")
    for m in wo.materials.select_related("component"):
        issued = {"A": Decimal(15), "B": Decimal(20)}[m.component.code]
        m.issued_qty = issued
        m.save(update_fields=["issued_qty"])
    PlanningChange.objects.all().delete()
    return today


def ctp_of(today_example):
    from mrp.services.promise import ctp_promise

    return ctp_promise(item_id=Item.objects.get(code="FG").pk, qty=Decimal(50), d0=today_example)


@pytest.mark.django_db
def test_quotation_page_shows_ctp_date_and_limiting_chain(today_example, login):
    expected = ctp_of(today_example)
    client = login("销售", username="seller_ctp")
    fg = Item.objects.get(code="FG")
    q = quotation_create(
        customer_id=Customer.objects.get(code="C1").pk,
        lines=[LineInput(fg.pk, Decimal(50), Decimal(100), today_example + datetime.timedelta(days=20))],
        user=client.user,
    )
    page = client.get(f"/crm/quotations/{q.pk}/").content.decode()
    assert f'<span class="ctp-date fw-semibold">{expected.date.isoformat()}</span>' in page
    assert expected.chain_text in page and "ctp-limiting" in page


@pytest.mark.django_db
def test_whatif_page_answers_and_refuses_bad_input(today_example, login):
    expected = ctp_of(today_example)
    client = login("计划", username="planner_ctp")
    page = client.get("/mrp/promise/", {"item": "FG", "qty": "50", "date": today_example.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<strong class="ctp-date">{expected.date.isoformat()}</strong>' in html
    assert expected.chain_text in html
    bad = client.get("/mrp/promise/", {"item": "FG", "qty": "1,5", "date": today_example.isoformat()})
    assert bad.status_code == 200 and "alert-danger" in bad.content.decode()
    unknown = client.get("/mrp/promise/", {"item": "NOPE", "qty": "1"}).content.decode()
    assert "NOPE 不是启用的物料。" in unknown


@pytest.mark.django_db
def test_spec_example_dated_today_gives_d0_plus_7(today_example):
    from django.utils import translation

    with translation.override("en"):
        result = ctp_of(today_example)
    assert result.date == today_example + datetime.timedelta(days=7)
    assert result.chain_text == "A: buy, 5 days; FG: make, 2 days"


@pytest.mark.django_db
def test_order_pages_show_the_flag_and_re_promise_writes_history(today_example, login):
    client = login("销售", username="seller_flag")
    line = SalesOrderLine.objects.get(order__number="SO-1")
    order = line.order
    order.owner = client.user
    order.save(update_fields=["owner"])
    feasible = today_example + datetime.timedelta(days=15)
    SalesOrderLine.objects.filter(pk=line.pk).update(
        at_risk=True, feasible_date=feasible, risk_cause="PO-1 line 1: due later", promise_date=line.due_date
    )
    detail = client.get(f"/crm/orders/{order.pk}/").content.decode()
    assert "at-risk" in detail and f"可行 {feasible.isoformat()}" in detail and "PO-1 line 1: due later" in detail
    listing = client.get("/crm/orders/", {"at_risk": "true"}).content.decode()
    assert "SO-1" in listing and f"1 行有风险 · 可行 {feasible.isoformat()}" in listing

    response = client.post(
        f"/crm/orders/{order.pk}/lines/repromise/",
        {"line": line.pk, "promise_date": feasible.isoformat(), "reason": "agreed by phone"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.promise_date, line.at_risk) == (feasible, False)
    assert order.history.filter(history_change_reason__contains="agreed by phone").count() == 1
    # a bad date is refused with a message, nothing changes
    client.post(f"/crm/orders/{order.pk}/lines/repromise/", {"line": line.pk, "promise_date": "2026-02-30"})
    line.refresh_from_db()
    assert line.promise_date == feasible


@pytest.mark.django_db
def test_repromise_of_a_foreign_line_is_404(today_example, login):
    client = login("销售", username="seller_404", superuser=True)
    order = SalesOrderLine.objects.get(order__number="SO-1").order
    other = order_create(
        customer_id=order.customer_id,
        lines=[LineInput(Item.objects.get(code="A").pk, Decimal(1), Decimal(1), today_example)],
        user=client.user,
    )
    foreign = other.lines.get()
    response = client.post(
        f"/crm/orders/{order.pk}/lines/repromise/", {"line": foreign.pk, "promise_date": "2030-01-01"}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_netchange_page_and_freshness(today_example, login):
    client = login("计划", username="planner_nc")
    page = client.get("/mrp/netchange/").content.decode()
    assert "尚无计划：请先运行 MRP。" in page
