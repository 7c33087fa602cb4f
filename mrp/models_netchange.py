"""Net-change updates of the current plan (docs/mrp.md "Net change", ADR net-change MRP)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanUpdate(models.Model):
    """One net-change re-plan of part of a run's plan: which changes caused it, which items it
    re-planned and how long it took from the first change's commit to the plan being updated."""

    run = models.ForeignKey("mrp.MrpRun", on_delete=models.CASCADE, related_name="updates", verbose_name=_("plan"))
    created_at = models.DateTimeField(_("updated at"), auto_now_add=True, db_index=True)
    cause = models.CharField(_("cause"), max_length=300)
    document = models.CharField(_("document"), max_length=80, blank=True)
    change_count = models.PositiveIntegerField(_("changes"), default=0)
    seed_count = models.PositiveIntegerField(_("changed items"), default=0)
    item_count = models.PositiveIntegerField(_("items re-planned"), default=0)
    order_count = models.PositiveIntegerField(_("planned orders written"), default=0)
    removed_count = models.PositiveIntegerField(_("planned orders removed"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    at_risk_count = models.PositiveIntegerField(_("order lines at risk"), default=0)

    class Meta:
        verbose_name = _("plan update")
        verbose_name_plural = _("plan updates")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.run_id}: {self.cause}"
