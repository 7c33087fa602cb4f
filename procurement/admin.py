from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import models


@admin.register(models.SupplierPrice)
class SupplierPriceAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    list_display = ("supplier", "item", "price", "currency", "min_qty", "lead_time_days", "valid_from", "valid_to")
    search_fields = ("supplier__code", "supplier__name", "item__code", "item__name")
    list_filter = ("currency", "supplier")
    autocomplete_fields = ()
    raw_id_fields = ("supplier", "item")


class ReadOnlyLines(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RequisitionLineInline(ReadOnlyLines):
    model = models.RequisitionLine
    fields = (
        "line_no",
        "item",
        "qty",
        "ordered_qty",
        "need_date",
        "supplier",
        "source_type",
        "source_id",
        "source_line",
    )


class POLineInline(ReadOnlyLines):
    model = models.PurchaseOrderLine
    fields = (
        "line_no",
        "item",
        "qty",
        "unit_price",
        "due_date",
        "received_qty",
        "returned_qty",
        "invoiced_qty",
        "closed",
    )


class DocumentAdmin(SimpleHistoryAdmin):
    """Documents change only through their services: the admin shows them."""

    search_fields = ("number", "note")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Requisition)
class RequisitionAdmin(DocumentAdmin):
    list_display = ("number", "request_date", "department", "status")
    list_filter = ("status",)
    inlines = [RequisitionLineInline]


@admin.register(models.PurchaseOrder)
class PurchaseOrderAdmin(DocumentAdmin):
    list_display = ("number", "supplier", "order_date", "status")
    list_filter = ("status",)
    search_fields = ("number", "supplier__code", "supplier__name")
    inlines = [POLineInline]


class ReceiptLineInline(ReadOnlyLines):
    model = models.PurchaseReceiptLine
    fields = ("line_no", "item", "qty", "unit_price", "value", "returned_qty", "invoiced_qty", "invoiced_value")


@admin.register(models.PurchaseReceipt)
class PurchaseReceiptAdmin(DocumentAdmin):
    list_display = ("number", "supplier", "order", "receipt_date", "warehouse", "status")
    list_filter = ("status", "warehouse")
    search_fields = ("number", "supplier__name", "order__number")
    inlines = [ReceiptLineInline]


@admin.register(models.PurchaseReturn)
class PurchaseReturnAdmin(DocumentAdmin):
    list_display = ("number", "supplier", "receipt", "return_date", "status")
    list_filter = ("status",)


class InvoiceLineInline(ReadOnlyLines):
    model = models.SupplierInvoiceLine
    fields = (
        "line_no",
        "receipt_line",
        "outsourcing_receipt",
        "item",
        "qty",
        "unit_price",
        "amount",
        "tax_amount",
        "accrued_value",
        "difference",
    )


@admin.register(models.SupplierInvoice)
class SupplierInvoiceAdmin(DocumentAdmin):
    list_display = ("number", "supplier", "kind", "invoice_date", "amount", "tax_amount", "paid_amount", "status")
    list_filter = ("status", "kind")
    search_fields = ("number", "supplier_invoice_no", "supplier__name")
    inlines = [InvoiceLineInline]


class MaterialInline(ReadOnlyLines):
    model = models.OutsourcingMaterial
    fields = (
        "line_no",
        "component",
        "qty_per",
        "required_qty",
        "issued_qty",
        "supplement_qty",
        "returned_qty",
        "consumed_qty",
        "scrapped_qty",
    )


@admin.register(models.OutsourcingOrder)
class OutsourcingOrderAdmin(DocumentAdmin):
    list_display = ("number", "supplier", "item", "qty", "received_qty", "unit_fee", "due_date", "status")
    list_filter = ("status",)
    search_fields = ("number", "supplier__name", "item__code")
    inlines = [MaterialInline]


@admin.register(models.OutsourcingIssue)
class OutsourcingIssueAdmin(DocumentAdmin):
    list_display = ("number", "order", "kind", "issue_date", "warehouse", "status")
    list_filter = ("kind", "status")


@admin.register(models.OutsourcingReceipt)
class OutsourcingReceiptAdmin(DocumentAdmin):
    list_display = ("number", "order", "receipt_date", "qty", "fee_value", "material_value", "invoiced_qty", "status")
    list_filter = ("status",)


class LedgerAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.AccrualEntry)
class AccrualEntryAdmin(LedgerAdmin):
    list_display = ("entry_date", "supplier", "item", "source_number", "reason", "qty", "amount", "document_number")
    list_filter = ("reason", "period")
    search_fields = ("source_number", "document_number", "item__code", "supplier__name")


@admin.register(models.CostAdjustmentEntry)
class CostAdjustmentEntryAdmin(LedgerAdmin):
    list_display = ("entry_date", "item", "warehouse", "kind", "target", "amount", "document_number")
    list_filter = ("kind", "target", "period")
    search_fields = ("document_number", "item__code")


@admin.register(models.RequisitionLineSource)
class RequisitionLineSourceAdmin(admin.ModelAdmin):
    list_display = ["line", "source_type", "source_number", "item", "qty"]
    list_filter = ["source_type"]
    search_fields = ["source_number", "item__code", "line__requisition__number"]
    raw_id_fields = ["line", "item"]
