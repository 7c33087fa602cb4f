"""The apps that hold demand tell the dead-stock report about it (spec: "no open demand" hint):
open sales-order lines (crm), material still to issue to open work orders (production)."""

import datetime
from decimal import Decimal

from inventory.selectors import open_demand_by_item
from tests import factories as f
from tests.crm.helpers import bike, customer, order
from tests.production.helpers import make_wo, wh

D = Decimal


def test_sales_and_work_order_demand_reach_the_dead_stock_report(db):
    today = datetime.date(2026, 6, 1)
    sold = bike("BK-DEMAND")
    idle = f.item("IDLE-1")
    order(customer("C-D"), sold, 7, confirm=True, due=today + datetime.timedelta(days=10), today=today)
    rm = wh("RM")
    wo = make_wo("FG-D", 4, lines=[("COMP-D", "2.5", "manual", rm)])
    comp = f.item("COMP-D")
    demand = open_demand_by_item([sold.pk, idle.pk, comp.pk])
    assert demand[sold.pk] == D("7")
    assert demand[comp.pk] == D("10")  # 4 × 2.5, nothing issued yet
    assert demand[idle.pk] == D("0")
    assert wo.status == "released"
