"""Demo bicycle factory: units, categories, warehouses, suppliers, items, opening stock.

Item codes are documented in docs/inventory.md (other apps build their demo BOMs and orders
on them). Idempotent: running it again changes nothing.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .models import Item, ItemCategory, OtherReceipt, Supplier, UnitOfMeasure, UomConversion, Warehouse, WarehouseKind
from .services.documents import LineInput, other_receipt_confirm, other_receipt_create
from .services.opening import OpeningRow, opening_balances_set
from .services.trees import tree_lock
from .services.warehouses import subcontractor_location_for

UNITS = [("pcs", "个"), ("kg", "千克"), ("m", "米"), ("set", "套"), ("box", "箱")]
CATEGORIES = ["成品", "成品/自行车", "半成品", "原材料", "外购件", "外购件/标准件"]
WAREHOUSES = [
    # code, name, nettable
    ("RM", "原材料仓", True),
    ("FG", "成品仓", True),
    ("WIP", "半成品仓", True),
    ("QC", "不良品仓", False),
]
SUPPLIERS = [
    # code, name, contact, phone
    ("S001", "天津钢管有限公司", "张经理", "022-23456789"),
    ("S002", "厦门正新橡胶工业", "林小姐", "0592-6543210"),
    ("S003", "昆山华美涂装厂", "周师傅", "0512-5678901"),  # painting subcontractor (委外涂装)
    ("S004", "宁波顺达五金", "陈先生", "0574-8765432"),
]
D = Decimal
# code, name, spec, uom, category, supply_type, lead days, safety stock, MOQ, multiple, std cost, supplier, warehouse
ITEMS = [
    ("BK-100", "城市自行车", "26寸 蓝色", "pcs", "成品/自行车", "manufacture", 3, "10", "0", "0", "820", None, "FG"),
    ("FR-100", "车架(未涂装)", "铬钼钢 18寸", "pcs", "半成品", "manufacture", 2, "0", "0", "0", "180", None, "WIP"),
    ("FRP-100", "车架(已涂装)", "蓝色烤漆", "pcs", "半成品", "outsource", 5, "0", "0", "0", "230", "S003", "WIP"),
    ("WS-100", "车轮组", "26寸 虚拟件", "set", "半成品", "phantom", 0, "0", "0", "0", "0", None, None),
    ("DT-100", "传动系统", "单速 跳层", "set", "半成品", "manufacture", 1, "0", "0", "0", "95", None, "WIP"),
    ("RM-TUBE", "钢管", "铬钼钢 Φ28", "kg", "原材料", "purchase", 7, "100", "500", "100", "12.5", "S001", "RM"),
    ("RM-PAINT", "油漆", "蓝色 烤漆", "kg", "原材料", "purchase", 5, "10", "20", "5", "38", "S004", "RM"),
    ("PP-TYRE", "轮胎", "26x1.95", "pcs", "外购件", "purchase", 10, "50", "100", "50", "28", "S002", "RM"),
    ("PP-RIM", "轮圈", "26寸 铝合金", "pcs", "外购件", "purchase", 10, "40", "100", "50", "35", "S004", "RM"),
    (
        "PP-SPOKE",
        "辐条",
        "不锈钢 262mm",
        "pcs",
        "外购件/标准件",
        "purchase",
        7,
        "500",
        "1000",
        "500",
        "0.6",
        "S004",
        "RM",
    ),
    ("PP-HUB", "花鼓", "前后通用", "pcs", "外购件", "purchase", 10, "40", "100", "50", "22", "S004", "RM"),
    ("PP-CHAIN", "链条", "单速 1/2x1/8", "pcs", "外购件", "purchase", 7, "30", "50", "10", "18", "S004", "RM"),
    ("PP-CRANK", "曲柄", "单片 170mm", "set", "外购件", "purchase", 7, "20", "50", "10", "45", "S004", "RM"),
    ("PP-PEDAL", "脚踏", "树脂", "set", "外购件", "purchase", 5, "20", "50", "10", "15", "S004", "RM"),
    ("PP-SADDLE", "车座", "舒适型", "pcs", "外购件", "purchase", 7, "20", "50", "10", "32", "S004", "RM"),
    ("PP-HBAR", "车把", "直把 580mm", "pcs", "外购件", "purchase", 7, "20", "50", "10", "26", "S004", "RM"),
    ("PP-BRAKE", "刹车", "V刹 前后", "set", "外购件", "purchase", 7, "20", "50", "10", "40", "S004", "RM"),
    ("PP-BOLT", "螺栓", "M6x20", "pcs", "外购件/标准件", "purchase", 3, "500", "1000", "1000", "0.15", "S004", "RM"),
    ("RM-PAINT-R", "油漆(旧款红色)", "红色 已停用", "kg", "原材料", "purchase", 5, "0", "0", "0", "36", "S004", "RM"),
]
AGED_RECEIPT_REASON = "演示:旧款红漆库存"
# item, warehouse, qty, unit cost
OPENING = [
    ("BK-100", "FG", "12", "820"),
    ("FR-100", "WIP", "5", "180"),
    ("RM-TUBE", "RM", "850", "12.5"),
    ("RM-PAINT", "RM", "40", "38"),
    ("PP-TYRE", "RM", "120", "28"),
    ("PP-RIM", "RM", "60", "35"),
    ("PP-SPOKE", "RM", "2400", "0.6"),
    ("PP-HUB", "RM", "50", "22"),
    ("PP-CHAIN", "RM", "35", "18"),
    ("PP-CRANK", "RM", "25", "45"),
    ("PP-PEDAL", "RM", "30", "15"),
    ("PP-SADDLE", "RM", "18", "32"),
    ("PP-HBAR", "RM", "22", "26"),
    ("PP-BRAKE", "RM", "15", "40"),
    ("PP-BOLT", "RM", "3000", "0.15"),
    ("PP-TYRE", "QC", "4", "28"),
]


@transaction.atomic
def seed(out):
    units = {}
    for code, name in UNITS:
        units[code] = UnitOfMeasure.objects.get_or_create(code=code, defaults={"name": name})[0]
    tree_lock("inventory.itemcategory")
    cats = {}
    for path in CATEGORIES:
        parent_path, _sep, name = path.rpartition("/")
        cats[path] = ItemCategory.objects.filter(path=path).first() or ItemCategory.objects.create(
            name=name, parent=cats.get(parent_path)
        )
    tree_lock("inventory.warehouse")
    whs = {}
    for code, name, nettable in WAREHOUSES:
        whs[code] = Warehouse.objects.filter(code=code).first() or Warehouse.objects.create(
            code=code, name=name, nettable=nettable, kind=WarehouseKind.WAREHOUSE
        )
    sups = {}
    for code, name, contact, phone in SUPPLIERS:
        sups[code] = Supplier.objects.get_or_create(
            code=code, defaults={"name": name, "contact": contact, "phone": phone}
        )[0]
    subcontractor_location_for(supplier_id=sups["S003"].pk)
    items = {}
    for code, name, spec, uom, cat, st, lead, ss, moq, mult, cost, sup, wh in ITEMS:
        items[code] = Item.objects.filter(code=code).first() or Item.objects.create(
            code=code,
            name=name,
            spec=spec,
            uom=units[uom],
            category=cats[cat],
            supply_type=st,
            lead_time_days=lead,
            safety_stock=D(ss),
            min_order_qty=D(moq),
            order_multiple=D(mult),
            standard_cost=D(cost),
            default_supplier=sups.get(sup) if sup else None,
            default_warehouse=whs.get(wh) if wh else None,
        )
    # purchase unit: spokes are bought in boxes of 100
    spoke = items["PP-SPOKE"]
    if spoke.purchase_uom_id is None:
        spoke.purchase_uom = units["box"]
        spoke.purchase_factor = D("100")
        spoke.save(update_fields=["purchase_uom", "purchase_factor"])
    UomConversion.objects.get_or_create(
        item=spoke, from_uom=units["box"], to_uom=units["pcs"], defaults={"factor": D("100")}
    )
    opening_balances_set(
        rows=[OpeningRow(items[i].pk, whs[w].pk, D(q), D(c)) for i, w, q, c in OPENING],
    )
    # old red paint received ~200 days ago and never issued: shows up in the dead-stock report
    if not OtherReceipt.objects.filter(reason=AGED_RECEIPT_REASON).exists():
        doc = other_receipt_create(
            warehouse_id=whs["RM"].pk,
            lines=[LineInput(items["RM-PAINT-R"].pk, D("60"), D("36"))],
            doc_date=timezone.localdate() - datetime.timedelta(days=200),
            reason=AGED_RECEIPT_REASON,
        )
        other_receipt_confirm(doc_id=doc.pk)
    out.write(f"Inventory: {len(items)} items, {len(whs)} warehouses, {len(OPENING)} opening balances.\n")
