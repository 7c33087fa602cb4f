"""django-tables2 tables of the sales pages."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from erp.fields import fmt_decimal

from .models import (
    Customer,
    Delivery,
    Forecast,
    Lead,
    Opportunity,
    Quotation,
    Receipt,
    SalesInvoice,
    SalesOrder,
    SalesReturn,
    ServiceTicket,
)
from .states import source_label


class MoneyColumn(tables.Column):
    attrs = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}

    def render(self, value):
        return f"{value:,.2f}"

    def value(self, value):
        return str(value)


class QtyColumn(tables.Column):
    attrs = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}

    def render(self, value):
        return fmt_decimal(value)


class StatusColumn(tables.Column):
    def render(self, record, value):
        from erp.templatetags.erp_tags import status_badge

        return status_badge(record, self.accessor if isinstance(self.accessor, str) else "status")


class CustomerTable(tables.Table):
    code = tables.LinkColumn("crm:customer_detail", args=[tables.A("pk")])
    owner = tables.Column(verbose_name=_("Owner"), default="—")

    class Meta:
        model = Customer
        fields = ("code", "name", "level", "industry", "contact", "phone", "owner", "credit_limit", "last_followup_at")
        attrs = {"class": "table table-sm table-hover"}


class PoolTable(tables.Table):
    code = tables.LinkColumn("crm:customer_detail", args=[tables.A("pk")])
    claim = tables.TemplateColumn(
        template_name="crm/_claim_button.html", verbose_name="", orderable=False, exclude_from_export=True
    )

    class Meta:
        model = Customer
        fields = ("code", "name", "level", "industry", "source", "last_followup_at")
        attrs = {"class": "table table-sm table-hover"}

    def render_source(self, value):
        return source_label(value)


class LeadTable(tables.Table):
    company = tables.LinkColumn("crm:lead_detail", args=[tables.A("pk")])
    status = StatusColumn()

    class Meta:
        model = Lead
        fields = ("company", "contact_name", "phone", "source", "owner", "status", "created_at")
        attrs = {"class": "table table-sm table-hover"}

    def render_source(self, value):
        return source_label(value)


class OpportunityTable(tables.Table):
    name = tables.LinkColumn("crm:opportunity_detail", args=[tables.A("pk")])
    amount = MoneyColumn()

    class Meta:
        model = Opportunity
        fields = ("name", "customer", "owner", "stage", "amount", "probability", "close_date")
        attrs = {"class": "table table-sm table-hover"}


class QuotationTable(tables.Table):
    number = tables.LinkColumn("crm:quotation_detail", args=[tables.A("pk")])
    total = MoneyColumn()
    status = StatusColumn()

    class Meta:
        model = Quotation
        fields = ("number", "customer", "quote_date", "valid_until", "total", "status")
        attrs = {"class": "table table-sm table-hover"}


class SalesOrderTable(tables.Table):
    """销售订单执行进度: progress columns come from `order.progress` (attached per page)."""

    number = tables.LinkColumn("crm:order_detail", args=[tables.A("pk")])
    customer = tables.Column(accessor="customer__name", verbose_name=_("Customer"))
    total = MoneyColumn()
    status = StatusColumn()
    shipped = tables.Column(verbose_name=_("Shipped status"), empty_values=(), orderable=False)
    linked = tables.Column(verbose_name=_("Work / outsourcing orders"), empty_values=(), orderable=False)
    completion = tables.Column(verbose_name=_("Completion"), empty_values=(), orderable=False)
    ready = tables.Column(verbose_name=_("Ready to ship"), empty_values=(), orderable=False)
    progress_status = tables.Column(verbose_name=_("Progress"), empty_values=(), orderable=False)
    warning = tables.Column(verbose_name=_("Warning"), empty_values=(), orderable=False)
    at_risk = tables.Column(verbose_name=_("At risk"), empty_values=(), orderable=False)

    class Meta:
        model = SalesOrder
        fields = ("number", "customer", "order_date", "total", "status")
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_shipped(self, record):
        return record.progress.ship_status_label

    def value_shipped(self, record):
        return record.progress.ship_status_label

    def render_linked(self, record):
        p = record.progress
        if not p.links:
            return str(_("Not arranged"))
        return format_html(
            ", ".join('<a href="{}">{}</a>' for _l in p.links[:4]), *[x for lbl, url in p.links[:4] for x in (url, lbl)]
        )

    def value_linked(self, record):
        return ", ".join(lbl for lbl, _u in record.progress.links)

    def render_completion(self, record):
        p = record.progress
        if not p.arranged:
            return str(_("Not arranged"))
        return render_to_string(
            "erp/_progress.html", {"percent": fmt_decimal(p.completion_pct, 1), "warn": bool(p.warning)}
        )

    def value_completion(self, record):
        return str(record.progress.completion_pct)

    def render_ready(self, record):
        return fmt_decimal(record.progress.ready_to_ship)

    def render_progress_status(self, record):
        return record.progress.status_label

    def value_progress_status(self, record):
        return record.progress.status_label

    def render_warning(self, record):
        w = record.progress.warning_label
        return format_html('<span class="badge text-bg-warning">{}</span>', w) if w else ""

    def value_warning(self, record):
        return record.progress.warning_label

    def _risky(self, record):
        return [ln for ln in record.lines.all() if ln.at_risk]

    def render_at_risk(self, record):
        """Lines whose promise supply can no longer meet (net change): feasible date of the latest."""
        risky = self._risky(record)
        if not risky:
            return ""
        last = max((ln.feasible_date for ln in risky if ln.feasible_date), default=None)
        text = _("%(n)s at risk") % {"n": len(risky)}
        if last:
            text += " · " + _("feasible %(date)s") % {"date": last.isoformat()}
        return format_html('<span class="badge text-bg-danger at-risk">{}</span>', text)

    def value_at_risk(self, record):
        return len(self._risky(record))


class ForecastTable(tables.Table):
    qty = QtyColumn()

    class Meta:
        model = Forecast
        fields = ("item", "date", "qty", "opportunity", "note")
        attrs = {"class": "table table-sm table-hover"}


class DeliveryTable(tables.Table):
    number = tables.LinkColumn("crm:delivery_detail", args=[tables.A("pk")])
    status = StatusColumn()

    class Meta:
        model = Delivery
        fields = ("number", "customer", "order", "delivery_date", "warehouse", "status")
        attrs = {"class": "table table-sm table-hover"}


class ReturnTable(tables.Table):
    number = tables.LinkColumn("crm:return_detail", args=[tables.A("pk")])
    status = StatusColumn()

    class Meta:
        model = SalesReturn
        fields = ("number", "customer", "delivery", "return_date", "reason", "status")
        attrs = {"class": "table table-sm table-hover"}


class InvoiceTable(tables.Table):
    number = tables.LinkColumn("crm:invoice_detail", args=[tables.A("pk")])
    total = MoneyColumn()
    paid_amount = MoneyColumn()
    status = StatusColumn()

    class Meta:
        model = SalesInvoice
        fields = ("number", "kind", "customer", "invoice_date", "total", "paid_amount", "tax_invoice_number", "status")
        attrs = {"class": "table table-sm table-hover"}


class ReceiptTable(tables.Table):
    number = tables.LinkColumn("crm:receipt_detail", args=[tables.A("pk")])
    amount = MoneyColumn()
    status = StatusColumn()

    class Meta:
        model = Receipt
        fields = ("number", "customer", "receipt_date", "amount", "method", "status")
        attrs = {"class": "table table-sm table-hover"}


class TicketTable(tables.Table):
    number = tables.LinkColumn("crm:ticket_detail", args=[tables.A("pk")])
    status = StatusColumn()

    class Meta:
        model = ServiceTicket
        fields = ("number", "customer", "order", "subject", "priority", "due_at", "assigned_to", "status")
        attrs = {"class": "table table-sm table-hover"}
