"""purchase_orders.csv (order 60) and outsourcing_orders.csv (order 80) on the exchange engine.

Open documents from the previous system: imported orders are confirmed; `received_qty` is
history (the stock itself comes from stock.csv), so no stock moves or accruals are posted.
Rows match by document number (+ line number); re-importing the same file changes nothing.
"""

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from erp.exchange.engine import ExchangeFile, ImportContext, Row, register
from inventory.models import Item, Supplier

from .models import OutsourcingOrder, PurchaseOrder, PurchaseOrderLine
from .states import OrderStatus

PO_COLUMNS = [
    "po_no",
    "supplier",
    "order_date",
    "line_no",
    "item_code",
    "qty",
    "received_qty",
    "due_date",
    "unit_price",
]
OO_COLUMNS = ["oo_no", "supplier", "item_code", "qty", "received_qty", "start_date", "due_date", "unit_fee"]
ZERO_TEXT = "0"


def _lookups(rows, ctx: ImportContext, *, item_col="item_code"):
    suppliers = Supplier.objects.in_bulk({r.get("supplier", "") for r in rows}, field_name="code")
    items = Item.objects.in_bulk({r.get(item_col, "") for r in rows}, field_name="code")
    return suppliers, items


def import_purchase_orders(rows: list[Row], ctx: ImportContext) -> None:
    suppliers, items = _lookups(rows, ctx)
    parsed = defaultdict(list)
    seen = set()
    for row in rows:
        po_no = ctx.text(row, "po_no", max_length=40)
        sup = ctx.text(row, "supplier")
        if sup and sup not in suppliers:
            ctx.error(row, "supplier", _("'%(value)s' is not a supplier") % {"value": sup})
        code = ctx.text(row, "item_code")
        if code and code not in items:
            ctx.error(row, "item_code", _("'%(value)s' is not an item") % {"value": code})
        line_no = ctx.integer(row, "line_no", min_value=1)
        qty = ctx.decimal(row, "qty", gt=0)
        received = ctx.decimal(row, "received_qty", required=False, default=0, min_value=0)
        order_date = ctx.date(row, "order_date")
        due = ctx.date(row, "due_date")
        price = ctx.decimal(row, "unit_price", min_value=0)
        ctx.amount_fits(row, "unit_price", qty, price)
        if (po_no, line_no) in seen:
            ctx.duplicate(row, "line_no", f"{po_no}/{line_no}")
        seen.add((po_no, line_no))
        if ctx.failed:
            continue
        parsed[po_no].append((row, sup, order_date, line_no, items[code], qty, received, due, price))
    if ctx.failed:
        return
    existing = {po.number: po for po in PurchaseOrder.objects.filter(number__in=list(parsed)).prefetch_related("lines")}
    created = updated = unchanged = 0
    for po_no, lines in parsed.items():
        row0, sup, order_date = lines[0][0], lines[0][1], lines[0][2]
        po = existing.get(po_no)
        if po is None:
            po = PurchaseOrder.objects.create(
                number=po_no,
                supplier=suppliers[sup],
                order_date=order_date,
                status=OrderStatus.CONFIRMED,
                confirmed_at=timezone.now(),
                created_by=ctx.user if getattr(ctx.user, "pk", None) else None,
                note=_("Imported"),
            )
        elif po.supplier_id != suppliers[sup].pk:
            ctx.error(row0, "supplier", _("'%(value)s' differs from the existing order's supplier") % {"value": sup})
            continue
        current = {ln.line_no: ln for ln in po.lines.all()}
        for _row, _s, _d, line_no, item, qty, received, due, price in lines:
            ln = current.get(line_no)
            values = {"item": item, "qty": qty, "received_qty": received, "due_date": due, "unit_price": price}
            if ln is None:
                ln = PurchaseOrderLine(order=po, line_no=line_no, **values)
                ln.set_amounts()
                ln.save()
                current[line_no] = ln
                created += 1
                continue
            if ln.receipt_lines.exists() and (ln.item_id != item.pk or received != ln.received_qty):
                ctx.error(
                    _row,
                    "received_qty",
                    _("line %(line)s has receipts in Tiangong and cannot be overwritten") % {"line": line_no},
                )
                continue
            changed = [k for k, v in values.items() if getattr(ln, k) != v]
            if changed:
                for k in changed:
                    setattr(ln, k, values[k])
                ln.set_amounts()
                ln.save()
                updated += 1
            else:
                unchanged += 1
        po.set_totals(current.values())
        po.save(update_fields=["amount", "tax_amount", "total", "updated_at"])
    ctx.count(created=created, updated=updated, unchanged=unchanged)


def export_purchase_orders():
    lines = (
        PurchaseOrderLine.objects.exclude(order__status=OrderStatus.CANCELLED)
        .select_related("order__supplier", "item")
        .order_by("order__number", "line_no")
    )
    for ln in lines:
        yield {
            "po_no": ln.order.number,
            "supplier": ln.order.supplier.code,
            "order_date": ln.order.order_date,
            "line_no": ln.line_no,
            "item_code": ln.item.code,
            "qty": ln.qty,
            "received_qty": ln.net_received_qty,
            "due_date": ln.due_date,
            "unit_price": ln.unit_price,
        }


def import_outsourcing_orders(rows: list[Row], ctx: ImportContext) -> None:
    from .services.outsourcing import _build_materials

    suppliers, items = _lookups(rows, ctx)
    parsed = []
    seen = set()
    for row in rows:
        oo_no = ctx.text(row, "oo_no", max_length=40)
        sup = ctx.text(row, "supplier")
        if sup and sup not in suppliers:
            ctx.error(row, "supplier", _("'%(value)s' is not a supplier") % {"value": sup})
        code = ctx.text(row, "item_code")
        if code and code not in items:
            ctx.error(row, "item_code", _("'%(value)s' is not an item") % {"value": code})
        qty = ctx.decimal(row, "qty", gt=0)
        received = ctx.decimal(row, "received_qty", required=False, default=0, min_value=0)
        start = ctx.date(row, "start_date")
        due = ctx.date(row, "due_date")
        fee = ctx.decimal(row, "unit_fee", min_value=0)
        ctx.amount_fits(row, "unit_fee", qty, fee)
        if oo_no in seen:
            ctx.duplicate(row, "oo_no", oo_no)
        seen.add(oo_no)
        if start and due and due < start:
            ctx.error(row, "due_date", _("'%(value)s' is before the start date") % {"value": row.get("due_date")})
        if not ctx.failed:
            parsed.append((row, oo_no, suppliers[sup], items[code], qty, received, start, due, fee))
    if ctx.failed:
        return
    existing = {o.number: o for o in OutsourcingOrder.objects.filter(number__in=[p[1] for p in parsed])}
    from bom.selectors import default_bom_ids

    boms = default_bom_ids({p[3].pk for p in parsed})
    created = updated = unchanged = 0
    for row, oo_no, sup, item, qty, received, start, due, fee in parsed:
        order = existing.get(oo_no)
        values = {
            "supplier": sup,
            "item": item,
            "qty": qty,
            "received_qty": received,
            "start_date": start,
            "due_date": due,
            "unit_fee": fee,
        }
        if order is None:
            order = OutsourcingOrder(
                number=oo_no,
                order_date=start,
                status=OrderStatus.CONFIRMED,
                confirmed_at=timezone.now(),
                bom_id=boms.get(item.pk),
                warehouse_id=item.default_warehouse_id,
                note=_("Imported"),
                **values,
            )
            order.set_totals()
            order.save()
            _build_materials(order)
            created += 1
            continue
        changed = [k for k, v in values.items() if getattr(order, k) != v]
        if not changed:
            unchanged += 1
            continue
        if order.receipts.exists() or order.issues.exists():
            ctx.error(
                row, "oo_no", _("'%(value)s' has movements in Tiangong and cannot be overwritten") % {"value": oo_no}
            )
            continue
        for k in changed:
            setattr(order, k, values[k])
        order.set_totals()
        order.save()
        if "qty" in changed or "item" in changed or "start_date" in changed:
            order.materials.all().delete()
            _build_materials(order)
        updated += 1
    ctx.count(created=created, updated=updated, unchanged=unchanged)


def export_outsourcing_orders():
    for o in (
        OutsourcingOrder.objects.exclude(status=OrderStatus.CANCELLED)
        .select_related("supplier", "item")
        .order_by("number")
    ):
        yield {
            "oo_no": o.number,
            "supplier": o.supplier.code,
            "item_code": o.item.code,
            "qty": o.qty,
            "received_qty": o.received_qty,
            "start_date": o.start_date,
            "due_date": o.due_date,
            "unit_fee": o.unit_fee,
        }


def register_files() -> None:
    register(
        ExchangeFile(
            name="purchase_orders.csv",
            columns=PO_COLUMNS,
            order=60,
            importer=import_purchase_orders,
            exporter=export_purchase_orders,
            required_columns=[
                "po_no",
                "supplier",
                "order_date",
                "line_no",
                "item_code",
                "qty",
                "due_date",
                "unit_price",
            ],
        )
    )
    register(
        ExchangeFile(
            name="outsourcing_orders.csv",
            columns=OO_COLUMNS,
            order=80,
            importer=import_outsourcing_orders,
            exporter=export_outsourcing_orders,
            required_columns=["oo_no", "supplier", "item_code", "qty", "start_date", "due_date", "unit_fee"],
        )
    )
