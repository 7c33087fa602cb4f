"""Reads for pages, the tracking list, the daily warnings and the other apps' providers.

Everything is computed in bulk: one query for the orders, one for their material lines, one for
the stock of those components (no per-row queries)."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.fields import ZERO
from erp.models import CompanySettings
from inventory.selectors import on_hand_by_item_warehouse

from .engine import picking as eng
from .engine.tracking import track
from .models import FGReceipt, Picking, WorkOrder, WorkOrderMaterial
from .services.common import issue_warehouse_id
from .states import OPEN_WO_STATUSES, IssueMethod, LineType, WorkOrderStatus

KIT_LABELS = {"none": _("No lines"), "complete": _("Kitted"), "ready": _("Stock ready"), "short": _("Short")}
ISSUE_LABELS = {
    "none": _("Not issued"),
    "partial": _("Partly issued"),
    "complete": _("Fully issued"),
    "over": _("Over-issued"),
}


def work_order_queryset():
    return WorkOrder.objects.select_related(
        "item", "item__uom", "warehouse", "planner", "sales_order_line", "sales_order_line__order", "parent"
    )


def work_order_list_queryset():
    """The rows of the tracking list: only the relations its columns show (each further join of
    the full set above cost PostgreSQL ~15 ms of planning per page on the load-test data)."""
    return WorkOrder.objects.select_related("item", "item__uom", "sales_order_line__order")


def _material_status(materials: list[WorkOrderMaterial], stock: dict, wo: WorkOrder) -> dict:
    manual = [m for m in materials if m.line_type == LineType.COMPONENT and m.issue_method == IssueMethod.MANUAL]
    kit = [eng.KitLine(key=m.pk, per=m.qty_per, net_issued=m.net_issued) for m in manual]
    if not manual:
        return {"issue_status": "none", "kitting_status": "none", "issued_sets": ZERO}
    issued = [m.issued_qty - m.returned_qty for m in manual]
    if all(q <= 0 for q in issued):
        issue_status = "none"
    elif any(q > m.required for q, m in zip(issued, manual, strict=True)):
        issue_status = "over"
    elif all(q >= m.required for q, m in zip(issued, manual, strict=True)):
        issue_status = "complete"
    else:
        issue_status = "partial"
    short = False
    complete = True
    for m in manual:
        if m.remaining <= 0:
            continue
        complete = False
        wh = m.warehouse_id or m.component_warehouse_id or wo.warehouse_id
        if stock.get((m.component_id, wh), ZERO) < m.remaining:
            short = True
    kitting = "complete" if complete else ("short" if short else "ready")
    return {"issue_status": issue_status, "kitting_status": kitting, "issued_sets": eng.issued_sets(kit)}


def attach_tracking(orders: list[WorkOrder], *, today: datetime.date | None = None) -> list[WorkOrder]:
    """Set `.tracking` (engine.tracking.Tracking), `.issue_status`, `.kitting_status`,
    `.issued_sets` on each order (three queries in all)."""
    today = today or timezone.localdate()
    due_soon = CompanySettings.get().due_soon_days
    ids = [wo.pk for wo in orders]
    by_wo: dict[int, list] = defaultdict(list)
    # the component's default warehouse only (not the whole item: ~165 items a page)
    materials = WorkOrderMaterial.objects.filter(work_order_id__in=ids).annotate(
        component_warehouse_id=F("component__default_warehouse_id")
    )
    for m in materials:
        by_wo[m.work_order_id].append(m)
    items = {m.component_id for ms in by_wo.values() for m in ms}
    stock = on_hand_by_item_warehouse(items) if items else {}
    for wo in orders:
        status = _material_status(by_wo.get(wo.pk, []), stock, wo)
        wo.issue_status = status["issue_status"]
        wo.kitting_status = status["kitting_status"]
        wo.issued_sets = status["issued_sets"]
        wo.kitting_label = KIT_LABELS[wo.kitting_status]
        wo.issue_label = ISSUE_LABELS[wo.issue_status]
        wo.tracking = track(
            status=wo.status,
            qty=wo.qty,
            received=wo.received_qty,
            scrapped=wo.scrapped_qty,
            planned_start=wo.planned_start,
            planned_finish=wo.planned_finish,
            today=today,
            due_soon_days=due_soon,
            short=wo.kitting_status == "short" and wo.status != WorkOrderStatus.PLANNED,
        )
    return orders


def kit_figures(wo: WorkOrder, *, key_parts_only=False) -> dict:
    """S, T_max and the lines of a kit picking for one order (stock in each line's warehouse)."""
    qs = wo.materials.manual().select_related("component", "component__default_warehouse")
    if key_parts_only:
        qs = qs.filter(key_part=True)
    lines = list(qs.order_by("line_no"))
    whs = {m.pk: issue_warehouse_id(m, wo) for m in lines}
    stock = on_hand_by_item_warehouse({m.component_id for m in lines}, warehouse_ids=set(whs.values()))
    kit = [
        eng.KitLine(
            key=m.pk,
            per=m.qty_per,
            net_issued=m.net_issued,
            stock=max(ZERO, stock.get((m.component_id, whs[m.pk]), ZERO)),
            required=m.required,
        )
        for m in lines
    ]
    return {
        "lines": lines,
        "warehouses": whs,
        "kit": kit,
        "issued_sets": eng.issued_sets(kit),
        "max_sets": eng.max_target_sets(kit, wo.qty),
    }


def receivable_qty(wo: WorkOrder) -> tuple:
    """(room, issued sets or None): how much more may be received on the order."""
    from .engine import backflush as bf

    sets = None
    if wo.cap_by_issued_sets:
        kit = [
            eng.KitLine(key=m.pk, per=m.qty_per, net_issued=m.net_issued)
            for m in wo.materials.all()
            if m.line_type == LineType.COMPONENT and m.issue_method == IssueMethod.MANUAL
        ]
        sets = eng.issued_sets(kit)
    room = bf.receipt_cap(
        order_qty=wo.qty, received=wo.received_qty, tolerance_pct=wo.receipt_tolerance_pct, issued_sets=sets
    )
    return room, sets


def work_order_page(pk: int) -> dict:
    """The detail page of a work order: tracking, material list, kit figures (or why there are
    none), what may still be received, pickings, receipts and children."""
    from erp.errors import DomainError

    wo = work_order_queryset().get(pk=pk)
    attach_tracking([wo])
    materials = list(wo.materials.select_related("component", "component__uom", "warehouse"))
    kit, kit_error = None, ""
    if wo.in_production:
        try:
            kit = kit_figures(wo)
        except DomainError as exc:
            kit_error = str(exc)
    room, _sets = receivable_qty(wo)
    return {
        "wo": wo,
        "materials": materials,
        "components": [m for m in materials if m.line_type == LineType.COMPONENT],
        "outputs": [m for m in materials if m.line_type != LineType.COMPONENT],
        "kit": kit,
        "kit_error": kit_error,
        "receivable": room,
        "pickings": wo.pickings.all().order_by("-id"),
        "receipts": wo.receipts.select_related("warehouse").order_by("-id"),
        "children": wo.children.select_related("item"),
        "requisitions": work_order_requisitions([wo.pk]).get(wo.pk, []),
        "kit_proposal": kit_proposal(wo, kit),
    }


def kit_proposal(wo: WorkOrder, kit: dict | None):
    """Target sets proposed for a kit picking: the sets the last kitting analysis (齐套分析, shared
    stock in priority order) gave the order, never above T_max; T_max when never analysed."""
    if kit is None:
        return None
    if wo.kit_status and wo.kittable_sets is not None:
        return max(min(wo.kittable_sets, kit["max_sets"]), kit["issued_sets"])
    return kit["max_sets"]


def picking_page(pk: int) -> dict:
    """A picking with its lines, their allocations and the stock on hand of each line."""
    picking = Picking.objects.prefetch_related("work_orders").get(pk=pk)
    lines = list(
        picking.lines.select_related("item", "item__uom", "warehouse").prefetch_related(
            "allocations__material__work_order"
        )
    )
    stock = on_hand_by_item_warehouse({ln.item_id for ln in lines})
    for ln in lines:
        ln.on_hand = stock.get((ln.item_id, ln.warehouse_id), 0)
    return {"picking": picking, "lines": lines}


def merged_pick_orders() -> list[WorkOrder]:
    """Orders a merged picking can take (released or started), earliest start first, tracked."""
    orders = list(work_order_queryset().in_production().order_by("planned_start", "number"))
    return attach_tracking(orders)


def receipt_page(pk: int) -> dict:
    """An FG receipt, its posted lines and, while draft, what confirming it will post."""
    receipt = FGReceipt.objects.select_related("work_order", "work_order__item", "warehouse").get(pk=pk)
    return {
        "receipt": receipt,
        "lines": receipt.lines.select_related("item", "item__uom", "warehouse"),
        "preview": receipt_preview(receipt) if receipt.status == "draft" else [],
    }


def tracking_rows(*, warning: str = "", today: datetime.date | None = None, qs=None) -> list[WorkOrder]:
    orders = list(qs if qs is not None else work_order_queryset())
    attach_tracking(orders, today=today)
    if warning:
        orders = [wo for wo in orders if warning in wo.tracking.warnings]
    return orders


def open_orders_with_warnings(*, today: datetime.date) -> list[WorkOrder]:
    orders = list(work_order_queryset().open())
    return [wo for wo in attach_tracking(orders, today=today) if wo.tracking.warnings]


def timeline(*, today: datetime.date | None = None, qs=None, limit: int = 60) -> dict:
    """Gantt-style bars: planned span, actual progress, today line (coordinates for the SVG)."""
    today = today or timezone.localdate()
    orders = list((qs if qs is not None else work_order_queryset()).order_by("planned_start", "number")[:limit])
    attach_tracking(orders, today=today)
    if not orders:
        return {"rows": [], "width": 900, "height": 60, "ticks": [], "today_x": None}
    start = min([wo.planned_start for wo in orders] + [today]) - datetime.timedelta(days=1)
    end = max([wo.planned_finish for wo in orders] + [today]) + datetime.timedelta(days=2)
    days = max(1, (end - start).days)
    label_w, plot_w, row_h = 220, 700, 26
    scale = Decimal(plot_w) / Decimal(days)

    def x(d):
        return label_w + int(Decimal((d - start).days) * scale)

    colors = {
        "overdue": "#dc3545",
        "short": "#fd7e14",
        "behind": "#ffc107",
        "late_start": "#ffc107",
        "due_soon": "#0dcaf0",
    }
    rows = []
    for i, wo in enumerate(orders):
        x0, x1 = x(wo.planned_start), x(wo.planned_finish + datetime.timedelta(days=1))
        w = max(4, x1 - x0)
        done_w = int(Decimal(w) * min(Decimal(100), wo.tracking.completion_pct) / 100)
        rows.append(
            {
                "wo": wo,
                "y": 30 + i * row_h,
                "text_y": 30 + i * row_h + 15,
                "x": x0,
                "w": w,
                "done_w": done_w,
                "color": colors.get(wo.tracking.worst, "#6c757d" if not wo.is_open else "#0d6efd"),
                "url": reverse("production:wo_detail", args=[wo.pk]),
            }
        )
    ticks = []
    step = max(1, days // 10)
    d = start
    while d <= end:
        ticks.append({"x": x(d), "label": d.strftime("%m-%d")})
        d += datetime.timedelta(days=step)
    return {
        "rows": rows,
        "width": label_w + plot_w + 60,
        "height": 40 + len(rows) * row_h,
        "ticks": ticks,
        "today_x": x(today),
        "label_w": label_w,
    }


# --- providers for other apps ----------------------------------------------------------------


def sales_line_progress(line_ids: list[int]):
    """crm.progress provider: every live work order pegged to the sales-order lines, one row each
    (crm.progress counts the orders of the line's own item as finished goods; children and other
    component orders add their link and warning)."""
    from crm.progress import LinkedOrder

    orders = list(WorkOrder.objects.live().filter(sales_order_line_id__in=list(line_ids)).order_by("number"))
    attach_tracking(orders)
    return [
        LinkedOrder(
            line_id=wo.sales_order_line_id,
            item_id=wo.item_id,
            qty=wo.qty,
            received=wo.received_qty,
            to_come=wo.to_come,
            warning=wo.tracking.worst,
            label=wo.number,
            url=reverse("production:wo_detail", args=[wo.pk]),
        )
        for wo in orders
    ]


def open_work_order_receipts(item_ids) -> list[tuple[int, datetime.date, Decimal]]:
    """crm.atp supply provider: open work orders' quantity still to come, at planned finish."""
    rows = (
        WorkOrder.objects.open()
        .with_open_qty()
        .filter(item_id__in=list(item_ids), open_qty__gt=0)
        .values_list("item_id", "planned_finish", "open_qty")
    )
    return list(rows)


def ecn_impact_rows(item_ids):
    """bom.impact provider: open work orders making one of the items."""
    from bom.impact import WORK_ORDER, ImpactRow

    qs = WorkOrder.objects.open().filter(item_id__in=list(item_ids)).order_by("number")
    return [
        ImpactRow(
            kind=WORK_ORDER,
            number=wo.number,
            item_id=wo.item_id,
            qty=wo.open_qty,
            date=wo.planned_start,
            url=reverse("production:wo_detail", args=[wo.pk]),
            status=wo.get_status_display(),
        )
        for wo in qs
    ]


def warning_counts(*, today: datetime.date | None = None) -> dict:
    orders = list(WorkOrder.objects.open())
    attach_tracking(orders, today=today)
    counts = {"total": sum(1 for wo in orders if wo.tracking.warnings)}
    for wo in orders:
        for kind in wo.tracking.warnings:
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def open_component_demand(item_ids=None) -> list[tuple[int, datetime.date, Decimal, str]]:
    """Allocated component demand of released/started work orders (for MRP and reports):
    (component_id, planned start, required − net issued, work-order number), one query.
    Planned orders have no snapshot yet: MRP explodes them from the BOM itself."""
    qs = WorkOrderMaterial.objects.open_demand()
    if item_ids is not None:
        qs = qs.filter(component_id__in=list(item_ids))
    return [
        (comp, start, left, number)
        for comp, start, left, number in qs.values_list(
            "component_id", "work_order__planned_start", "remaining", "work_order__number"
        )
    ]


# --- reads for MRP (mrp.sources calls these instead of reading production tables) -------------


def planning_open_orders() -> list[dict]:
    """Open work orders (planned, released, started) for MRP, one query: id, number, item_id,
    qty, open_qty (未入库 = qty − received − scrapped), planned_start, planned_finish and the
    pegged sales-order line as `peg` ("SO-number/line" or "")."""
    rows = (
        WorkOrder.objects.open()
        .with_open_qty()
        .values(
            "id",
            "number",
            "item_id",
            "qty",
            "open_qty",
            "planned_start",
            "planned_finish",
            "sales_order_line__order__number",
            "sales_order_line__line_no",
        )
        .order_by("pk")
    )
    out = []
    for r in rows:
        so = r.pop("sales_order_line__order__number")
        line_no = r.pop("sales_order_line__line_no")
        r["peg"] = f"{so}/{line_no}" if so else ""
        out.append(r)
    return out


def planning_net_issued() -> dict[int, dict[int, Decimal]]:
    """{work order id: {component id: net issued}} of the open orders' component lines, one query."""
    out: dict[int, dict[int, Decimal]] = defaultdict(dict)
    rows = (
        WorkOrderMaterial.objects.components()
        .filter(work_order__status__in=OPEN_WO_STATUSES)
        .with_remaining()
        .values_list("work_order_id", "component_id", "net_issued")
    )
    for wo_id, comp, net in rows:
        per = out[wo_id]
        per[comp] = per.get(comp, ZERO) + net
    return dict(out)


def planning_material_lists() -> dict[int, dict[int, Decimal]]:
    """Dependent demand of open work orders that have a material list (用料清单: the snapshot
    taken at release, with later manual changes): {work order id: {component id: Σ max(required −
    net issued, 0)}} over the component lines, one query. Orders absent here have no list yet
    (MRP explodes the BOM valid at their start instead)."""
    out: dict[int, dict[int, Decimal]] = defaultdict(dict)
    rows = (
        WorkOrderMaterial.objects.components()
        .filter(work_order__status__in=OPEN_WO_STATUSES)
        .with_remaining()
        .values_list("work_order_id", "component_id", "remaining")
    )
    for wo_id, comp, left in rows:
        per = out[wo_id]
        per[comp] = per.get(comp, ZERO) + left
    return dict(out)


def sales_lines_to_make(limit: int = 200) -> list:
    """以销定产: confirmed, open sales-order lines of made or outsourced items with quantity left
    to arrange (crm.progress: to produce − covered by linked orders). Each line gets `.progress`
    (crm.progress.Progress) and `.to_make` (left to arrange); a fixed number of queries."""
    from crm.progress import line_progress
    from crm.selectors import sales_order_lines

    lines = list(
        sales_order_lines()
        .filter(order__status="confirmed", closed=False, item__supply_type__in=["manufacture", "outsource"])
        .select_related("order", "order__customer", "item", "item__uom")
        .order_by("due_date", "order__number", "line_no")[: limit * 2]
    )
    progress = line_progress(lines)
    out = []
    for ln in lines:
        ln.progress = progress[ln.pk]
        ln.to_make = ln.progress.left_to_arrange
        if ln.to_make > 0:
            out.append(ln)
    return out[:limit]


def receipt_preview(receipt) -> list[dict]:
    """What confirming a draft FG receipt will post besides the product (by/joint products +,
    backflush −), computed by the same engine function as the posting itself."""
    from .engine import backflush as bf

    wo = receipt.work_order
    materials = list(wo.materials.select_related("component", "component__uom"))
    labels = dict(LineType.choices)
    rows = []
    for out in bf.receipt_outputs(
        receipt_qty=receipt.qty, order_qty=wo.qty, received_before=wo.received_qty, materials=materials
    ):
        m = out.material
        if out.kind == bf.BACKFLUSH:
            rows.append({"kind": _("Backflush"), "item": m.component, "qty": -out.qty})
        else:
            rows.append({"kind": labels[m.line_type], "item": m.component, "qty": out.qty})
    return rows


def open_demand_by_item(item_ids) -> dict:
    """Material still to issue to open work orders, per component (inventory's dead-stock hint)."""
    from django.db.models import Sum

    from .models import WorkOrderMaterial

    rows = (
        WorkOrderMaterial.objects.open_demand()
        .filter(component_id__in=list(item_ids))
        .values("component_id")
        .annotate(q=Sum("remaining"))
    )
    return {r["component_id"]: r["q"] for r in rows}


# Requisitions made from a work order's shortages (按源单生成采购申请) are procurement documents,
# linked by mrp (above production): a provider (work order ids) -> {id: [{number, status, line_no,
# item, qty}]} registered by mrp.apps (docs/adr/0006-cross-app-registries.md).
WORK_ORDER_LINK_PROVIDERS: list = []


def register_work_order_link_provider(fn) -> None:
    if fn not in WORK_ORDER_LINK_PROVIDERS:
        WORK_ORDER_LINK_PROVIDERS.append(fn)


def work_order_requisitions(work_order_ids) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for fn in WORK_ORDER_LINK_PROVIDERS:
        for wo_id, rows in fn(work_order_ids).items():
            out[wo_id].extend(rows)
    return dict(out)
