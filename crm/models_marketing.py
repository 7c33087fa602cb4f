"""市场营销 (issue 19): campaigns, their cost lines, campaign touches of leads and customers, and
the decisions taken on possible duplicates. Imported at the end of crm/models.py."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.fields import MoneyField
from erp.models import TimeStampedModel

from .states import CampaignChannel, CampaignStatus, DuplicateDecisionKind


class Campaign(TimeStampedModel):
    """活动: a trade fair, an ads campaign, a WeChat push … that brings leads."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=20, choices=CampaignChannel.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    budget = MoneyField(_("budget"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    segment = models.CharField(_("target segment"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="campaign_end_after_start",
                violation_error_message=_("A campaign cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(budget__gte=0),
                name="campaign_budget_ge_0",
                violation_error_message=_("The budget cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"


class CampaignCost(models.Model):
    """实际费用: one cost line of a campaign (booth, ads, printing …)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="costs")
    date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=200)
    amount = MoneyField(_("amount"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign cost")
        verbose_name_plural = _("campaign costs")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="campaign_cost_positive",
                violation_error_message=_("A cost amount must be greater than 0."),
            )
        ]

    def __str__(self):
        return f"{self.date} {self.description}"


class CampaignTouch(models.Model):
    """A campaign reached a lead or a customer besides the lead's own campaign (a duplicate
    merged into an earlier lead, an opportunity raised from a campaign). Attribution reads
    these together with `Lead.campaign` (crm/services/marketing.py)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="touches")
    lead = models.ForeignKey(
        "crm.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, null=True, blank=True, related_name="touches"
    )
    customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="campaign_touches",
    )
    touched_at = models.DateTimeField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("campaign touch")
        verbose_name_plural = _("campaign touches")
        ordering = ["touched_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lead__isnull=False) | models.Q(customer__isnull=False),
                name="campaign_touch_has_target",
                violation_error_message=_("A campaign touch needs a lead or a customer."),
            )
        ]


class DuplicateDecision(models.Model):
    """What a user decided about a possible duplicate: merged, kept both (with the reason), or
    the lead linked to an existing customer. Kept pairs leave the duplicates report."""

    lead = models.ForeignKey("crm.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, related_name="+")
    other_lead = models.ForeignKey(
        "crm.Lead", verbose_name=_("other lead"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    other_customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=10, choices=DuplicateDecisionKind.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    matched_on = models.CharField(_("matched on"), max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("duplicate decision")
        verbose_name_plural = _("duplicate decisions")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(other_lead__isnull=False) | models.Q(other_customer__isnull=False),
                name="dup_decision_has_other",
                violation_error_message=_("A duplicate decision names the other lead or customer."),
            ),
            models.CheckConstraint(
                condition=~models.Q(decision="kept") | ~models.Q(reason=""),
                name="dup_decision_kept_reason",
                violation_error_message=_("Keeping both records needs a reason."),
            ),
        ]
