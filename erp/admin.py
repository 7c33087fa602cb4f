from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CompanySettings, Notification, Period, Sequence

admin.site.site_header = "天工 Tiangong ERP"
admin.site.site_title = "Tiangong"


@admin.register(CompanySettings)
class CompanySettingsAdmin(admin.ModelAdmin):
    list_display = ["name", "tax_id", "currency", "accrual_mode"]


@admin.register(Period)
class PeriodAdmin(SimpleHistoryAdmin):
    """Read-only here: closing and reopening run through costing (checklist, audit, reason)."""

    list_display = ["__str__", "status", "closed_at", "closed_by", "reopened_at", "reason"]
    list_filter = ["status", "year"]
    readonly_fields = ["status", "closed_at", "closed_by", "acknowledged", "reopened_at", "reopened_by", "reason"]


@admin.register(Sequence)
class SequenceAdmin(admin.ModelAdmin):
    list_display = ["doc_type", "year", "last"]
    search_fields = ["doc_type"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "title", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__username"]


__all__ = ["SimpleHistoryAdmin"]
