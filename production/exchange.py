"""work_orders.csv (exchange order 70): open work orders in and out.

`wo_no, item_code, qty, completed_qty, start_date, due_date, sales_order_no, sales_line_no`.
Rows are matched by wo_no (re-import updates, never duplicates). A new order is released with
its material list from the item's default BOM valid at start_date. The completed quantity is
history from the old system: it is stored as received (no stock moves; stock.csv carries the
stock) and the material for it counts as consumed (issued/backflushed) so that open
requirements stay right.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from erp.exchange import ExchangeFile, register
from erp.fields import ZERO, fmt_decimal, round_qty
from inventory.models import Item

from .models import WorkOrder, WorkOrderMaterial
from .states import OPEN_WO_STATUSES, WO_FLOW, IssueMethod, LineType, WorkOrderStatus

COLUMNS = ["wo_no", "item_code", "qty", "completed_qty", "start_date", "due_date", "sales_order_no", "sales_line_no"]


def _status_for(qty, completed):
    if completed >= qty:
        return WorkOrderStatus.COMPLETED
    return WorkOrderStatus.STARTED if completed > 0 else WorkOrderStatus.RELEASED


def _move_to(wo: WorkOrder, target: str) -> None:
    """Move an existing order to the status its imported completed quantity implies, step by step
    along the work-order flow (planned → released → started …). An order that started never goes
    back to released: nothing completed any more leaves it started."""
    paths: dict[str, list[str]] = {wo.status: []}
    frontier = [wo.status]
    while frontier:
        current = frontier.pop(0)
        for nxt in sorted(WO_FLOW.transitions.get(current, ())):
            if nxt not in paths and nxt in (*OPEN_WO_STATUSES, WorkOrderStatus.COMPLETED):
                paths[nxt] = [*paths[current], nxt]
                frontier.append(nxt)
    if target not in paths and target == WorkOrderStatus.RELEASED:
        target = WorkOrderStatus.STARTED
    for step in paths.get(target, []):
        WO_FLOW.apply(wo, step)


def _consume_history(wo: WorkOrder, materials) -> list[WorkOrderMaterial]:
    """The completed quantity's material counts as consumed (in memory; the caller saves)."""
    done = min(wo.received_qty, wo.qty)
    changed = []
    for m in materials:
        if m.line_type != LineType.COMPONENT or m.touched:
            continue
        used = min(m.required, round_qty(done * m.qty_per)) if done < wo.qty else m.required
        if m.issue_method == IssueMethod.BACKFLUSH:
            m.backflushed_qty = used
        elif m.issue_method == IssueMethod.MANUAL:
            m.issued_qty = used
        else:
            continue
        changed.append(m)
    return changed


def _create_orders(new, ctx, boms) -> None:
    """New work orders in bulk: orders, their history rows, and material lists from one BOM load."""
    from bom.models import Bom
    from bom.selectors import co_products_lists, material_lists

    from .services.work_orders import material_snapshot

    versions = dict(Bom.objects.filter(pk__in=set(boms.values())).values_list("pk", "version"))
    for wo in new:
        wo.bom_version = versions.get(wo.bom_id, "")
    bulk_create_with_history(
        new, WorkOrder, batch_size=1000, default_user=ctx.user if getattr(ctx.user, "pk", None) else None
    )
    with_bom = [wo for wo in new if wo.bom_id]
    reqs = material_lists(orders=[(wo.item_id, wo.qty, wo.planned_start) for wo in with_bom])
    cos = co_products_lists(orders=[(wo.item_id, wo.planned_start) for wo in with_bom])
    materials = []
    for wo, r, c in zip(with_bom, reqs, cos, strict=True):
        lines = material_snapshot(wo, wo.planned_start, reqs=r, coprods=c)
        _consume_history(wo, lines)
        materials.extend(lines)
    WorkOrderMaterial.objects.bulk_create(materials, batch_size=2000)


def import_work_orders(rows, ctx):
    from bom.selectors import default_bom_ids

    from .services.work_orders import material_snapshot

    parsed = []
    seen = set()
    codes = {r.get("item_code", "") for r in rows}
    items = {i.code: i for i in Item.objects.filter(code__in=codes)}
    for row in rows:
        number = ctx.text(row, "wo_no", max_length=40)
        if number in seen:
            ctx.duplicate(row, "wo_no", number)
        seen.add(number)
        code = ctx.text(row, "item_code")
        item = items.get(code) if code else None
        if code and item is None:
            ctx.error(row, "item_code", _("'%(value)s' is not an item") % {"value": code})
        qty = ctx.decimal(row, "qty", gt=ZERO)
        completed = ctx.decimal(row, "completed_qty", required=False, default=ZERO, min_value=ZERO)
        start = ctx.date(row, "start_date")
        due = ctx.date(row, "due_date")
        if start and due and due < start:
            ctx.error(row, "due_date", _("'%(value)s' is before start_date") % {"value": due})
        so_no = ctx.text(row, "sales_order_no", required=False)
        so_line = ctx.integer(row, "sales_line_no", required=False, default=None, min_value=1) if so_no else None
        if so_no and so_line is None and not row.get("sales_line_no"):
            ctx.error(row, "sales_line_no", _("is required"))
        parsed.append((row, number, item, qty, completed, start, due, so_no, so_line))
    if ctx.failed:
        return
    line_ids = {}
    wanted = {(p[7], p[8]) for p in parsed if p[7]}
    if wanted:
        from crm.selectors import sales_order_lines

        for line in sales_order_lines().filter(order__number__in={w[0] for w in wanted}).select_related("order"):
            line_ids[(line.order.number, line.line_no)] = line.pk
        for row, *_rest, so_no, so_line in parsed:
            if so_no and (so_no, so_line) not in line_ids:
                ctx.error(
                    row,
                    "sales_line_no",
                    _("'%(value)s' is not a line of a sales order") % {"value": f"{so_no}/{so_line}"},
                )
    if ctx.failed:
        return
    existing = {wo.number: wo for wo in WorkOrder.objects.filter(number__in=[p[1] for p in parsed])}
    boms = default_bom_ids({p[2].pk for p in parsed})
    updated = unchanged = 0
    to_create: list[WorkOrder] = []
    now = timezone.now()
    for row, number, item, qty, completed, start, due, so_no, so_line in parsed:
        sol = line_ids.get((so_no, so_line)) if so_no else None
        wo = existing.get(number)
        if wo is None:
            to_create.append(
                WorkOrder(
                    number=number,
                    item=item,
                    qty=qty,
                    received_qty=completed,
                    planned_start=start,
                    planned_finish=due,
                    actual_start=start if completed > 0 else None,
                    status=_status_for(qty, completed),
                    bom_id=boms.get(item.pk),
                    sales_order_line_id=sol,
                    warehouse_id=item.default_warehouse_id,
                    source=WorkOrder.Source.IMPORT,
                    released_at=now,
                    created_by=ctx.user if getattr(ctx.user, "pk", None) else None,
                )
            )
            continue
        if wo.item_id != item.pk:
            ctx.error(row, "item_code", _("'%(value)s' differs from the existing work order") % {"value": item.code})
            continue
        new = {"qty": qty, "received_qty": completed, "planned_start": start, "planned_finish": due}
        if all(getattr(wo, k) == v for k, v in new.items()) and wo.sales_order_line_id == sol:
            unchanged += 1
            continue
        for k, v in new.items():
            setattr(wo, k, v)
        wo.sales_order_line_id = sol
        if wo.status in OPEN_WO_STATUSES or wo.status == WorkOrderStatus.COMPLETED:
            _move_to(wo, _status_for(qty, completed))
        wo.save()
        materials = list(wo.materials.all())
        if (
            not any(m.touched and m.line_type != LineType.COMPONENT for m in materials)
            and not wo.pickings.exists()
            and not wo.receipts.exists()
        ):
            WorkOrderMaterial.objects.filter(work_order=wo).delete()
            lines = material_snapshot(wo, start) if wo.bom_id else []
            _consume_history(wo, lines)
            WorkOrderMaterial.objects.bulk_create(lines)
        updated += 1
    if to_create and not ctx.failed:
        _create_orders(to_create, ctx, boms)
    ctx.count(created=len(to_create), updated=updated, unchanged=unchanged)


def export_work_orders():
    qs = (
        WorkOrder.objects.open()
        .select_related("item", "sales_order_line", "sales_order_line__order")
        .order_by("number")
    )
    for wo in qs:
        sol = wo.sales_order_line
        yield {
            "wo_no": wo.number,
            "item_code": wo.item.code,
            "qty": fmt_decimal(wo.qty),
            "completed_qty": fmt_decimal(wo.received_qty),
            "start_date": wo.planned_start.isoformat(),
            "due_date": wo.planned_finish.isoformat(),
            "sales_order_no": sol.order.number if sol else "",
            "sales_line_no": str(sol.line_no) if sol else "",
        }


def register_files():
    register(
        ExchangeFile(
            "work_orders.csv",
            columns=COLUMNS,
            order=70,
            importer=import_work_orders,
            exporter=export_work_orders,
            required_columns=["wo_no", "item_code", "qty", "start_date", "due_date"],
        )
    )
