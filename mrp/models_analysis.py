"""A kitting analysis recorded in the background (over 500 work orders): its options, progress
and result counts, for the page to poll. The result itself is written on the work orders."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .states import ACTIVE, RunStatus


class KittingRun(models.Model):
    scope = models.CharField(_("scope"), max_length=40, default="all")
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    options = models.JSONField(_("options"), default=dict)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    message = models.TextField(_("message"), blank=True)
    demand_count = models.PositiveIntegerField(_("demands"), default=0)
    complete_count = models.PositiveIntegerField(_("complete"), default=0)
    partial_count = models.PositiveIntegerField(_("partial"), default=0)
    short_count = models.PositiveIntegerField(_("short"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    class Meta:
        verbose_name = _("kitting analysis run")
        verbose_name_plural = _("kitting analysis runs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(status__in=["queued", "running"]),
                name="mrp_one_active_kitting_run",
                violation_error_message=_("A kitting analysis is already queued or running."),
            )
        ]

    def __str__(self):
        return f"kitting #{self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE
