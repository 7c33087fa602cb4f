"""Demo work orders for the bicycle factory (after inventory, bom and crm demo data).

Idempotent: orders carry the note "demo" and are made only once."""

import datetime
from decimal import Decimal

from django.utils import timezone

from erp.errors import DomainError
from inventory.models import Item

from .models import WorkOrder
from .services import picking as pk
from .services import receipts as rc
from .services import work_orders as wos

DEMO_NOTE = "demo"


def seed(out):
    if WorkOrder.objects.filter(note=DEMO_NOTE).exists():
        return
    items = {i.code: i for i in Item.objects.filter(code__in=["BK-100", "FR-100", "DT-100"])}
    if "BK-100" not in items:
        out.write("production demo: inventory demo items missing, skipped")
        return
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    specs = [
        # item, qty, start offset, finish offset, pick, receive
        ("BK-100", "10", -5, 2, True, None),
        ("BK-100", "20", 3, 10, False, None),
        ("FR-100", "15", -10, -1, False, None),
        ("DT-100", "8", -2, 6, True, "3"),
    ]
    made = 0
    for code, qty, s, f, kit, receive in specs:
        item = items.get(code)
        if item is None:
            continue
        try:
            wo = wos.work_order_create(
                item_id=item.pk,
                qty=Decimal(qty),
                planned_start=today + s * day,
                planned_finish=today + f * day,
                note=DEMO_NOTE,
            )
            wos.work_order_release(work_order_id=wo.pk)
            made += 1
            if kit:
                _pick(wo, today)
            if receive:
                receipt = rc.fg_receipt_create(work_order_id=wo.pk, qty=Decimal(receive), receipt_date=today)
                rc.fg_receipt_confirm(receipt_id=receipt.pk)
        except DomainError as exc:
            out.write(f"production demo: {code}: {exc}")
    try:
        from crm.selectors import sales_order_lines

        line = (
            sales_order_lines()
            .filter(order__status="confirmed", item__supply_type="manufacture")
            .order_by("order__number", "line_no")
            .first()
        )
        if line is not None and wos.sales_line_left_to_arrange(line) > 0:
            wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk)
            wo.note = DEMO_NOTE
            wo.save(update_fields=["note"])
            wos.work_order_release(work_order_id=wo.pk)
            made += 1
    except DomainError as exc:
        out.write(f"production demo: sales-order work order skipped: {exc}")
    out.write(f"production demo: {made} work orders")


def _pick(wo, today):
    """Kit-pick what stock allows; when no full set is in stock, batch-pick what there is."""
    figures = pk.kit_figures(wo)
    if figures["max_sets"] > 0:
        picking = pk.picking_create_kit(work_order_id=wo.pk, pick_date=today)
    else:
        from inventory.selectors import on_hand_by_item_warehouse

        stock = on_hand_by_item_warehouse({m.component_id for m in figures["lines"]})
        qtys = {
            m.pk: min(m.required, stock.get((m.component_id, figures["warehouses"][m.pk]), Decimal(0)))
            for m in figures["lines"]
        }
        qtys = {k: v for k, v in qtys.items() if v > 0}
        if not qtys:
            return
        picking = pk.picking_create_batch(work_order_id=wo.pk, qtys=qtys, pick_date=today)
    pk.picking_confirm(picking_id=picking.pk)
