"""MRP runs and their output. A run never changes existing documents."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from erp.fields import QuantityField

from .states import ACTIVE, FINISHED, PlannedStatus, RunStatus

__all__ = [
    "ACTIVE",
    "FINISHED",
    "ExceptionKind",
    "MrpMessage",
    "MrpPeg",
    "MrpRun",
    "OrderType",
    "PlannedOrder",
    "PlannedStatus",
    "RunStatus",
]


class MrpRun(models.Model):
    scope = models.CharField(_("scope"), max_length=40, default="all")
    run_date = models.DateField(_("run date"))
    horizon_days = models.PositiveIntegerField(_("horizon (days)"), default=90)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # written while the worker computes; a running run whose heartbeat is older than
    # settings.MRP_RUN_STALE_SECONDS is marked failed (mrp.services.runs.fail_stale_runs)
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    item_count = models.PositiveIntegerField(_("items planned"), default=0)
    order_count = models.PositiveIntegerField(_("planned orders"), default=0)
    exception_count = models.PositiveIntegerField(_("exceptions"), default=0)
    # every planned order of the run has a larger id (the id sequence read before its COPY): pages
    # start their id-ordered scans there instead of walking the older runs' orders first
    order_id_floor = models.BigIntegerField(_("planned orders after id"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("MRP run")
        verbose_name_plural = _("MRP runs")
        ordering = ["-created_at"]
        constraints = [
            # one active run per scope: a second request is refused, never queued twice
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(status__in=["queued", "running"]),
                name="mrp_one_active_run_per_scope",
                violation_error_message=_("An MRP run for this scope is already queued or running."),
            )
        ]

    def __str__(self):
        return f"MRP {self.run_date} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class OrderType(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    MANUFACTURE = "manufacture", _("Manufacture")
    OUTSOURCE = "outsource", _("Outsource")


def exact_text(qty: Decimal) -> str:
    """A planned quantity as the engine computed it when it has more places than the 6 stored
    (a scrap rate, a BOM quantity per 3 …), else "": net change derives the components' dependent
    demand from it, exactly as a full run does (docs/mrp.md "Net change"), not from the rounded column."""
    text = str(qty)
    point = text.find(".")
    if "E" not in text and (point < 0 or len(text) - point <= 7):
        return ""  # most quantities: 6 places or fewer as computed
    text = format(qty.normalize(), "f")  # without the trailing zeros of the arithmetic
    point = text.find(".")
    return text if point >= 0 and len(text) - point > 7 else ""


def engine_qty(stored: Decimal, exact: str) -> Decimal:
    """The engine's quantity of a stored planned order: the exact one when it was kept."""
    return Decimal(exact) if exact else stored


class PlannedOrder(models.Model):
    # no single-column index on run (the composite indexes below start with it): fewer indexes to
    # maintain while a run COPYs its 570,000 orders
    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="planned_orders", db_index=False)
    seq = models.PositiveIntegerField(_("number in run"), default=0)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    order_type = models.CharField(_("order type"), max_length=20, choices=OrderType.choices)
    qty = QuantityField(_("quantity"))
    net_qty = QuantityField(_("net requirement"))
    qty_exact = models.CharField(_("exact quantity"), max_length=60, blank=True, default="")  # exact_text
    release_date = models.DateField(_("release date"))
    due_date = models.DateField(_("due date"))
    late = models.BooleanField(_("late"), default=False)
    pegged_to = models.CharField(_("pegged to"), max_length=60, blank=True)
    firm = models.BooleanField(_("firm"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=PlannedStatus.choices, default=PlannedStatus.OPEN)
    # the document it became (mrp stores the link: lower apps never point at mrp models)
    document_type = models.CharField(_("document type"), max_length=40, blank=True)
    document_id = models.BigIntegerField(_("document"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("planned order")
        verbose_name_plural = _("planned orders")
        ordering = ["run_id", "item__code", "due_date", "release_date"]
        indexes = [
            models.Index(fields=["run", "item", "due_date", "id"]),
            models.Index(fields=["run", "id"]),
            models.Index(fields=["run", "order_type", "id"]),
            models.Index(fields=["run", "release_date", "id"]),
            models.Index(fields=["run", "late", "id"]),
            models.Index(fields=["run", "seq"]),
            # the firm orders every read of the plan's inputs takes (sources.collect; a few rows of
            # 570,000: without it each net change scanned the run's orders)
            models.Index(fields=["run", "item"], condition=Q(firm=True), name="mrp_planned_firm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="mrp_planned_qty_pos",
                violation_error_message=_("The quantity of a planned order must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("release_date")),
                name="mrp_planned_dates_order",
                violation_error_message=_("The due date cannot be before the release date."),
            ),
        ]

    def __str__(self):
        return f"{self.item_id} {self.qty} @ {self.due_date}"


class ExceptionKind(models.TextChoices):
    LATE_RELEASE = "late_release", _("Expedite: release date before the run date")
    NO_BOM = "no_bom", _("Item without BOM")
    NO_SUPPLIER = "no_supplier", _("Item without supplier")
    RECEIPT_NOT_NEEDED = "receipt_not_needed", _("Cancel: scheduled receipt not needed within the horizon")
    RESCHEDULE_IN = "reschedule_in", _("Reschedule in: scheduled receipt needed earlier")
    RESCHEDULE_OUT = "reschedule_out", _("Reschedule out: scheduled receipt needed later")


class MrpMessage(models.Model):
    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="messages", db_index=False)
    kind = models.CharField(_("kind"), max_length=30, choices=ExceptionKind.choices)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    date = models.DateField(_("date"), null=True, blank=True)
    ref = models.CharField(_("document"), max_length=60, blank=True)
    qty = QuantityField(_("quantity"), null=True, blank=True)
    new_date = models.DateField(_("new date"), null=True, blank=True)

    class Meta:
        verbose_name = _("MRP exception")
        verbose_name_plural = _("MRP exceptions")
        ordering = ["run_id", "kind", "item_id"]
        indexes = [
            models.Index(fields=["run", "kind", "id"]),
            models.Index(fields=["run", "item", "id"]),
            models.Index(fields=["run", "id"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.item_id}"


class MrpPeg(models.Model):
    """One allocation of supply to demand of an item (FIFO in date order, engine/pegging.py).

    demand_kind: sales (ref "SO/line") | forecast | safety | planned (ref: the parent planned
    order's seq) | order_material (ref: WO/OO number) | demand; supply_kind: stock | purchase (ref
    "PO/line") | manufacture (WO number) | outsource (OO number) | requisition | planned (seq);
    an empty supply kind is a shortfall, an empty demand kind supply left free."""

    # no database FK constraints and no single-column FK indexes (the composite indexes start with
    # the run): millions of rows are COPYed per run (the ORM still cascades)
    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="pegs", db_constraint=False, db_index=False)
    item = models.ForeignKey(
        "inventory.Item", on_delete=models.DO_NOTHING, related_name="+", verbose_name=_("item"),
        db_constraint=False, db_index=False,
    )  # fmt: skip
    demand_kind = models.CharField(_("demand"), max_length=20, blank=True)
    demand_ref = models.CharField(_("demand document"), max_length=60, blank=True)
    demand_date = models.DateField(_("required on"), null=True, blank=True)
    supply_kind = models.CharField(_("supply"), max_length=20, blank=True)
    supply_ref = models.CharField(_("supply document"), max_length=60, blank=True)
    supply_date = models.DateField(_("available on"), null=True, blank=True)
    qty = QuantityField(_("quantity"))

    class Meta:
        verbose_name = _("pegging")
        verbose_name_plural = _("pegging")
        indexes = [
            models.Index(fields=["run", "demand_kind", "demand_ref"]),
            models.Index(fields=["run", "supply_kind", "supply_ref"]),
            models.Index(fields=["run", "item", "id"]),
        ]

    def __str__(self):
        return f"{self.supply_kind}:{self.supply_ref} → {self.demand_kind}:{self.demand_ref} {self.qty}"

    @property
    def late(self) -> bool:
        return bool(self.supply_date and self.demand_date and self.supply_date > self.demand_date)


from .models_analysis import KittingRun  # noqa: E402, F401  kitting analysis runs (issue 13)
from .models_netchange import PlanUpdate  # noqa: E402, F401  net change (issue 14)
