from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Invitation, LineAnswer, ProgressReport, ShippingNotice, ShippingNoticeLine, SupplierUser


@admin.register(SupplierUser)
class SupplierUserAdmin(SimpleHistoryAdmin):
    list_display = ("user", "supplier", "created_at")
    search_fields = ("user__username", "supplier__code", "supplier__name")
    list_filter = ("supplier",)
    autocomplete_fields = ("user",)


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    list_display = ("supplier", "email", "expires_at", "accepted_at", "user")
    search_fields = ("email", "supplier__code", "supplier__name")
    list_filter = ("supplier",)
    readonly_fields = ("token",)


@admin.register(LineAnswer)
class LineAnswerAdmin(SimpleHistoryAdmin):
    list_display = ("po_line", "supplier", "kind", "status", "proposed_qty", "proposed_date", "created_at")
    search_fields = ("po_line__order__number", "supplier__code", "note")
    list_filter = ("kind", "status", "supplier")


class ShippingNoticeLineInline(admin.TabularInline):
    model = ShippingNoticeLine
    extra = 0


@admin.register(ShippingNotice)
class ShippingNoticeAdmin(SimpleHistoryAdmin):
    list_display = ("number", "supplier", "order", "outsourcing_order", "expected_date", "status")
    search_fields = ("number", "tracking_no", "supplier__code", "order__number")
    list_filter = ("status", "supplier")
    inlines = [ShippingNoticeLineInline]


@admin.register(ProgressReport)
class ProgressReportAdmin(SimpleHistoryAdmin):
    list_display = ("order", "supplier", "finished_qty", "previous_date", "expected_date", "created_at")
    search_fields = ("order__number", "supplier__code", "note")
    list_filter = ("supplier",)
