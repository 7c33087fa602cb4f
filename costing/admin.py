from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    CostCentre,
    CostEntry,
    CostPool,
    CostRun,
    CostSettings,
    ItemCost,
    OrderCost,
    WipCompletion,
    WorkHours,
)


@admin.register(CostSettings)
class CostSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "scope", "wip_method", "joint_method", "default_completion_pct"]


@admin.register(CostCentre)
class CostCentreAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(CostPool)
class CostPoolAdmin(SimpleHistoryAdmin):
    list_display = ["period", "cost_centre", "element", "amount", "basis"]
    list_filter = ["element", "basis", "period"]
    search_fields = ["cost_centre__code", "note"]


@admin.register(WorkHours)
class WorkHoursAdmin(admin.ModelAdmin):
    list_display = ["work_date", "work_order", "cost_centre", "actual_hours", "standard_hours"]
    list_filter = ["cost_centre"]
    search_fields = ["work_order__number"]
    raw_id_fields = ["work_order"]


@admin.register(WipCompletion)
class WipCompletionAdmin(admin.ModelAdmin):
    list_display = ["period", "work_order", "completion_pct"]
    list_filter = ["period"]
    search_fields = ["work_order__number"]
    raw_id_fields = ["work_order"]


class _ReadOnly(admin.ModelAdmin):
    """Results and entries are written by the cost run only (append-only)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CostRun)
class CostRunAdmin(_ReadOnly):
    list_display = ["pk", "period", "status", "progress", "finished_at", "move_count", "order_count", "entry_count"]
    list_filter = ["status", "period"]
    search_fields = ["message"]


@admin.register(ItemCost)
class ItemCostAdmin(_ReadOnly):
    list_display = ["run", "item", "warehouse", "opening_value", "receipt_value", "issue_value", "unit_cost"]
    list_filter = ["period"]
    search_fields = ["item__code"]


@admin.register(OrderCost)
class OrderCostAdmin(_ReadOnly):
    list_display = ["run", "order_no", "item", "element", "opening_wip", "this_period", "fg", "closing_wip"]
    list_filter = ["period", "element"]
    search_fields = ["order_no", "item__code"]


@admin.register(CostEntry)
class CostEntryAdmin(_ReadOnly):
    list_display = ["run", "entry_date", "kind", "item", "warehouse", "debit", "credit", "amount", "source_number"]
    list_filter = ["kind", "period"]
    search_fields = ["item__code", "source_number", "key"]
