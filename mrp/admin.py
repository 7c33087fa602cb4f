from django.contrib import admin

from .models import MrpMessage, MrpRun, PlannedOrder


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
    list_display = ["run", "item", "order_type", "qty", "release_date", "due_date", "late", "pegged_to"]
    list_filter = ["order_type", "late"]
    search_fields = ["item__code", "item__name", "pegged_to"]
    raw_id_fields = ["item", "run"]


@admin.register(MrpMessage)
class MrpMessageAdmin(admin.ModelAdmin):
    list_display = ["run", "kind", "item", "date", "ref", "qty"]
    list_filter = ["kind"]
    search_fields = ["item__code", "ref"]
    raw_id_fields = ["item", "run"]
