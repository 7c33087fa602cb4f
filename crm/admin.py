from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import models


class ContactInline(admin.TabularInline):
    model = models.Contact
    extra = 0


@admin.register(models.Customer)
class CustomerAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    list_display = ("code", "name", "owner", "level", "credit_limit", "last_followup_at")
    search_fields = ("code", "name", "tax_id", "contact", "phone")
    list_filter = ("level", "is_active", "industry")
    inlines = [ContactInline]

    def get_readonly_fields(self, request, obj=None):
        ro = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("crm.change_credit_limit"):
            ro.append("credit_limit")
        return ro


@admin.register(models.Lead)
class LeadAdmin(SimpleHistoryAdmin):
    list_display = ("company", "contact_name", "owner", "status", "created_at")
    search_fields = ("company", "contact_name", "phone")
    list_filter = ("status", "source")


class StageChangeInline(admin.TabularInline):
    model = models.StageChange
    extra = 0
    readonly_fields = ("from_stage", "to_stage", "changed_at", "user")


@admin.register(models.Opportunity)
class OpportunityAdmin(SimpleHistoryAdmin):
    list_display = ("name", "customer", "owner", "stage", "amount", "close_date")
    search_fields = ("name", "customer__name")
    list_filter = ("stage",)
    inlines = [StageChangeInline]


@admin.register(models.FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "customer", "method", "next_date", "reminder_done")
    search_fields = ("content", "customer__name")
    list_filter = ("method", "reminder_done")


class QuotationLineInline(admin.TabularInline):
    model = models.QuotationLine
    extra = 0


@admin.register(models.Quotation)
class QuotationAdmin(SimpleHistoryAdmin):
    list_display = ("number", "customer", "quote_date", "total", "status")
    search_fields = ("number", "customer__name")
    list_filter = ("status",)
    inlines = [QuotationLineInline]


class SalesOrderLineInline(admin.TabularInline):
    model = models.SalesOrderLine
    extra = 0
    raw_id_fields = ("item", "quotation_line")


@admin.register(models.SalesOrder)
class SalesOrderAdmin(SimpleHistoryAdmin):
    list_display = ("number", "customer", "order_date", "total", "status")
    search_fields = ("number", "customer__name", "customer_po")
    list_filter = ("status",)
    inlines = [SalesOrderLineInline]


@admin.register(models.Forecast)
class ForecastAdmin(ImportExportModelAdmin):
    list_display = ("item", "date", "qty", "opportunity")
    search_fields = ("item__code", "opportunity__name")
    list_filter = ("date",)
    raw_id_fields = ("opportunity",)


@admin.register(models.OpportunityLine)
class OpportunityLineAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "line_no", "item", "qty", "unit_price")
    search_fields = ("opportunity__name", "item__code")
    list_filter = ("opportunity__stage",)
    raw_id_fields = ("opportunity",)


class DeliveryLineInline(admin.TabularInline):
    model = models.DeliveryLine
    extra = 0


@admin.register(models.Delivery)
class DeliveryAdmin(SimpleHistoryAdmin):
    list_display = ("number", "customer", "order", "delivery_date", "status")
    search_fields = ("number", "customer__name")
    list_filter = ("status",)
    inlines = [DeliveryLineInline]


class SalesReturnLineInline(admin.TabularInline):
    model = models.SalesReturnLine
    extra = 0


@admin.register(models.SalesReturn)
class SalesReturnAdmin(SimpleHistoryAdmin):
    list_display = ("number", "customer", "delivery", "return_date", "status")
    search_fields = ("number", "customer__name")
    list_filter = ("status",)
    inlines = [SalesReturnLineInline]


class SalesInvoiceLineInline(admin.TabularInline):
    model = models.SalesInvoiceLine
    extra = 0


@admin.register(models.SalesInvoice)
class SalesInvoiceAdmin(SimpleHistoryAdmin):
    list_display = (
        "number",
        "kind",
        "customer",
        "invoice_date",
        "total",
        "paid_amount",
        "tax_invoice_number",
        "status",
    )
    search_fields = ("number", "customer__name", "tax_invoice_number", "request_serial")
    list_filter = ("kind", "status", "red_reason")
    inlines = [SalesInvoiceLineInline]


@admin.register(models.PaymentPlan)
class PaymentPlanAdmin(admin.ModelAdmin):
    list_display = ("order", "due_date", "amount", "received_amount")
    search_fields = ("order__number",)
    list_filter = ("due_date",)


class ReceiptAllocationInline(admin.TabularInline):
    model = models.ReceiptAllocation
    extra = 0


@admin.register(models.Receipt)
class ReceiptAdmin(SimpleHistoryAdmin):
    list_display = ("number", "customer", "receipt_date", "amount", "status")
    search_fields = ("number", "customer__name")
    list_filter = ("status",)
    inlines = [ReceiptAllocationInline]


@admin.register(models.ServiceTicket)
class ServiceTicketAdmin(SimpleHistoryAdmin):
    list_display = ("number", "customer", "subject", "status", "priority", "due_at")
    search_fields = ("number", "subject", "customer__name")
    list_filter = ("status", "priority")


@admin.register(models.ItemTaxCode)
class ItemTaxCodeAdmin(ImportExportModelAdmin):
    list_display = ("item", "code", "invoice_name")
    search_fields = ("item__code", "code")
    list_filter = ()


@admin.register(models.SalesTeam)
class SalesTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "manager")
    search_fields = ("name", "manager__username", "members__username")
    list_filter = ("manager",)
    filter_horizontal = ("members",)


# --------------------------------------------------------------------------- marketing (issue 19)
class CampaignCostInline(admin.TabularInline):
    model = models.CampaignCost
    extra = 0


@admin.register(models.Campaign)
class CampaignAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    list_display = ("number", "name", "channel", "start_date", "end_date", "budget", "owner", "status")
    search_fields = ("number", "name", "segment")
    list_filter = ("channel", "status")
    inlines = [CampaignCostInline]


@admin.register(models.CampaignCost)
class CampaignCostAdmin(admin.ModelAdmin):
    list_display = ("campaign", "date", "description", "amount", "created_by")
    search_fields = ("campaign__name", "description")
    list_filter = ("campaign",)


@admin.register(models.CampaignTouch)
class CampaignTouchAdmin(admin.ModelAdmin):
    list_display = ("campaign", "lead", "customer", "touched_at")
    search_fields = ("campaign__name", "lead__company", "customer__name")
    list_filter = ("campaign",)


@admin.register(models.DuplicateDecision)
class DuplicateDecisionAdmin(admin.ModelAdmin):
    list_display = ("lead", "other_lead", "other_customer", "decision", "reason", "user", "at")
    search_fields = ("lead__company", "reason")
    list_filter = ("decision",)
