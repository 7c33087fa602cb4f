"""Confirming a sales order promises what the quotation's capable-to-promise date said (issue 14:
ATP from stock and scheduled receipts, else CTP through the BOM). Found end to end: the quotation
showed 2026-12-15 (parts, then assembly), confirmation promised the bike's own lead time only
and the first net change flagged the line at risk."""

import datetime
from decimal import Decimal as D

import pytest

from crm import atp as crm_atp
from crm.models import Customer, SalesOrderLine
from crm.services.orders import LineInput, order_confirm, order_create, quotation_create, quotation_to_order
from erp.exchange import import_files
from erp.exchange.engine import _rows_from_csv_text
from inventory.models import Item

D0 = datetime.date(2026, 12, 7)


def load():
    csvs = {
        "suppliers.csv": "code,name\nS1,Steel Co\n",
        "warehouses.csv": "code,name,parent_code,nettable\nRM,Raw,,1\n",
        "items.csv": (
            "code,name,uom,supply_type,make_to_order,lead_time_days,safety_stock,min_order_qty,order_multiple,"
            "order_period_days,standard_cost,default_supplier\n"
            "FG,Bike,pcs,manufacture,1,2,0,0,0,0,10,\n"
            "A,Frame,pcs,purchase,0,6,0,0,0,0,1,S1\n"
            "P,Pump,pcs,purchase,0,3,0,0,0,0,1,S1\n"
        ),
        "boms.csv": (
            "parent_code,output_qty,component_code,qty_per,scrap_rate,issue_method,line_type\nFG,1,A,2,0,manual,component\n"
        ),
        # 4 pumps in stock: a line of 3 is covered by ATP today
        "stock.csv": "item_code,warehouse,qty,unit_cost\nP,RM,4,1\n",
        "customers.csv": "code,name\nC1,Customer\n",
    }
    import_files({name: _rows_from_csv_text(text) for name, text in csvs.items()})


def lines():
    due = datetime.date(2026, 12, 20)
    return [
        LineInput(Item.objects.get(code="FG").pk, D(5), D(100), due),
        LineInput(Item.objects.get(code="P").pk, D(3), D(10), due),
    ]


def promised(order):
    return {ln.item.code: ln.promise_date for ln in SalesOrderLine.objects.filter(order=order).select_related("item")}


@pytest.mark.django_db
def test_confirming_an_order_promises_the_capable_to_promise_date():
    load()
    customer = Customer.objects.get(code="C1")
    order = order_create(customer_id=customer.pk, lines=lines(), user=None, order_date=D0)
    order_confirm(order_id=order.pk, user=None, today=D0)
    # bike: frames 6 days then assembly 2 → 2026-12-15 (not the bike's own 2 days: 12-09); pump: in stock
    assert promised(order) == {"FG": datetime.date(2026, 12, 15), "P": D0}


@pytest.mark.django_db
def test_an_order_from_a_quotation_promises_the_quotations_ctp_date():
    load()
    customer = Customer.objects.get(code="C1")
    q = quotation_create(customer_id=customer.pk, lines=lines(), user=None, quote_date=D0)
    shown = {ln.item.code: ln.ctp["date"] for ln in crm_atp.attach_ctp(q.lines.select_related("item"), D0)}
    assert shown == {"FG": datetime.date(2026, 12, 15), "P": D0}
    order = quotation_to_order(quotation_id=q.pk, user=None, order_date=D0)
    order_confirm(order_id=order.pk, user=None, today=D0)
    assert promised(order) == shown
