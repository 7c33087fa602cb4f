"""Work orders (生产任务单) with their material list (用料清单), pickings (生产领料) and
finished-goods receipts (产品入库)."""

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.fields import ZERO, QuantityField
from erp.models import Document

from .states import (
    IN_PRODUCTION_WO_STATUSES,
    OPEN_WO_STATUSES,
    DocStatus,
    IssueMethod,
    KittingStatus,
    LineType,
    PickingMode,
    WarningKind,
    WorkOrderStatus,
)

# --- the vocabulary of work orders, one definition each (SQL and Python side by side) ------------
# 未入库 (open quantity) = qty − received − scrapped, never below zero
_QTY = models.DecimalField(max_digits=18, decimal_places=6)
OPEN_QTY = Greatest(F("qty") - F("received_qty") - F("scrapped_qty"), Value(ZERO), output_field=_QTY)
# net issued of a material line = issued − returned + backflushed
NET_ISSUED = ExpressionWrapper(F("issued_qty") - F("returned_qty") + F("backflushed_qty"), output_field=_QTY)
# still to issue = required − net issued, never below zero
REMAINING = Greatest(F("required") - NET_ISSUED, Value(ZERO), output_field=_QTY)


def _annotation_sink(name: str):
    """Setter of a derived property whose QuerySet annotation has the same name: the database
    computed the same figure by the same rule; the property keeps computing it from the fields."""

    def setter(self, value) -> None:
        pass

    setter.__name__ = name
    return setter


class WorkOrderQuerySet(models.QuerySet):
    def open(self):
        """Planned, released or started (not completed, closed or cancelled)."""
        return self.filter(status__in=OPEN_WO_STATUSES)

    def in_production(self):
        """Released or started: material is picked, goods are received."""
        return self.filter(status__in=IN_PRODUCTION_WO_STATUSES)

    def live(self):
        """Every order but the cancelled ones."""
        return self.exclude(status=WorkOrderStatus.CANCELLED)

    def with_open_qty(self):
        """Annotate `open_qty` (未入库, = `WorkOrder.open_qty`) for filters, sums and `.values()`."""
        return self.annotate(open_qty=OPEN_QTY)

    def overdue(self, today):
        """Open, not fully received, planned finish before `today` (the 已逾期 warning)."""
        return self.open().filter(planned_finish__lt=today, received_qty__lt=F("qty"))


class WorkOrderMaterialQuerySet(models.QuerySet):
    def components(self):
        return self.filter(line_type=LineType.COMPONENT)

    def manual(self):
        """Component lines issued by picking (直接领料)."""
        return self.components().filter(issue_method=IssueMethod.MANUAL)

    def consumed(self):
        """Component lines whose material is used up by the order (picked or backflushed)."""
        return self.components().exclude(issue_method=IssueMethod.NONE)

    def with_remaining(self):
        """Annotate `net_issued` and `remaining` (required − net issued, ≥ 0), = the properties."""
        return self.annotate(net_issued=NET_ISSUED, remaining=REMAINING)

    def open_demand(self):
        """What released/started orders still need of their consumed lines (> 0 only)."""
        return (
            self.consumed()
            .filter(work_order__status__in=IN_PRODUCTION_WO_STATUSES)
            .with_remaining()
            .filter(remaining__gt=0)
        )


class WorkOrder(Document):
    class Source(models.TextChoices):
        MANUAL = "manual", _("By hand")
        SALES = "sales", _("From sales order (以销定产)")
        CHILD = "child", _("Child of a work order")
        IMPORT = "import", _("Imported")
        MRP = "mrp", _("From MRP")

    status = models.CharField(
        _("status"), max_length=20, choices=WorkOrderStatus.choices, default=WorkOrderStatus.PLANNED
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))
    bom_version = models.CharField(_("BOM version"), max_length=20, blank=True)
    bom = models.ForeignKey(
        "bom.Bom", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("BOM")
    )
    sales_order_line = models.ForeignKey(
        "crm.SalesOrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sales order line"),
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving warehouse"),
    )
    planned_start = models.DateField(_("planned start"))
    planned_finish = models.DateField(_("planned finish"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_finish = models.DateField(_("actual finish"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    received_qty = QuantityField(_("received"))
    scrapped_qty = QuantityField(_("scrapped"))
    receipt_tolerance_pct = models.DecimalField(
        _("over-receipt tolerance %"), max_digits=7, decimal_places=3, default=0
    )
    issue_tolerance_pct = models.DecimalField(_("over-issue tolerance %"), max_digits=7, decimal_places=3, default=0)
    over_issue_forbidden = models.BooleanField(_("over-issue forbidden"), default=False)
    cap_by_issued_sets = models.BooleanField(_("receipts capped by issued sets"), default=False)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent order")
    )
    planner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("planner"),
    )
    # the last kitting analysis (齐套分析, mrp.services.analysis): status, sets, when
    kit_status = models.CharField(_("kitting status"), max_length=10, choices=KittingStatus.choices, blank=True)
    kittable_sets = QuantityField(_("kittable sets"), null=True, blank=True, default=None)
    kit_analysed_at = models.DateTimeField(_("kitting analysed at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["kit_status", "kittable_sets", "kit_analysed_at"])

    objects = WorkOrderQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        permissions = [
            ("release_workorder", "Can release work orders"),
            ("cancel_workorder", "Can cancel work orders"),
            ("replan_workorder", "Can change quantity and dates of released work orders"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="wo_qty_positive",
                violation_error_message=_("The quantity of a work order must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=Q(planned_finish__gte=models.F("planned_start")),
                name="wo_dates_order",
                violation_error_message=_("The planned finish cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(received_qty__gte=0),
                name="wo_received_nonneg",
                violation_error_message=_("The received quantity cannot be negative."),
            ),
        ]

    @property
    def open_qty(self):
        """未入库 = qty − received − scrapped (never below zero); SQL: `OPEN_QTY`."""
        return max(ZERO, self.qty - self.received_qty - self.scrapped_qty)

    open_qty = open_qty.setter(_annotation_sink("open_qty"))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WO_STATUSES

    @property
    def in_production(self) -> bool:
        return self.status in IN_PRODUCTION_WO_STATUSES

    @property
    def to_come(self):
        """What the order will still deliver: its open quantity while open, nothing once
        completed, closed (short) or cancelled."""
        return self.open_qty if self.is_open else ZERO


class WorkOrderMaterial(models.Model):
    """One line of the order's material list, snapshotted at release; editable until issued.

    `qty_per` is per one parent unit, scrap included (after skip-level/phantom blow-through);
    `required` = qty × qty_per + fixed_loss. By- and joint-product lines are outputs: `required`
    is the expected output and `received_qty` what was received.
    """

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="materials")
    line_no = models.PositiveIntegerField(_("line"))
    component = models.ForeignKey(
        "inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("component")
    )
    line_type = models.CharField(_("line type"), max_length=20, choices=LineType.choices, default=LineType.COMPONENT)
    qty_per = QuantityField(_("quantity per"))
    scrap_rate = models.DecimalField(_("scrap rate"), max_digits=9, decimal_places=6, default=0)
    fixed_loss = QuantityField(_("fixed loss"))
    required = QuantityField(_("required"))
    issue_method = models.CharField(
        _("issue method"), max_length=20, choices=IssueMethod.choices, default=IssueMethod.MANUAL
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issue warehouse"),
    )
    key_part = models.BooleanField(_("key part"), default=False)
    bom_line_id = models.BigIntegerField(_("BOM line"), null=True, blank=True)
    via = models.CharField(_("via (skipped items)"), max_length=200, blank=True)
    cost_share = models.DecimalField(_("cost share"), max_digits=9, decimal_places=6, null=True, blank=True)
    issued_qty = QuantityField(_("issued"))
    returned_qty = QuantityField(_("returned"))
    backflushed_qty = QuantityField(_("backflushed"))
    received_qty = QuantityField(_("received (by-products)"))

    objects = WorkOrderMaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order material")
        verbose_name_plural = _("work order materials")
        ordering = ["work_order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "line_no"], name="uniq_wo_material_line"),
            models.CheckConstraint(
                condition=Q(qty_per__gte=0),
                name="wo_material_per_nonneg",
                violation_error_message=_("The quantity per cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(required__gte=0),
                name="wo_material_required_nonneg",
                violation_error_message=_("The required quantity cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.work_order_id}/{self.line_no}"

    @property
    def net_issued(self):
        """issued − returned + backflushed; SQL: `NET_ISSUED`."""
        return self.issued_qty - self.returned_qty + self.backflushed_qty

    net_issued = net_issued.setter(_annotation_sink("net_issued"))

    @property
    def remaining(self):
        """Still to issue: required − net issued (never below zero); SQL: `REMAINING`."""
        return max(ZERO, self.required - self.net_issued)

    remaining = remaining.setter(_annotation_sink("remaining"))

    @property
    def is_component(self) -> bool:
        return self.line_type == LineType.COMPONENT

    @property
    def touched(self) -> bool:
        return bool(self.issued_qty or self.returned_qty or self.backflushed_qty or self.received_qty)


class Picking(Document):
    """生产领料: one document type, the mode says how its lines were proposed."""

    status = models.CharField(_("status"), max_length=20, choices=DocStatus.choices, default=DocStatus.DRAFT)
    mode = models.CharField(_("mode"), max_length=20, choices=PickingMode.choices)
    pick_date = models.DateField(_("date"))
    target_sets = QuantityField(_("target sets"), null=True, blank=True)
    key_parts_only = models.BooleanField(_("key parts only"), default=False)
    work_orders = models.ManyToManyField(WorkOrder, related_name="pickings", verbose_name=_("work orders"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    history = HistoricalRecords(m2m_fields=[])

    class Meta(Document.Meta):
        verbose_name = _("picking")
        verbose_name_plural = _("pickings")
        permissions = [("post_picking", "Can post and reverse pickings")]

    @property
    def is_return(self) -> bool:
        return self.mode == PickingMode.RETURN


class PickingLine(models.Model):
    """Consolidated by item and warehouse; `qty` proposed, `issued_qty` posted."""

    picking = models.ForeignKey(Picking, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    qty = QuantityField(_("quantity"))
    issued_qty = QuantityField(_("issued"))

    class Meta:
        verbose_name = _("picking line")
        verbose_name_plural = _("picking lines")
        ordering = ["picking_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["picking", "line_no"], name="uniq_picking_line"),
            models.CheckConstraint(
                condition=Q(qty__gte=0),
                name="picking_line_qty_nonneg",
                violation_error_message=_("The quantity of a picking line cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.picking_id}/{self.line_no}"


class PickingAllocation(models.Model):
    """The share of a picking line that belongs to one work-order material line."""

    line = models.ForeignKey(PickingLine, on_delete=models.CASCADE, related_name="allocations")
    material = models.ForeignKey(WorkOrderMaterial, on_delete=models.PROTECT, related_name="allocations")
    qty = QuantityField(_("planned"))
    issued_qty = QuantityField(_("issued"))

    class Meta:
        verbose_name = _("picking allocation")
        verbose_name_plural = _("picking allocations")
        ordering = ["line_id", "id"]


class FGReceipt(Document):
    """产品入库: finished goods of one work order (+ by/joint products); backflush on confirm."""

    status = models.CharField(_("status"), max_length=20, choices=DocStatus.choices, default=DocStatus.DRAFT)
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("work order")
    )
    receipt_date = models.DateField(_("date"))
    qty = QuantityField(_("quantity"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("finished-goods receipt")
        verbose_name_plural = _("finished-goods receipts")
        permissions = [("post_fgreceipt", "Can post and reverse finished-goods receipts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="fgr_qty_positive",
                violation_error_message=_("The quantity received must be greater than 0."),
            )
        ]


class FGReceiptLine(models.Model):
    """What one receipt posted besides the main product: by/joint products (+) and backflush (−)."""

    class Kind(models.TextChoices):
        BY_PRODUCT = "by_product", _("By-product")
        JOINT_PRODUCT = "joint_product", _("Joint product")
        BACKFLUSH = "backflush", _("Backflush")

    receipt = models.ForeignKey(FGReceipt, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    material = models.ForeignKey(WorkOrderMaterial, on_delete=models.PROTECT, related_name="receipt_lines")
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    qty = QuantityField(_("quantity"))

    class Meta:
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        ordering = ["receipt_id", "id"]


class WorkOrderWarning(models.Model):
    """A warning recorded by the daily task (one per order, kind and day)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="warnings")
    on_date = models.DateField(_("date"))
    kind = models.CharField(_("warning"), max_length=20, choices=WarningKind.choices)
    days = models.IntegerField(_("days"), default=0)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("work order warning")
        verbose_name_plural = _("work order warnings")
        ordering = ["-on_date", "work_order_id"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "on_date", "kind"], name="uniq_wo_warning_day"),
        ]
