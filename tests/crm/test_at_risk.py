"""Supply delays reach customers (docs/mrp.md §5): a purchase order moved 5 days later flags the
sales-order line it serves at risk with its new feasible date, its owner is notified; a re-promise
is audited."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from crm.models import SalesOrder, SalesOrderLine
from crm.services.promises import sales_line_repromise
from erp.errors import StateError
from erp.exchange import import_files
from erp.exchange.engine import _rows_from_csv_text
from erp.models import Notification
from inventory.models import PlanningChange
from mrp.models import PlanUpdate
from mrp.services.netchange import net_change_apply
from procurement.models import PurchaseOrderLine
from procurement.services.orders import purchase_order_line_reschedule

D0 = datetime.date(2026, 3, 2)


def d(n):
    return D0 + datetime.timedelta(days=n)


def setup_plan(owner):
    """FG (make, 2 days) = 1 A; A bought in 20 days; PO A 100 due D0+8 arrives just when FG must
    start for the order FG 100 due (and promised) D0+10."""
    csvs = {
        "suppliers.csv": "code,name\nS1,Steel Co\n",
        "warehouses.csv": "code,name,parent_code,nettable\nRM,Raw,,1\n",
        "items.csv": (
            "code,name,uom,supply_type,make_to_order,lead_time_days,safety_stock,min_order_qty,order_multiple,"
            "order_period_days,standard_cost,default_supplier\n"
            "FG,Finished,pcs,manufacture,0,2,0,0,0,0,10,\nA,Part A,pcs,purchase,0,20,0,0,0,0,1,S1\n"
        ),
        "boms.csv": (
            "parent_code,output_qty,component_code,qty_per,scrap_rate,issue_method,line_type\n"
            "FG,1,A,1,0,manual,component\n"
        ),
        "customers.csv": "code,name\nC1,Customer\n",
        "purchase_orders.csv": (
            "po_no,supplier,order_date,line_no,item_code,qty,received_qty,due_date,unit_price\n"
            f"PO-1,S1,{d(0)},1,A,100,0,{d(8)},1\n"
        ),
        "sales_orders.csv": (
            "order_no,customer,order_date,line_no,item_code,qty,delivered_qty,due_date,unit_price\n"
            f"SO-1,C1,{d(0)},1,FG,100,0,{d(10)},100\n"
        ),
    }
    import_files({name: _rows_from_csv_text(text) for name, text in csvs.items()})
    SalesOrder.objects.update(owner=owner)
    SalesOrderLine.objects.update(promise_date=d(10))
    PlanningChange.objects.all().delete()
    call_command("mrp_run", date=D0.isoformat(), stdout=io.StringIO())


@pytest.mark.django_db
def test_po_moved_5_days_later_flags_the_pegged_line_and_notifies_its_owner(make_user, admin_client_su):
    owner = make_user("seller_risk", email="seller@example.com")
    setup_plan(owner)
    line = SalesOrderLine.objects.get()
    assert not line.at_risk
    po_line = PurchaseOrderLine.objects.get()
    with translation.override("zh-hans"):  # a Chinese-speaking buyer moves the date
        purchase_order_line_reschedule(line_id=po_line.pk, due_date=d(13), reason="mill delay")
    with translation.override("zh-hans"):  # the worker's language: the reason is stored without one
        update = net_change_apply().update

    line.refresh_from_db()
    # A now arrives D0+13 (buying new A takes 20 days): FG can start D0+13, done D0+15
    assert line.at_risk and line.feasible_date == d(15)
    assert line.risk_chain == [["A", "purchase", 20], ["FG", "manufacture", 2]]
    # each reader sees the cause in their own language, whoever made the change
    n = po_line.line_no
    with translation.override("en"):
        assert line.risk_reason == (f"PO-1 line {n}: due {d(8)} → {d(13)}; limiting: A: buy, 20 days; FG: make, 2 days")
    with translation.override("zh-hans"):
        assert line.risk_reason == f"PO-1 第 {n} 行：交期 {d(8)} → {d(13)}；瓶颈：A: 采购, 20 天; FG: 自制, 2 天"
    url = f"/crm/orders/{line.order_id}/"
    page = admin_client_su.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "limiting: A: buy, 20 days; FG: make, 2 days" in page and "瓶颈" not in page and "交期" not in page
    page = admin_client_su.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "瓶颈：A: 采购, 20 天; FG: 自制, 2 天" in page
    assert update.at_risk_count == 1
    note = Notification.objects.get(user=owner, kind="crm.at_risk")
    # the notification is a message written when sent: in the worker's language
    assert note.title == f"SO-1 第 1 行（FG）有交期风险：可行日期 {d(15)}，承诺日期 {d(10)}"
    assert note.url == f"/crm/orders/{line.order_id}/"

    # the supplier makes it after all: back to D0+8 → the flag is cleared, no new notification
    with translation.override("en"):
        purchase_order_line_reschedule(line_id=po_line.pk, due_date=d(8), reason="expedited")
        net_change_apply()
    line.refresh_from_db()
    assert not line.at_risk and line.feasible_date is None
    assert Notification.objects.filter(user=owner).count() == 1
    assert PlanUpdate.objects.count() == 2


@pytest.mark.django_db
def test_re_promise_sets_the_date_clears_the_flag_and_writes_history(make_user):
    owner = make_user("seller_rp")
    setup_plan(owner)
    line = SalesOrderLine.objects.get()
    SalesOrderLine.objects.filter(pk=line.pk).update(at_risk=True, feasible_date=d(15), risk_cause="PO-1 late")
    order = line.order
    before = order.history.count()
    sales_line_repromise(order_id=order.pk, line_id=line.pk, promise_date=d(15), reason="customer agreed", user=owner)
    line.refresh_from_db()
    assert (line.promise_date, line.at_risk, line.risk_cause) == (d(15), False, "")
    assert order.history.count() == before + 1
    row = order.history.first()
    assert row.history_change_reason == f"line 1: promise {d(10)} → {d(15)}; customer agreed"
    assert row.history_user == owner


@pytest.mark.django_db
def test_re_promise_of_a_closed_line_is_refused_and_changes_nothing(make_user):
    owner = make_user("seller_rp2")
    setup_plan(owner)
    line = SalesOrderLine.objects.get()
    SalesOrderLine.objects.filter(pk=line.pk).update(closed=True)
    with pytest.raises(StateError):
        sales_line_repromise(order_id=line.order_id, line_id=line.pk, promise_date=d(15), user=owner)
    line.refresh_from_db()
    assert line.promise_date == d(10)
    assert line.order.history.filter(history_change_reason__contains="promise").count() == 0


@pytest.mark.django_db
def test_a_line_of_another_order_is_not_found(make_user):
    from crm.models import SalesOrderLine as Line

    owner = make_user("seller_rp3")
    setup_plan(owner)
    line = SalesOrderLine.objects.get()
    with pytest.raises(Line.DoesNotExist):
        sales_line_repromise(order_id=line.order_id, line_id=line.pk + 999, promise_date=d(15), user=owner)
    assert Decimal(line.qty) == Decimal(100)
