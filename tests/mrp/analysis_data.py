"""Scenarios for the kitting and shortage analyses, imported through the exchange format (the
same path the reference data takes)."""

import datetime

from erp.exchange import import_files
from erp.exchange.engine import _rows_from_csv_text

D0 = datetime.date(2026, 3, 2)


def d(n: int) -> str:
    return (D0 + datetime.timedelta(days=n)).isoformat()


ITEMS_HEAD = (
    "code,name,uom,supply_type,make_to_order,lead_time_days,safety_stock,min_order_qty,order_multiple,"
    "order_period_days,standard_cost,default_supplier\n"
)
BOM_HEAD = "parent_code,output_qty,component_code,qty_per,scrap_rate,issue_method,key_part,line_type\n"
WO_HEAD = "wo_no,item_code,qty,completed_qty,start_date,due_date,sales_order_no,sales_line_no\n"


def load(csvs: dict[str, str]) -> None:
    base = {
        "suppliers.csv": "code,name\nS1,Steel Co\n",
        "warehouses.csv": "code,name,parent_code,nettable\nRM,Raw,,1\n",
        "customers.csv": "code,name\nC1,Customer\n",
    }
    import_files({name: _rows_from_csv_text(text) for name, text in {**base, **csvs}.items()})


def kitting_example(*, c_method="manual", a_key=0, extra_wo="") -> None:
    """mrp.md §2: per set A 2, B 1, C 3; stock A 25, B 20, C 40; WO1 5, WO2 10, WO3 8 (start order)."""
    load(
        {
            "items.csv": ITEMS_HEAD
            + "FG,Bike,pcs,manufacture,0,2,0,0,0,0,10,\n"
            + "".join(f"{c},Part {c},pcs,purchase,0,5,0,0,0,0,1,S1\n" for c in "ABC"),
            "boms.csv": BOM_HEAD
            + f"FG,1,A,2,0,manual,{a_key},component\nFG,1,B,1,0,manual,0,component\n"
            + f"FG,1,C,3,0,{c_method},0,component\n",
            "stock.csv": "item_code,warehouse,qty,unit_cost\nA,RM,25,1\nB,RM,20,1\nC,RM,40,1\n",
            # finish dates in the reverse order of the starts (for --priority finish)
            "work_orders.csv": WO_HEAD
            + f"WO1,FG,5,0,{d(1)},{d(9)},,\nWO2,FG,10,0,{d(2)},{d(8)},,\nWO3,FG,8,0,{d(3)},{d(7)},,\n"
            + extra_wo,
        }
    )


def lowest_example() -> None:
    """mrp.md §2: FG = 1 SA + 1 C, SA = 2 A; stock SA 3, A 10, C 20; one work order of 10 FG."""
    load(
        {
            "items.csv": ITEMS_HEAD
            + "FG,Bike,pcs,manufacture,0,2,0,0,0,0,10,\nSA,Frame,pcs,manufacture,0,2,0,0,0,0,5,\n"
            + "A,Tube,pcs,purchase,0,5,0,0,0,0,1,S1\nC,Wheel,pcs,purchase,0,5,0,0,0,0,1,S1\n",
            "boms.csv": BOM_HEAD
            + "FG,1,SA,1,0,manual,0,component\nFG,1,C,1,0,manual,0,component\nSA,1,A,2,0,manual,0,component\n",
            "stock.csv": "item_code,warehouse,qty,unit_cost\nSA,RM,3,5\nA,RM,10,1\nC,RM,20,1\n",
            "work_orders.csv": WO_HEAD + f"WO-FG,FG,10,0,{d(1)},{d(5)},,\n",
        }
    )


def shortage_example() -> None:
    """mrp.md §3 before the change: WO-100 (5 A, starts first), WO-101 10 FG (A 2 per FG);
    stock A 20 (8 of it will be issued to WO-101); a PO for 10 A due before WO-101's start."""
    load(
        {
            "items.csv": ITEMS_HEAD
            + "FG,Bike,pcs,manufacture,0,2,0,0,0,0,10,\nFG2,Trike,pcs,manufacture,0,2,0,0,0,0,10,\n"
            + "A,Tube,pcs,purchase,0,5,0,0,0,0,1,S1\n",
            "boms.csv": BOM_HEAD + "FG,1,A,2,0,manual,0,component\nFG2,1,A,1,0,manual,0,component\n",
            "stock.csv": "item_code,warehouse,qty,unit_cost\nA,RM,20,1\n",
            "purchase_orders.csv": (
                "po_no,supplier,order_date,line_no,item_code,qty,received_qty,due_date,unit_price\n"
                f"PO-1,S1,{d(0)},1,A,10,0,{d(4)},1\n"
            ),
            "work_orders.csv": WO_HEAD + f"WO-100,FG2,5,0,{d(1)},{d(3)},,\nWO-101,FG,10,0,{d(5)},{d(8)},,\n",
        }
    )


def issue(wo_no: str, qtys: dict[str, int]) -> None:
    from decimal import Decimal

    from inventory.models import Item, Warehouse
    from production.models import WorkOrder
    from production.services.picking import picking_confirm, picking_create_batch

    Item.objects.update(default_warehouse=Warehouse.objects.get(code="RM"))
    wo = WorkOrder.objects.get(number=wo_no)
    by_code = {m.component.code: m.pk for m in wo.materials.select_related("component")}
    picking = picking_create_batch(
        work_order_id=wo.pk, qtys={by_code[c]: Decimal(q) for c, q in qtys.items()}, pick_date=D0
    )
    picking_confirm(picking_id=picking.pk)
