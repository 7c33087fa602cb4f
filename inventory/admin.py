from django.contrib import admin
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.models import DELETION, LogEntry
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.admin import ImportExportModelAdmin
from mptt.admin import MPTTModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Item,
    ItemCategory,
    OpeningBalance,
    OpeningBatch,
    OtherIssue,
    OtherIssueLine,
    OtherReceipt,
    OtherReceiptLine,
    PlanningChange,
    StockBalance,
    StockCount,
    StockCountLine,
    StockMove,
    Supplier,
    Transfer,
    TransferLine,
    UnitOfMeasure,
    UomConversion,
    Warehouse,
)
from .services import masterdata


class ItemResource(resources.ModelResource):
    class Meta:
        model = Item
        import_id_fields = ["code"]
        skip_unchanged = True
        exclude = ["id", "low_level_code"]


class SupplierResource(resources.ModelResource):
    class Meta:
        model = Supplier
        import_id_fields = ["code"]
        skip_unchanged = True
        exclude = ["id"]


class TreeResource(resources.ModelResource):
    """Imports of tree nodes (categories, warehouses) run under the tree lock."""

    def import_data(self, *args, **kwargs):
        with masterdata.tree_write(self._meta.model):
            return super().import_data(*args, **kwargs)


class CategoryResource(TreeResource):
    class Meta:
        model = ItemCategory
        skip_unchanged = True


class WarehouseResource(TreeResource):
    class Meta:
        model = Warehouse
        import_id_fields = ["code"]
        skip_unchanged = True
        fields = ["code", "name", "kind", "nettable", "allow_negative", "is_active"]


@admin.register(UnitOfMeasure)
class UnitOfMeasureAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    search_fields = ["code", "name"]
    list_display = ["code", "name"]


@admin.register(UomConversion)
class UomConversionAdmin(admin.ModelAdmin):
    list_display = ["item", "from_uom", "factor", "to_uom"]
    list_filter = ["from_uom", "to_uom"]
    search_fields = ["item__code", "from_uom__code", "to_uom__code"]
    autocomplete_fields = ["item"]


class TreeAdmin(MPTTModelAdmin):
    """Every tree write of the admin goes through inventory.services.masterdata (tree lock first):
    save, delete, delete of the selected nodes, import."""

    save_service = None  # masterdata.category_save / warehouse_save

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user  # what SimpleHistoryAdmin.save_model would set
        type(self).save_service(instance=obj, user=request.user)

    def delete_model(self, request, obj):
        masterdata.tree_nodes_delete(nodes=[obj], user=request.user)

    def delete_queryset(self, request, queryset):
        masterdata.tree_nodes_delete(nodes=queryset, user=request.user)

    def delete_selected_tree(self, modeladmin, request, queryset):
        if not request.POST.get("post"):
            return delete_selected(self, request, queryset)  # the confirmation page
        nodes = [obj for obj in queryset if self.has_delete_permission(request, obj)]
        with transaction.atomic():
            if nodes:  # logged while the nodes still have their ids
                LogEntry.objects.log_actions(
                    user_id=request.user.pk, queryset=nodes, action_flag=DELETION, single_object=len(nodes) == 1
                )
            masterdata.tree_nodes_delete(nodes=nodes, user=request.user)
        self.message_user(request, _("Successfully deleted %(count)d items.") % {"count": len(nodes)})
        return None


@admin.register(ItemCategory)
class ItemCategoryAdmin(ImportExportModelAdmin, TreeAdmin):
    resource_classes = [CategoryResource]
    save_service = masterdata.category_save
    search_fields = ["name", "path"]
    list_display = ["name", "path"]
    list_filter = ["level"]


@admin.register(Supplier)
class SupplierAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [SupplierResource]
    search_fields = ["code", "name", "contact", "phone", "tax_id"]
    list_display = ["code", "name", "contact", "phone", "payment_terms_days", "is_active"]
    list_filter = ["is_active"]


@admin.register(Item)
class ItemAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [ItemResource]
    search_fields = ["code", "name", "spec"]
    list_display = [
        "code",
        "name",
        "spec",
        "uom",
        "category",
        "supply_type",
        "lead_time_days",
        "standard_cost",
        "is_active",
    ]
    list_filter = ["supply_type", "make_to_order", "is_active", "category", "ecn_controlled", "planner"]
    list_select_related = ["uom", "category"]
    autocomplete_fields = ["default_supplier"]
    raw_id_fields = ["category", "planner"]


@admin.register(Warehouse)
class WarehouseAdmin(ImportExportModelAdmin, TreeAdmin, SimpleHistoryAdmin):
    resource_classes = [WarehouseResource]
    save_service = masterdata.warehouse_save
    search_fields = ["code", "name"]
    list_display = ["code", "name", "kind", "nettable", "allow_negative", "is_active"]
    list_filter = ["kind", "nettable", "allow_negative", "is_active"]


@admin.register(StockBalance)
class StockBalanceAdmin(admin.ModelAdmin):
    list_display = ["item", "warehouse", "qty", "value"]
    list_filter = ["warehouse"]
    search_fields = ["item__code", "item__name"]
    list_select_related = ["item", "warehouse"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockMove)
class StockMoveAdmin(StockBalanceAdmin):
    list_display = ["move_date", "item", "warehouse", "qty", "unit_cost", "value", "source_number", "kind", "reversal"]
    list_filter = ["kind", "reversal", "warehouse", "source_type"]
    search_fields = ["item__code", "source_number"]
    date_hierarchy = "move_date"


@admin.register(OpeningBalance)
class OpeningBalanceAdmin(StockBalanceAdmin):
    list_display = ["item", "warehouse", "qty", "unit_cost", "value", "updated_at"]


@admin.register(OpeningBatch)
class OpeningBatchAdmin(StockBalanceAdmin):
    list_display = ["__str__", "move_date", "lines", "created_by", "created_at"]
    list_filter = ["move_date"]
    search_fields = ["id"]
    list_select_related = ["created_by"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


class DocAdmin(SimpleHistoryAdmin):
    """Documents are created and posted on the warehouse pages (services); admin is read-only."""

    search_fields = ["number", "note"]
    list_filter = ["status", "doc_date"]
    date_hierarchy = "doc_date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OtherReceipt)
class OtherReceiptAdmin(DocAdmin):
    list_display = ["number", "doc_date", "warehouse", "status", "reason"]
    inlines = [type("Lines", (ReadOnlyInline,), {"model": OtherReceiptLine})]


@admin.register(OtherIssue)
class OtherIssueAdmin(DocAdmin):
    list_display = ["number", "doc_date", "warehouse", "status", "reason"]
    inlines = [type("Lines", (ReadOnlyInline,), {"model": OtherIssueLine})]


@admin.register(Transfer)
class TransferAdmin(DocAdmin):
    list_display = ["number", "doc_date", "from_warehouse", "to_warehouse", "status"]
    inlines = [type("Lines", (ReadOnlyInline,), {"model": TransferLine})]


@admin.register(StockCount)
class StockCountAdmin(DocAdmin):
    list_display = ["number", "doc_date", "warehouse", "status"]
    inlines = [type("Lines", (ReadOnlyInline,), {"model": StockCountLine})]


@admin.register(PlanningChange)
class PlanningChangeAdmin(admin.ModelAdmin):
    """Net change (issue 14): what changed demand or supply, and when MRP planned it."""

    list_display = ["created_at", "kind", "document", "cause_text", "processed_at", "plan_update_id"]
    list_filter = ["kind", "scope"]
    search_fields = ["document", "cause"]

    @admin.display(description=gettext_lazy("cause"))
    def cause_text(self, obj):
        return obj.cause_text
