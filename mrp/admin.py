from django.contrib import admin

from .models import MrpMessage, MrpPeg, MrpRun, PlannedOrder
from .models_analysis import KittingRun
from .models_netchange import PlanUpdate


@admin.register(MrpRun)
class MrpRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "scope",
        "run_date",
        "horizon_days",
        "status",
        "order_count",
        "exception_count",
        "duration_ms",
    ]
    list_filter = ["status", "scope"]
    date_hierarchy = "run_date"
    readonly_fields = [f.name for f in MrpRun._meta.fields]


@admin.register(PlannedOrder)
class PlannedOrderAdmin(admin.ModelAdmin):
    list_display = [
        "run",
        "seq",
        "item",
        "order_type",
        "qty",
        "release_date",
        "due_date",
        "late",
        "pegged_to",
        "firm",
        "status",
        "document_number",
    ]
    list_filter = ["order_type", "late", "firm", "status"]
    search_fields = ["item__code", "item__name", "pegged_to"]
    raw_id_fields = ["item", "run"]


@admin.register(MrpMessage)
class MrpMessageAdmin(admin.ModelAdmin):
    list_display = ["run", "kind", "item", "date", "new_date", "ref", "qty"]
    list_filter = ["kind"]
    search_fields = ["item__code", "ref"]
    raw_id_fields = ["item", "run"]


@admin.register(KittingRun)
class KittingRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "progress", "demand_count", "complete_count", "partial_count", "short_count",
                    "created_at", "created_by"]  # fmt: skip
    list_filter = ["status"]
    search_fields = ["message"]


@admin.register(MrpPeg)
class MrpPegAdmin(admin.ModelAdmin):
    list_display = [
        "run",
        "item",
        "demand_kind",
        "demand_ref",
        "demand_date",
        "supply_kind",
        "supply_ref",
        "supply_date",
        "qty",
    ]
    list_filter = ["demand_kind", "supply_kind"]
    search_fields = ["item__code", "demand_ref", "supply_ref"]
    raw_id_fields = ["item", "run"]


@admin.register(PlanUpdate)
class PlanUpdateAdmin(admin.ModelAdmin):
    """Net-change updates of a plan (issue 14): cause, counts, latency."""

    list_display = ["created_at", "run", "cause", "change_count", "item_count", "order_count", "latency_ms"]
    search_fields = ["cause", "document"]
    raw_id_fields = ["run"]
