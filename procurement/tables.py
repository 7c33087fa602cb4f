import django_filters
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import (
    InvoiceKind,
    OutsourcingOrder,
    PurchaseOrder,
    PurchaseReceipt,
    Requisition,
    SupplierInvoice,
    SupplierPrice,
)
from .states import InvoiceStatus, OrderStatus, RequisitionStatus

ATTRS = {"class": "table table-sm table-hover align-middle"}


class StatusColumn(tables.Column):
    def render(self, record, value):
        from erp.templatetags.erp_tags import status_badge

        return status_badge(record)


class RequisitionTable(tables.Table):
    number = tables.Column(linkify=("procurement:requisition_detail", {"pk": tables.A("pk")}), verbose_name=_("Number"))
    request_date = tables.DateColumn(verbose_name=_("Request date"), format="Y-m-d")
    department = tables.Column(verbose_name=_("Department"))
    line_count = tables.Column(verbose_name=_("Lines"))
    amount = tables.Column(verbose_name=_("Estimated amount"))
    status = StatusColumn(verbose_name=_("Status"))

    class Meta:
        model = Requisition
        fields = ("number", "request_date", "department", "line_count", "amount", "status")
        attrs = ATTRS


class RequisitionFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Number"))
    status = django_filters.ChoiceFilter(choices=RequisitionStatus.choices, label=_("Status"))

    class Meta:
        model = Requisition
        fields = ["number", "status"]


class PurchaseOrderTable(tables.Table):
    number = tables.Column(linkify=("procurement:po_detail", {"pk": tables.A("pk")}), verbose_name=_("Number"))
    supplier = tables.Column(accessor="supplier__name", verbose_name=_("Supplier"))
    order_date = tables.DateColumn(verbose_name=_("Order date"), format="Y-m-d")
    amount = tables.Column(verbose_name=_("Amount excl. tax"))
    total = tables.Column(verbose_name=_("Total incl. tax"))
    open_qty = tables.Column(verbose_name=_("Open quantity"))
    status = StatusColumn(verbose_name=_("Status"))

    class Meta:
        model = PurchaseOrder
        fields = ("number", "supplier", "order_date", "amount", "total", "open_qty", "status")
        attrs = ATTRS

    def render_open_qty(self, value):
        from erp.fields import fmt_decimal

        return fmt_decimal(value)


class PurchaseOrderFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Number"))
    supplier = django_filters.CharFilter(field_name="supplier__name", lookup_expr="icontains", label=_("Supplier"))
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label=_("Status"))

    class Meta:
        model = PurchaseOrder
        fields = ["number", "supplier", "status"]


class ReceiptTable(tables.Table):
    number = tables.Column(linkify=("procurement:receipt_detail", {"pk": tables.A("pk")}), verbose_name=_("Number"))
    order = tables.Column(accessor="order__number", verbose_name=_("Purchase order"))
    supplier = tables.Column(accessor="supplier__name", verbose_name=_("Supplier"))
    receipt_date = tables.DateColumn(verbose_name=_("Receipt date"), format="Y-m-d")
    warehouse = tables.Column(accessor="warehouse__name", verbose_name=_("Warehouse"))
    value = tables.Column(verbose_name=_("Value"), orderable=False)
    status = StatusColumn(verbose_name=_("Status"))

    class Meta:
        model = PurchaseReceipt
        fields = ("number", "order", "supplier", "receipt_date", "warehouse", "value", "status")
        attrs = ATTRS


class ReceiptFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Number"))
    supplier = django_filters.CharFilter(field_name="supplier__name", lookup_expr="icontains", label=_("Supplier"))

    class Meta:
        model = PurchaseReceipt
        fields = ["number", "supplier"]


class InvoiceTable(tables.Table):
    number = tables.Column(linkify=("procurement:invoice_detail", {"pk": tables.A("pk")}), verbose_name=_("Number"))
    supplier_invoice_no = tables.Column(verbose_name=_("Supplier's invoice number"))
    supplier = tables.Column(accessor="supplier__name", verbose_name=_("Supplier"))
    kind = tables.Column(verbose_name=_("Kind"))
    invoice_date = tables.DateColumn(verbose_name=_("Invoice date"), format="Y-m-d")
    due_date = tables.DateColumn(verbose_name=_("Payment due date"), format="Y-m-d")
    amount = tables.Column(verbose_name=_("Amount excl. tax"))
    tax_amount = tables.Column(verbose_name=_("Tax"))
    total = tables.Column(verbose_name=_("Total incl. tax"))
    paid_amount = tables.Column(verbose_name=_("Paid"))
    status = StatusColumn(verbose_name=_("Status"))

    class Meta:
        model = SupplierInvoice
        fields = (
            "number",
            "supplier_invoice_no",
            "supplier",
            "kind",
            "invoice_date",
            "due_date",
            "amount",
            "tax_amount",
            "total",
            "paid_amount",
            "status",
        )
        attrs = ATTRS


class InvoiceFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Number"))
    supplier = django_filters.CharFilter(field_name="supplier__name", lookup_expr="icontains", label=_("Supplier"))
    kind = django_filters.ChoiceFilter(choices=InvoiceKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices, label=_("Status"))

    class Meta:
        model = SupplierInvoice
        fields = ["number", "supplier", "kind", "status"]


class PriceTable(tables.Table):
    supplier = tables.Column(accessor="supplier__name", verbose_name=_("Supplier"))
    item = tables.Column(
        accessor="item__code", verbose_name=_("Item"), linkify=("procurement:price_edit", {"pk": tables.A("pk")})
    )
    item_name = tables.Column(accessor="item__name", verbose_name=_("Name"))
    price = tables.Column(verbose_name=_("Unit price"))
    currency = tables.Column(verbose_name=_("Currency"))
    min_qty = tables.Column(verbose_name=_("Minimum quantity"))
    lead_time_days = tables.Column(verbose_name=_("Lead time (days)"))
    valid_from = tables.DateColumn(verbose_name=_("Valid from"), format="Y-m-d")
    valid_to = tables.DateColumn(verbose_name=_("Valid to"), format="Y-m-d")

    class Meta:
        model = SupplierPrice
        fields = (
            "supplier",
            "item",
            "item_name",
            "price",
            "currency",
            "min_qty",
            "lead_time_days",
            "valid_from",
            "valid_to",
        )
        attrs = ATTRS


class PriceFilter(django_filters.FilterSet):
    item = django_filters.CharFilter(field_name="item__code", lookup_expr="icontains", label=_("Item"))
    supplier = django_filters.CharFilter(field_name="supplier__name", lookup_expr="icontains", label=_("Supplier"))

    class Meta:
        model = SupplierPrice
        fields = ["item", "supplier"]


class OutsourcingTable(tables.Table):
    number = tables.Column(linkify=("procurement:outsourcing_detail", {"pk": tables.A("pk")}), verbose_name=_("Number"))
    supplier = tables.Column(accessor="supplier__name", verbose_name=_("Supplier"))
    item = tables.Column(accessor="item__code", verbose_name=_("Item"))
    qty = tables.Column(verbose_name=_("Quantity"))
    received_qty = tables.Column(verbose_name=_("Received"))
    unit_fee = tables.Column(verbose_name=_("Processing fee per unit"))
    amount = tables.Column(verbose_name=_("Processing fee excl. tax"))
    due_date = tables.DateColumn(verbose_name=_("Due date"), format="Y-m-d")
    status = StatusColumn(verbose_name=_("Status"))

    class Meta:
        model = OutsourcingOrder
        fields = ("number", "supplier", "item", "qty", "received_qty", "unit_fee", "amount", "due_date", "status")
        attrs = ATTRS

    def render_qty(self, value):
        from erp.fields import fmt_decimal

        return fmt_decimal(value)

    def render_received_qty(self, value):
        from erp.fields import fmt_decimal

        return fmt_decimal(value)


class OutsourcingFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Number"))
    supplier = django_filters.CharFilter(field_name="supplier__name", lookup_expr="icontains", label=_("Supplier"))
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label=_("Status"))

    class Meta:
        model = OutsourcingOrder
        fields = ["number", "supplier", "status"]
