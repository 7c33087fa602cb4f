from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Account, CategoryAccount, OpeningBalance, PostingRule, Voucher, VoucherLine, VoucherSequence


@admin.register(Account)
class AccountAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "direction", "auxiliary", "is_active"]
    search_fields = ["code", "name"]
    list_filter = ["kind", "direction", "auxiliary", "is_active"]


@admin.register(CategoryAccount)
class CategoryAccountAdmin(admin.ModelAdmin):
    list_display = ["category", "account"]
    search_fields = ["category__name", "account__code"]
    list_filter = ["account"]


@admin.register(PostingRule)
class PostingRuleAdmin(SimpleHistoryAdmin):
    list_display = ["source_type", "role", "account"]
    search_fields = ["source_type", "role", "account__code"]
    list_filter = ["source_type"]


class VoucherLineInline(admin.TabularInline):
    model = VoucherLine
    extra = 0
    can_delete = False
    readonly_fields = ["line_no", "account", "summary", "debit", "credit", "aux_kind", "aux_id", "aux_label"]


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    """Read-only: vouchers change through the ledger pages (posted ones never)."""

    list_display = ["__str__", "voucher_date", "status", "summary", "source_number", "debit_total"]
    search_fields = ["summary", "source_number", "source_type"]
    list_filter = ["status", "year", "month", "word", "is_reversal"]
    inlines = [VoucherLineInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VoucherSequence)
class VoucherSequenceAdmin(admin.ModelAdmin):
    list_display = ["year", "month", "word", "last"]
    search_fields = ["word"]
    list_filter = ["year"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OpeningBalance)
class OpeningBalanceAdmin(admin.ModelAdmin):
    list_display = ["account", "aux_label", "year", "month", "debit", "credit"]
    search_fields = ["account__code", "account__name", "aux_label"]
    list_filter = ["year", "month"]
