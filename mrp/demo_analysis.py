"""Demo data for the kitting and shortage analyses (issue 13): the spec's kitting example as a
small wheel-set family (per set KT-A 2, KT-B 1, KT-C 3; stock 25 / 20 / 40; three released work
orders of 5, 10 and 8 sets), analysed so that the production list shows 齐套 / 部分 / 缺料, and a
purchase requisition made from the short order's lines (按源单生成采购申请). Idempotent."""

import datetime

from django.utils import timezone

from erp.exchange import import_files
from erp.exchange.engine import _rows_from_csv_text
from inventory.models import Supplier, Warehouse
from procurement.models import RequisitionLineSource
from production.models import WorkOrder

from .services.analysis import WO_SOURCE, kitting_analyse, shortage_analyse, shortage_requisition_create


def seed_analysis(out) -> None:
    supplier = Supplier.objects.filter(code="S001").first()
    if supplier is None or not Warehouse.objects.filter(code="RM").exists():
        out.write("mrp demo: inventory demo data missing, analyses skipped")
        return
    today = timezone.localdate()

    def day(n: int) -> str:
        return (today + datetime.timedelta(days=n)).isoformat()

    if not WorkOrder.objects.filter(number="KT-WO1").exists():
        csvs = {
            "items.csv": (
                "code,name,uom,supply_type,make_to_order,lead_time_days,safety_stock,min_order_qty,"
                "order_multiple,order_period_days,standard_cost,default_supplier\n"
                "KT-FG,齐套演示 轮组,pcs,manufacture,0,2,0,0,0,0,60,\n"
                "KT-A,齐套演示 辐条,pcs,purchase,0,5,0,0,0,0,1,S001\n"
                "KT-B,齐套演示 花鼓,pcs,purchase,0,5,0,0,0,0,20,S001\n"
                "KT-C,齐套演示 辐条帽,pcs,purchase,0,5,0,0,0,0,0.5,S001\n"
            ),
            "boms.csv": (
                "parent_code,output_qty,component_code,qty_per,scrap_rate,issue_method,key_part,line_type\n"
                "KT-FG,1,KT-A,2,0,manual,1,component\nKT-FG,1,KT-B,1,0,manual,1,component\n"
                "KT-FG,1,KT-C,3,0,backflush,0,component\n"
            ),
            "stock.csv": "item_code,warehouse,qty,unit_cost\nKT-A,RM,25,1\nKT-B,RM,20,20\nKT-C,RM,40,0.5\n",
            "work_orders.csv": (
                "wo_no,item_code,qty,completed_qty,start_date,due_date,sales_order_no,sales_line_no\n"
                f"KT-WO1,KT-FG,5,0,{day(1)},{day(4)},,\nKT-WO2,KT-FG,10,0,{day(2)},{day(5)},,\n"
                f"KT-WO3,KT-FG,8,0,{day(3)},{day(6)},,\n"
            ),
        }
        import_files({name: _rows_from_csv_text(text) for name, text in csvs.items()})
    report = kitting_analyse(on_date=today)
    mine = {d.label: d.status for d in report.demands if d.label.startswith("KT-WO")}
    wo3 = WorkOrder.objects.get(number="KT-WO3")
    if not RequisitionLineSource.objects.filter(source_type=WO_SOURCE, source_id=wo3.pk).exists():
        keys = [r.key for r in shortage_analyse(on_date=today).rows if r.order_no == "KT-WO3" and r.short > 0]
        if keys:
            req = shortage_requisition_create(on_date=today, keys=keys, basis="short")
            out.write(f"mrp demo: requisition {req.number} from the shortages of KT-WO3")
    out.write(f"mrp demo: kitting {mine}")
