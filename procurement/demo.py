"""Demo purchasing and outsourcing on the demo bicycle factory (inventory/demo.py, bom/demo.py):
price lists, a requisition turned into a purchase order, a partial receipt with an invoice,
and an outsourcing order painting frames at 昆山华美涂装厂 (S003). Idempotent."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from erp.errors import DomainError
from inventory.models import Item, Supplier, Warehouse

from . import services
from .models import InvoiceKind, OutsourcingOrder, PurchaseOrder, SupplierPrice

D = Decimal
MARK = "demo"
# supplier, item, price, min qty, lead days
PRICES = [
    ("S001", "RM-TUBE", "12.50", "0", 7),
    ("S001", "RM-TUBE", "12.00", "1000", 7),
    ("S004", "RM-PAINT", "38.00", "0", 5),
    ("S002", "PP-TYRE", "28.00", "0", 10),
    ("S004", "PP-RIM", "35.00", "0", 10),
    ("S004", "PP-SPOKE", "0.60", "0", 7),
    ("S004", "PP-HUB", "22.00", "0", 10),
    ("S004", "PP-CHAIN", "18.00", "0", 7),
    ("S004", "PP-BOLT", "0.15", "0", 3),
    ("S004", "PP-BOLT", "0.12", "5000", 3),
]


def seed(out):
    suppliers = Supplier.objects.in_bulk(field_name="code")
    items = Item.objects.in_bulk(field_name="code")
    if "S001" not in suppliers or "RM-TUBE" not in items:
        out.write("procurement demo skipped: inventory demo data missing")
        return
    for sup, code, price, min_qty, lead in PRICES:
        SupplierPrice.objects.get_or_create(
            supplier=suppliers[sup],
            item=items[code],
            min_qty=D(min_qty),
            defaults={"price": D(price), "lead_time_days": lead},
        )
    if (
        PurchaseOrder.objects.filter(note=MARK).exists()
        or PurchaseOrder.objects.filter(lines__requisition_line__requisition__note=MARK).exists()
    ):
        out.write("procurement demo already there")
        return
    today = timezone.localdate()
    rm = Warehouse.objects.filter(code="RM").first()
    req = services.requisition_create(
        request_date=today,
        department="生产部",
        note=MARK,
        lines=[
            {"item_id": items["PP-TYRE"].pk, "qty": D("100"), "need_date": today + datetime.timedelta(days=10)},
            {"item_id": items["PP-SPOKE"].pk, "qty": D("1000"), "need_date": today + datetime.timedelta(days=7)},
            {
                "item_id": items["PP-BOLT"].pk,
                "qty": D("5000"),
                "need_date": today + datetime.timedelta(days=5),
                "source_type": "production.workorderline",
                "source_id": 0,
                "source_number": "示例缺料",
            },
        ],
    )
    services.requisition_approve(requisition_id=req.pk)
    orders = services.requisition_lines_to_orders(line_ids=[ln.pk for ln in req.lines.all()], order_date=today)
    for po in orders:
        if rm and po.warehouse_id is None:
            po.warehouse = rm
            po.save(update_fields=["warehouse"])
        services.purchase_order_confirm(order_id=po.pk)
    s004 = next(po for po in orders if po.supplier.code == "S004")
    spoke = s004.lines.get(item__code="PP-SPOKE")
    gr = services.purchase_receipt_post(order_id=s004.pk, lines=[(spoke.pk, D("600"))], receipt_date=today)
    inv = services.supplier_invoice_create(
        supplier_id=s004.supplier_id,
        invoice_date=today,
        supplier_invoice_no="04400001",
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": D("600"), "unit_price": D("0.62")}],
    )
    services.supplier_invoice_confirm(invoice_id=inv.pk)
    # outsourced painting of 5 frames
    if "FRP-100" in items and "S003" in suppliers and not OutsourcingOrder.objects.filter(note=MARK).exists():
        order = services.outsourcing_order_create(
            supplier_id=suppliers["S003"].pk,
            item_id=items["FRP-100"].pk,
            qty=D("5"),
            unit_fee=D("35"),
            order_date=today,
            due_date=today + datetime.timedelta(days=5),
            note=MARK,
        )
        services.outsourcing_order_confirm(order_id=order.pk)
        mats = list(order.materials.all())
        if mats:
            try:
                with transaction.atomic():
                    _outsourcing_moves(order, mats, suppliers, today)
            except DomainError as exc:  # demo stock may be missing; keep the order
                out.write(f"procurement demo: outsourcing movements skipped ({exc})")
    out.write("procurement demo ready")


def _outsourcing_moves(order, mats, suppliers, today):
    services.outsourcing_material_move(
        order_id=order.pk, kind="issue", lines=[(m.pk, m.required_qty) for m in mats], on_date=today
    )
    rc = services.outsourcing_receipt_post(order_id=order.pk, qty=D("2"), receipt_date=today)
    # the fee invoice is left as a draft for the demo
    services.supplier_invoice_create(
        supplier_id=suppliers["S003"].pk,
        invoice_date=today,
        kind=InvoiceKind.OUTSOURCING,
        lines=[{"outsourcing_receipt_id": rc.pk, "qty": D("2"), "unit_price": D("35")}],
    )
