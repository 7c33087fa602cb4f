"""Bills of material (versions, lines) and engineering change notices (工程变更单)."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.fields import QuantityField
from erp.models import Document, TimeStampedModel

from .states import BomStatus, EcnStatus


class IssueMethod(models.TextChoices):
    MANUAL = "manual", _("Manual issue (直接领料)")
    BACKFLUSH = "backflush", _("Backflush (倒冲)")
    NONE = "none", _("Not issued (不领料)")


class LineType(models.TextChoices):
    COMPONENT = "component", _("Component")
    BY_PRODUCT = "by_product", _("By-product")
    JOINT_PRODUCT = "joint_product", _("Joint product")


_VERSION_RE = re.compile(r"^V?(\d+)(?:\.(\d+))?$", re.IGNORECASE)


def version_key(version: str) -> tuple[int, int]:
    """Sort key of a version label: V1.10 sorts after V1.9."""
    m = _VERSION_RE.match((version or "").strip())
    if not m:
        return (-1, -1)
    return (int(m.group(1)), int(m.group(2) or 0))


class BomQuerySet(models.QuerySet):
    def released(self):
        """Versions that have been in force: approved, or disabled after approval."""
        return self.exclude(status=BomStatus.DRAFT)

    def under_change_control(self, items) -> set[int]:
        """The change-control rule (工程变更控制), the only definition: the ids of those `items`
        whose BOM changes only through an ECN, i.e. ECN-controlled items with a released
        version. No query when none of the items is ECN-controlled, else one."""
        ids = [item.pk for item in items if item.ecn_controlled]
        if not ids:
            return set()
        return set(self.released().filter(item_id__in=ids).values_list("item_id", flat=True).distinct())


class Bom(TimeStampedModel):
    """One version of an item's bill of material (物料清单)."""

    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="boms", verbose_name=_("item"))
    version = models.CharField(_("version"), max_length=20, default="V1.0")
    status = models.CharField(_("status"), max_length=20, choices=BomStatus.choices, default=BomStatus.DRAFT)
    output_qty = QuantityField(_("output quantity"), default=1)
    skip_level = models.BooleanField(_("skip level (跳层)"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ecn = models.ForeignKey(
        "bom.Ecn",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by ECN"),
    )
    history = HistoricalRecords()

    objects = BomQuerySet.as_manager()

    class Meta:
        verbose_name = _("BOM")
        verbose_name_plural = _("BOMs")
        ordering = ["item__code", "-id"]
        permissions = [("approve_bom", _("Can approve, disable and re-enable BOMs"))]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="uniq_bom_item_version"),
            models.CheckConstraint(
                condition=Q(output_qty__gt=0),
                name="bom_output_qty_positive",
                violation_error_message=_("The output quantity of a BOM must be greater than 0."),
            ),
        ]

    def __str__(self):
        return f"{self.item.code} {self.version}" if self.item_id else self.version

    @property
    def version_key(self):
        return version_key(self.version)

    @cached_property
    def changes_need_ecn(self) -> bool:
        """The item is under change control (see BomQuerySet.under_change_control)."""
        return bool(Bom.objects.under_change_control([self.item]))

    def is_editable(self) -> bool:
        """Lines and header can be changed: a draft, and the item not under change control."""
        return self.status == BomStatus.DRAFT and not self.changes_need_ecn

    def get_absolute_url(self):
        return reverse("bom:bom_detail", args=[self.pk])


class BomLine(models.Model):
    bom = models.ForeignKey(Bom, on_delete=models.CASCADE, related_name="lines", verbose_name=_("BOM"))
    line_no = models.PositiveIntegerField(_("line"), default=10)
    component = models.ForeignKey(
        "inventory.Item", on_delete=models.PROTECT, related_name="bom_usages", verbose_name=_("component")
    )
    qty_per = QuantityField(_("quantity per"), default=1)
    scrap_rate = models.DecimalField(_("scrap rate"), max_digits=9, decimal_places=6, default=0)
    fixed_loss = QuantityField(_("fixed loss (固定损耗)"))
    issue_method = models.CharField(
        _("issue method"), max_length=20, choices=IssueMethod.choices, default=IssueMethod.MANUAL
    )
    issue_warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issue warehouse"),
    )
    key_part = models.BooleanField(_("key part (关键件)"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    line_type = models.CharField(_("line type"), max_length=20, choices=LineType.choices, default=LineType.COMPONENT)
    cost_share = models.DecimalField(_("cost share"), max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("BOM line")
        verbose_name_plural = _("BOM lines")
        ordering = ["bom", "line_no", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty_per__gt=0),
                name="bomline_qty_positive",
                violation_error_message=_("The quantity per of a BOM line must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=Q(scrap_rate__gte=0, scrap_rate__lt=1),
                name="bomline_scrap_0_1",
                violation_error_message=_("The scrap rate lies between 0 and 1 (0.05 = 5 %%), 1 excluded."),
            ),
            models.CheckConstraint(
                condition=Q(fixed_loss__gte=0),
                name="bomline_fixed_loss_nonneg",
                violation_error_message=_("The fixed loss cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="bomline_validity_order",
                violation_error_message=_("A BOM line's valid-to date lies on or after its valid-from date."),
            ),
        ]
        indexes = [models.Index(fields=["component"], name="bomline_component_idx")]

    def __str__(self):
        return f"{self.bom} #{self.line_no}"

    def valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class StockHandling(models.TextChoices):
    USE_UP = "use_up", _("Use up old stock (用完为止)")
    SWITCH_NOW = "switch_now", _("Switch now (立即切换)")


class ChangeAction(models.TextChoices):
    ADD = "add", _("Add")
    REMOVE = "remove", _("Remove")
    REPLACE = "replace", _("Replace")
    CHANGE_QTY = "change_qty", _("Change quantity")


class Ecn(Document):
    """Engineering change notice (工程变更单): the only way to change a controlled item's BOM."""

    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="ecns", verbose_name=_("item"))
    base_bom = models.ForeignKey(
        Bom, on_delete=models.PROTECT, related_name="ecns", verbose_name=_("BOM version changed")
    )
    new_bom = models.ForeignKey(
        Bom, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("new BOM version")
    )
    status = models.CharField(_("status"), max_length=20, choices=EcnStatus.choices, default=EcnStatus.DRAFT)
    effective_date = models.DateField(_("effective date"))
    stock_handling = models.CharField(
        _("old stock handling"), max_length=20, choices=StockHandling.choices, default=StockHandling.USE_UP
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("engineering change notice")
        verbose_name_plural = _("engineering change notices")
        permissions = [("approve_ecn", _("Can approve engineering change notices"))]

    def is_editable(self) -> bool:
        """Lines can be added or removed, and it can be approved or cancelled: a draft."""
        return self.status == EcnStatus.DRAFT

    def get_absolute_url(self):
        return reverse("bom:ecn_detail", args=[self.pk])


class EcnLine(models.Model):
    ecn = models.ForeignKey(Ecn, on_delete=models.CASCADE, related_name="lines", verbose_name=_("ECN"))
    line_no = models.PositiveIntegerField(_("line"), default=10)
    action = models.CharField(_("change"), max_length=20, choices=ChangeAction.choices)
    old_component = models.ForeignKey(
        "inventory.Item",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("old component"),
    )
    new_component = models.ForeignKey(
        "inventory.Item",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new component"),
    )
    qty_per = QuantityField(_("new quantity per"), null=True, blank=True, default=None)
    scrap_rate = models.DecimalField(_("scrap rate"), max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ECN line")
        verbose_name_plural = _("ECN lines")
        ordering = ["ecn", "line_no", "id"]

    def __str__(self):
        return f"{self.ecn} #{self.line_no}"
