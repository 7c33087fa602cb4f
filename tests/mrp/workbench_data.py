"""Small data sets for the MRP workbench tests, loaded through the exchange format."""

import datetime

from erp.exchange import import_files
from erp.exchange.engine import _rows_from_csv_text

D0 = datetime.date(2026, 3, 2)

ITEM_HEAD = (
    "code,name,uom,supply_type,make_to_order,lead_time_days,safety_stock,min_order_qty,order_multiple,"
    "order_period_days,standard_cost,default_supplier\n"
)
BOM_HEAD = "parent_code,output_qty,component_code,qty_per,scrap_rate,issue_method,line_type\n"
SO_HEAD = "order_no,customer,order_date,line_no,item_code,qty,delivered_qty,due_date,unit_price\n"
PO_HEAD = "po_no,supplier,order_date,line_no,item_code,qty,received_qty,due_date,unit_price\n"
WO_HEAD = "wo_no,item_code,qty,completed_qty,start_date,due_date,sales_order_no,sales_line_no\n"


def d(n: int) -> str:
    return (D0 + datetime.timedelta(days=n)).isoformat()


def load(**csvs: str) -> None:
    """import_files from CSV texts; suppliers, customers and a nettable warehouse come for free."""
    base = {
        "suppliers.csv": "code,name\nS1,Steel Co\nS2,Paint Shop\n",
        "customers.csv": "code,name\nC1,Customer\n",
        "warehouses.csv": "code,name,parent_code,nettable\nRM,Raw,,1\n",
    }
    base.update({f"{k}.csv": v for k, v in csvs.items()})
    import_files({name: _rows_from_csv_text(text) for name, text in base.items()})


def plan_rows(run) -> list[tuple]:
    from mrp.models import PlannedOrder

    return [
        (p.item.code, p.order_type, p.qty.normalize(), (p.release_date - D0).days, (p.due_date - D0).days, p.pegged_to)
        for p in PlannedOrder.objects.filter(run=run).select_related("item").order_by("item__code", "due_date")
    ]


def run_now(horizon: int = 90):
    from mrp.services.runs import mrp_run_create, mrp_run_execute

    run = mrp_run_execute(run_id=mrp_run_create(run_date=D0, horizon_days=horizon).pk)
    assert run.status == "done", run.message
    return run
