"""Shared kernel models: numbering sequences, accounting periods, company settings,
module permissions and in-app notifications."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Document(TimeStampedModel):
    """Base of every business document: number, status, who made it and who confirmed it.

    Subclasses declare `status = models.CharField(choices=..., default=...)` and a `FLOW`
    (erp.states.Flow) with the allowed transitions; `number` comes from erp.numbering.
    """

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["-number"]

    def __str__(self):
        return self.number


class Sequence(models.Model):
    """Last number issued per document type and year; rows are locked while numbering."""

    doc_type = models.CharField(_("document type"), max_length=20)
    year = models.PositiveIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("numbering sequence")
        verbose_name_plural = _("numbering sequences")
        constraints = [models.UniqueConstraint(fields=["doc_type", "year"], name="uniq_sequence_type_year")]

    def __str__(self):
        return f"{self.doc_type}-{self.year}: {self.last}"


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSING = "closing", pgettext_lazy("period", "Closing")
    CLOSED = "closed", pgettext_lazy("period", "Closed")


class Period(models.Model):
    """Accounting period = calendar month. Nothing posts into a closed period."""

    year = models.PositiveIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    status = models.CharField(_("status"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # close acknowledged with open checklist points / reopened: who, when and why (audited by history)
    acknowledged = models.TextField(_("open points acknowledged at close"), blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason of the last reopening"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("accounting period")
        verbose_name_plural = _("accounting periods")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="uniq_period"),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12),
                name="period_month_1_12",
                violation_error_message=_("The month of a period lies between 1 and 12."),
            ),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d}"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def is_closed(self) -> bool:
        return self.status == PeriodStatus.CLOSED


class AccrualMode(models.TextChoices):
    REVERSE_ON_INVOICE = "on_invoice", _("Reverse on invoice (单到冲回)")
    REVERSE_NEXT_PERIOD = "next_period", _("Reverse all at start of next period (月初一次冲回)")
    DIFFERENCE_ONLY = "difference", _("Post the difference only (差额调整)")


class CompanySettings(models.Model):
    """One company per database (ADR 0002): a single row, pk=1."""

    name = models.CharField(_("company name"), max_length=200, default="天工示范自行车厂")
    tax_id = models.CharField(_("tax ID"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    accrual_mode = models.CharField(
        _("accrual reversal mode"), max_length=20, choices=AccrualMode.choices, default=AccrualMode.REVERSE_ON_INVOICE
    )
    over_receipt_tolerance_pct = models.DecimalField(
        _("purchase over-receipt tolerance %"), max_digits=7, decimal_places=3, default=0
    )
    pool_return_days = models.PositiveIntegerField(
        _("days without follow-up before a customer returns to the pool"), default=30
    )
    due_soon_days = models.PositiveIntegerField(_("'due soon' warning, days"), default=3)
    min_year = models.PositiveSmallIntegerField(_("earliest year accepted in dates"), default=2000)
    max_year = models.PositiveSmallIntegerField(_("latest year accepted in dates"), default=2099)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("company settings")
        verbose_name_plural = _("company settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(over_receipt_tolerance_pct__gte=0, over_receipt_tolerance_pct__lte=100),
                name="company_tolerance_0_100",
                violation_error_message=_("The over-receipt tolerance must lie between 0 and 100 %%."),
            ),
            models.CheckConstraint(
                condition=models.Q(min_year__gte=1900, max_year__lte=2999, min_year__lte=models.F("max_year")),
                name="company_year_range",
                violation_error_message=_("The accepted years must lie between 1900 and 2999, earliest first."),
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def get(cls) -> "CompanySettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class Module(models.Model):
    """Carries the module access permissions (one per sidebar module); no rows."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("access_sales", _("Can open Sales / CRM")),
            ("access_purchasing", _("Can open Purchasing")),
            ("access_outsourcing", _("Can open Outsourcing")),
            ("access_warehouse", _("Can open Warehouse")),
            ("access_bom", _("Can open BOM")),
            ("access_planning", _("Can open Planning / MRP")),
            ("access_production", _("Can open Production")),
            ("access_costing", _("Can open Costing")),
            ("access_reports", _("Can open Reports")),
            ("access_system", _("Can open System")),
        ]


class Notification(models.Model):
    """In-app notification for one user (warnings, reminders)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    # language-neutral text: a renderer registered for `code` (erp.notify.register_text) writes the
    # title and body from `params` in the reader's language; title / body stay as sent (e-mail, admin)
    code = models.CharField(_("text code"), max_length=40, blank=True)
    params = models.JSONField(_("text parameters"), default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="uniq_notification_dedupe",
                violation_error_message=_("This notification was already sent to the user."),
            )
        ]
        # the bell's unread count (erp.context_processors.unread_notifications), on every page
        indexes = [models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread")]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the current language (from `code` and `params` when a renderer is registered)."""
        from .notify import notification_text

        return notification_text(self)[0]

    @property
    def display_body(self) -> str:
        from .notify import notification_text

        return notification_text(self)[1]


class SubmitToken(models.Model):
    """One-time submission token of a rendered form (erp.submit): the first POST that carries it
    stores where it led; a repeat (double click, replay, two tabs) is sent there too."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    result_url = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("submission token")
        verbose_name_plural = _("submission tokens")

    def __str__(self):
        return self.key
