"""Reads for pages, the tracking list, the daily warnings and the other apps' providers.

Everything is computed in bulk: one query for the orders, one for their material lines, one for
the stock of those components (no per-row queries)."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.fields import ZERO
from erp.models import CompanySettings
from inventory.selectors import on_hand_by_item_warehouse

from .engine import picking as eng
from .engine.tracking import track
from .models import WorkOrder, WorkOrderMaterial
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
        remaining = m.required - m.net_issued
        if remaining <= 0:
            continue
        complete = False
        wh = m.warehouse_id or m.component.default_warehouse_id or wo.warehouse_id
        if stock.get((m.component_id, wh), ZERO) < remaining:
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
    for m in WorkOrderMaterial.objects.filter(work_order_id__in=ids).select_related("component"):
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


def tracking_rows(*, warning: str = "", today: datetime.date | None = None, qs=None) -> list[WorkOrder]:
    orders = list(qs if qs is not None else work_order_queryset())
    attach_tracking(orders, today=today)
    if warning:
        orders = [wo for wo in orders if warning in wo.tracking.warnings]
    return orders


def open_orders_with_warnings(*, today: datetime.date) -> list[WorkOrder]:
    orders = list(work_order_queryset().filter(status__in=OPEN_WO_STATUSES))
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
    """crm.progress provider: work orders pegged to sales-order lines. Top-level orders give
    ordered/received; children add their links and warnings."""
    from crm.progress import Contribution, worst_warning

    orders = list(
        WorkOrder.objects.filter(sales_order_line_id__in=line_ids)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .order_by("number")
    )
    if not orders:
        return {}
    attach_tracking(orders)
    out: dict[int, Contribution] = {}
    for wo in orders:
        c = out.setdefault(wo.sales_order_line_id, Contribution(ZERO, ZERO))
        if wo.parent_id is None:
            c.ordered += wo.qty
            c.received += wo.received_qty
        c.warning = worst_warning(c.warning, wo.tracking.worst)
        c.links.append((wo.number, reverse("production:wo_detail", args=[wo.pk])))
    return out


def open_work_order_receipts(item_ids) -> list[tuple[int, datetime.date, Decimal]]:
    """crm.atp supply provider: open work orders' quantity still to come, at planned finish."""
    rows = WorkOrder.objects.filter(item_id__in=list(item_ids), status__in=OPEN_WO_STATUSES).values_list(
        "item_id", "planned_finish", "qty", "received_qty", "scrapped_qty"
    )
    return [(i, d, q - r - s) for i, d, q, r, s in rows if q - r - s > 0]


def ecn_impact_rows(item_ids):
    """bom.impact provider: open work orders making one of the items."""
    from bom.impact import WORK_ORDER, ImpactRow

    qs = WorkOrder.objects.filter(item_id__in=list(item_ids), status__in=OPEN_WO_STATUSES).order_by("number")
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
    orders = list(WorkOrder.objects.filter(status__in=OPEN_WO_STATUSES))
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
    qs = WorkOrderMaterial.objects.filter(
        work_order__status__in=[WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED],
        line_type=LineType.COMPONENT,
    ).exclude(issue_method=IssueMethod.NONE)
    if item_ids is not None:
        qs = qs.filter(component_id__in=list(item_ids))
    rows = qs.values_list(
        "component_id",
        "work_order__planned_start",
        "required",
        "issued_qty",
        "returned_qty",
        "backflushed_qty",
        "work_order__number",
    )
    out = []
    for comp, start, req, iss, ret, bf, number in rows:
        left = req - (iss - ret + bf)
        if left > 0:
            out.append((comp, start, left, number))
    return out


def sales_lines_to_make(limit: int = 200) -> list:
    """以销定产: confirmed sales-order lines of made items with quantity not yet on work orders
    (three queries)."""
    from django.db.models import Sum

    from crm.models import SalesOrderLine

    lines = list(
        SalesOrderLine.objects.filter(
            order__status="confirmed", closed=False, item__supply_type__in=["manufacture", "outsource"]
        )
        .select_related("order", "order__customer", "item", "item__uom")
        .order_by("due_date", "order__number", "line_no")[: limit * 2]
    )
    covered = dict(
        WorkOrder.objects.filter(sales_order_line_id__in=[ln.pk for ln in lines], parent__isnull=True)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .values("sales_order_line_id")
        .annotate(q=Sum("qty"))
        .values_list("sales_order_line_id", "q")
    )
    out = []
    for ln in lines:
        ln.on_work_orders = covered.get(ln.pk, ZERO)
        ln.to_make = max(ZERO, ln.qty - ln.delivered_qty - ln.on_work_orders)
        if ln.to_make > 0:
            out.append(ln)
    return out[:limit]
