from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    FGReceipt,
    FGReceiptLine,
    Picking,
    PickingAllocation,
    PickingLine,
    WorkOrder,
    WorkOrderMaterial,
    WorkOrderWarning,
)


class WorkOrderMaterialInline(admin.TabularInline):
    model = WorkOrderMaterial
    extra = 0
    raw_id_fields = ("component", "warehouse")
    readonly_fields = ("issued_qty", "returned_qty", "backflushed_qty", "received_qty")


@admin.register(WorkOrder)
class WorkOrderAdmin(SimpleHistoryAdmin):
    list_display = ("number", "item", "qty", "status", "planned_start", "planned_finish", "received_qty")
    list_filter = ("status", "source", "planned_start")
    search_fields = ("number", "item__code", "item__name")
    raw_id_fields = ("item", "warehouse", "parent", "sales_order_line", "bom", "planner")
    readonly_fields = ("number", "received_qty", "status")
    inlines = [WorkOrderMaterialInline]


@admin.register(WorkOrderMaterial)
class WorkOrderMaterialAdmin(admin.ModelAdmin):
    list_display = ("work_order", "line_no", "component", "required", "issue_method", "issued_qty", "backflushed_qty")
    list_filter = ("issue_method", "line_type", "key_part")
    search_fields = ("work_order__number", "component__code")
    raw_id_fields = ("work_order", "component", "warehouse")


class PickingLineInline(admin.TabularInline):
    model = PickingLine
    extra = 0
    raw_id_fields = ("item", "warehouse")
    readonly_fields = ("issued_qty",)


@admin.register(Picking)
class PickingAdmin(SimpleHistoryAdmin):
    list_display = ("number", "mode", "status", "pick_date")
    list_filter = ("mode", "status")
    search_fields = ("number", "work_orders__number")
    readonly_fields = ("number", "status")
    inlines = [PickingLineInline]


@admin.register(PickingAllocation)
class PickingAllocationAdmin(admin.ModelAdmin):
    list_display = ("line", "material", "qty", "issued_qty")
    search_fields = ("line__picking__number", "material__work_order__number")
    list_filter = ("line__picking__mode",)
    raw_id_fields = ("line", "material")


class FGReceiptLineInline(admin.TabularInline):
    model = FGReceiptLine
    extra = 0
    raw_id_fields = ("material", "item", "warehouse")


@admin.register(FGReceipt)
class FGReceiptAdmin(SimpleHistoryAdmin):
    list_display = ("number", "work_order", "qty", "receipt_date", "status")
    list_filter = ("status", "receipt_date")
    search_fields = ("number", "work_order__number")
    raw_id_fields = ("work_order", "warehouse")
    readonly_fields = ("number", "status")
    inlines = [FGReceiptLineInline]


@admin.register(WorkOrderWarning)
class WorkOrderWarningAdmin(admin.ModelAdmin):
    list_display = ("work_order", "on_date", "kind", "days")
    list_filter = ("kind", "on_date")
    search_fields = ("work_order__number",)
