from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Bom, BomLine, Ecn, EcnLine


class DraftOnly:
    """Lines are edited here only where the pages allow it (`is_editable()` of the BOM or ECN:
    a draft, and for a BOM its item not under change control); otherwise a new version or an
    ECN."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or _doc_of(obj).is_editable())

    def has_add_permission(self, request, obj=None):
        args = (request, obj) if isinstance(self, InlineModelAdmin) else (request,)
        return super().has_add_permission(*args) and (obj is None or _doc_of(obj).is_editable())

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or _doc_of(obj).is_editable())


def _doc_of(obj):
    if isinstance(obj, (Bom, Ecn)):
        return obj
    return obj.bom if isinstance(obj, BomLine) else obj.ecn


class BomLineInline(DraftOnly, admin.TabularInline):
    model = BomLine
    extra = 0
    raw_id_fields = ("component", "issue_warehouse")


@admin.register(Bom)
class BomAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    list_display = ("item", "version", "status", "output_qty", "skip_level", "approved_at")
    list_filter = ("status", "skip_level")
    search_fields = ("item__code", "item__name", "version")
    raw_id_fields = ("item", "ecn")
    readonly_fields = ("status", "created_by", "approved_at", "approved_by")
    inlines = [BomLineInline]


@admin.register(BomLine)
class BomLineAdmin(DraftOnly, admin.ModelAdmin):
    list_display = ("bom", "line_no", "component", "qty_per", "scrap_rate", "fixed_loss", "issue_method", "line_type")
    list_filter = ("issue_method", "line_type", "key_part")
    search_fields = ("bom__item__code", "component__code", "component__name")
    raw_id_fields = ("bom", "component", "issue_warehouse")


class EcnLineInline(DraftOnly, admin.TabularInline):
    model = EcnLine
    extra = 0
    raw_id_fields = ("old_component", "new_component")


@admin.register(Ecn)
class EcnAdmin(SimpleHistoryAdmin):
    list_display = ("number", "item", "status", "effective_date", "stock_handling")
    list_filter = ("status", "stock_handling")
    search_fields = ("number", "item__code", "reason")
    raw_id_fields = ("item", "base_bom", "new_bom")
    readonly_fields = ("number", "status", "new_bom", "created_by", "confirmed_at", "confirmed_by")
    inlines = [EcnLineInline]


@admin.register(EcnLine)
class EcnLineAdmin(DraftOnly, admin.ModelAdmin):
    list_display = ("ecn", "line_no", "action", "old_component", "new_component", "qty_per")
    list_filter = ("action",)
    search_fields = ("ecn__number", "old_component__code", "new_component__code")
