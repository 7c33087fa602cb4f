import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from erp.fields import fmt_decimal
from erp.templatetags.erp_tags import status_badge

from .models import FGReceipt, Picking, WorkOrder
from .states import WarningKind

WARNING_COLORS = {
    "overdue": "danger",
    "short": "warning",
    "behind": "warning",
    "late_start": "secondary",
    "due_soon": "info",
}
ROW_CLASSES = {"overdue": "table-danger", "short": "table-warning", "behind": "table-warning"}


def warning_badges(wo):
    labels = dict(WarningKind.choices)
    parts = []
    for kind in wo.tracking.warnings:
        text = str(labels[kind])
        if kind == "overdue":
            text = f"{text} {wo.tracking.overdue_days}d"
        parts.append((WARNING_COLORS.get(kind, "secondary"), kind, text))
    return format_html_join(" ", '<span class="badge text-bg-{}" data-warning="{}">{}</span>', parts)


class QtyColumn(tables.Column):
    def render(self, value):
        return fmt_decimal(value)

    def value(self, value):
        return fmt_decimal(value)


class WorkOrderTable(tables.Table):
    number = tables.LinkColumn("production:wo_detail", args=[tables.A("pk")], verbose_name=_("Number"))
    item = tables.Column(verbose_name=_("Item"), order_by=("item__code",))
    qty = QtyColumn(verbose_name=_("Quantity"))
    status = tables.Column(verbose_name=_("Status"))
    planned_start = tables.DateColumn(verbose_name=_("Planned start"), format="Y-m-d")
    planned_finish = tables.DateColumn(verbose_name=_("Planned finish"), format="Y-m-d")
    issued_sets = QtyColumn(verbose_name=_("Issued sets"), orderable=False, empty_values=())
    received_qty = QtyColumn(verbose_name=_("Received"))
    open_qty = QtyColumn(verbose_name=_("Not received (未入库)"), orderable=False, empty_values=())
    completion = tables.Column(verbose_name=_("Completion"), orderable=False, empty_values=())
    kitting = tables.Column(verbose_name=_("Kitting (kittable sets)"), order_by=("kit_status",), empty_values=())
    warnings = tables.Column(verbose_name=_("Warnings"), orderable=False, empty_values=())
    sales_order = tables.Column(verbose_name=_("Sales order"), orderable=False, empty_values=())

    class Meta:
        model = WorkOrder
        fields = ()
        sequence = (
            "number",
            "item",
            "qty",
            "status",
            "planned_start",
            "planned_finish",
            "issued_sets",
            "received_qty",
            "open_qty",
            "completion",
            "kitting",
            "warnings",
            "sales_order",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        row_attrs = {"class": lambda record: ROW_CLASSES.get(record.tracking.worst, "")}

    def render_status(self, record):
        return status_badge(record)  # what production/_status.html renders, without a template per row

    def value_status(self, record):
        return record.get_status_display()

    def render_completion(self, record):
        return render_to_string(
            "erp/_progress.html",
            {"percent": fmt_decimal(record.tracking.completion_pct, 1), "warn": bool(record.tracking.warnings)},
        )

    def value_completion(self, record):
        return fmt_decimal(record.tracking.completion_pct, 1)

    def render_kitting(self, record):
        """The last kitting analysis (齐套分析: stock shared in priority order), not a comparison
        of each order with all the stock."""
        return render_to_string("production/_kit_status.html", {"wo": record})

    def value_kitting(self, record):
        if not record.kit_status:
            return ""
        return f"{record.get_kit_status_display()} {fmt_decimal(record.kittable_sets)}"

    def render_warnings(self, record):
        return warning_badges(record)

    def value_warnings(self, record):
        labels = dict(WarningKind.choices)
        return ", ".join(str(labels[k]) for k in record.tracking.warnings)

    def render_sales_order(self, record):
        sol = record.sales_order_line
        return f"{sol.order.number}/{sol.line_no}" if sol else "—"

    def value_sales_order(self, record):
        sol = record.sales_order_line
        return f"{sol.order.number}/{sol.line_no}" if sol else ""


class PickingTable(tables.Table):
    number = tables.LinkColumn("production:picking_detail", args=[tables.A("pk")], verbose_name=_("Number"))
    orders = tables.Column(verbose_name=_("Work orders"), orderable=False, empty_values=())

    class Meta:
        model = Picking
        fields = ("number", "pick_date", "mode", "status", "reason")
        sequence = ("number", "pick_date", "mode", "status", "orders", "reason")
        attrs = {"class": "table table-sm table-hover"}

    def render_orders(self, record):
        return ", ".join(wo.number for wo in record.work_orders.all())

    def render_status(self, record):
        return status_badge(record)  # what production/_status.html renders, without a template per row


class ReceiptTable(tables.Table):
    number = tables.LinkColumn("production:receipt_detail", args=[tables.A("pk")], verbose_name=_("Number"))
    work_order = tables.Column(verbose_name=_("Work order"), accessor="work_order__number")
    item = tables.Column(verbose_name=_("Item"), accessor="work_order__item", orderable=False)
    qty = QtyColumn(verbose_name=_("Quantity"))

    class Meta:
        model = FGReceipt
        fields = ("number", "receipt_date", "work_order", "item", "qty", "warehouse", "status")
        attrs = {"class": "table table-sm table-hover"}

    def render_status(self, record):
        return status_badge(record)  # what production/_status.html renders, without a template per row
