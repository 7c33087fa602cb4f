"""MRP runs and their output. A run never changes existing documents."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from erp.fields import QuantityField

from .states import ACTIVE, FINISHED, RunStatus

__all__ = ["ACTIVE", "FINISHED", "ExceptionKind", "MrpMessage", "MrpRun", "OrderType", "PlannedOrder", "RunStatus"]


class MrpRun(models.Model):
    scope = models.CharField(_("scope"), max_length=40, default="all")
    run_date = models.DateField(_("run date"))
    horizon_days = models.PositiveIntegerField(_("horizon (days)"), default=90)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    item_count = models.PositiveIntegerField(_("items planned"), default=0)
    order_count = models.PositiveIntegerField(_("planned orders"), default=0)
    exception_count = models.PositiveIntegerField(_("exceptions"), default=0)

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


class PlannedOrder(models.Model):
    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="planned_orders")
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    order_type = models.CharField(_("order type"), max_length=20, choices=OrderType.choices)
    qty = QuantityField(_("quantity"))
    net_qty = QuantityField(_("net requirement"))
    release_date = models.DateField(_("release date"))
    due_date = models.DateField(_("due date"))
    late = models.BooleanField(_("late"), default=False)
    pegged_to = models.CharField(_("pegged to"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("planned order")
        verbose_name_plural = _("planned orders")
        ordering = ["run_id", "item__code", "due_date", "release_date"]
        indexes = [models.Index(fields=["run", "item"])]

    def __str__(self):
        return f"{self.item_id} {self.qty} @ {self.due_date}"


class ExceptionKind(models.TextChoices):
    LATE_RELEASE = "late_release", _("Release date before the run date")
    NO_BOM = "no_bom", _("Item without BOM")
    NO_SUPPLIER = "no_supplier", _("Item without supplier")
    RECEIPT_NOT_NEEDED = "receipt_not_needed", _("Scheduled receipt not needed within the horizon")


class MrpMessage(models.Model):
    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=30, choices=ExceptionKind.choices)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    date = models.DateField(_("date"), null=True, blank=True)
    ref = models.CharField(_("document"), max_length=60, blank=True)
    qty = QuantityField(_("quantity"), null=True, blank=True)

    class Meta:
        verbose_name = _("MRP exception")
        verbose_name_plural = _("MRP exceptions")
        ordering = ["run_id", "kind", "item_id"]

    def __str__(self):
        return f"{self.kind} {self.item_id}"
