"""Purchasing and outsourcing forms: every number and date goes through the kernel input layer
(erp.input): over-precise or malformed input is refused with a message naming the field, dates
lie in the company's year range, and cross-field rules (a due date not before the document
date, a validity end not before its start) give a message."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError as InputError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from erp.input import (
    DateField,
    ModelForm,
    MoneyFormField,
    PriceFormField,
    QuantityFormField,
    RateField,
    parse_int,
)
from erp.linegrid import CodeChoiceField, LineGridForm
from inventory.models import Item, Supplier, Warehouse

from .models import InvoiceKind, OutsourcingIssueKind, SupplierPrice

MAX_LEAD_DAYS = 3650


def _items():
    return Item.objects.filter(is_active=True).order_by("code")


def _outsourced_items():
    return _items().filter(supply_type__in=["outsource", "manufacture"])


def _suppliers():
    return Supplier.objects.filter(is_active=True).order_by("code")


def _warehouses():
    return Warehouse.objects.filter(is_active=True).exclude(kind="subcontractor").order_by("code")


class WholeNumberField(forms.IntegerField):
    """Whole numbers through erp.input.parse_int (message naming the field, no 1e3 or 1,5)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_int(
                value, label=str(self.label), min_value=self.min_value, max_value=self.max_value, required=False
            )
        except InputError as exc:
            raise forms.ValidationError(exc.messages[0], code="invalid") from None

    def run_validators(self, value):
        return


def not_before(later, earlier, *, later_label, earlier_label) -> str | None:
    """The message when date `later` lies before `earlier` (None when fine or a date is missing)."""
    if later and earlier and later < earlier:
        return gettext("%(later)s: %(date)s is before the %(earlier)s %(earlier_date)s.") % {
            "later": later_label,
            "date": later.isoformat(),
            "earlier": earlier_label,
            "earlier_date": earlier.isoformat(),
        }
    return None


class RequisitionForm(forms.Form):
    request_date = DateField(label=_("Request date"), initial=timezone.localdate)
    department = forms.CharField(label=_("Department"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False)


class RequisitionLineForm(LineGridForm):
    """A requisition line in the entry grid (erp/linegrid.py): item and suggested supplier by
    their numbers (resolved for all lines in one query each)."""

    grid_roles = {"item": "item", "qty": "qty"}

    item = CodeChoiceField(Item.objects.filter(is_active=True), label=_("Item"))
    qty = QuantityFormField(label=_("Quantity"), positive=True)
    need_date = DateField(label=_("Need date"))
    supplier = CodeChoiceField(Supplier.objects.filter(is_active=True), label=_("Suggested supplier"), required=False)


class PurchaseOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.none(), label=_("Supplier"))
    order_date = DateField(label=_("Order date"), initial=timezone.localdate)
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.none(), label=_("Receiving warehouse"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = _suppliers()
        self.fields["warehouse"].queryset = _warehouses()


class PurchaseOrderLineForm(LineGridForm):
    """A purchase order line in the entry grid: price from the supplier's price list (filled in
    the grid, or by the service when left empty), tax rate typed in percent (13 = 13 %)."""

    grid_roles = {"item": "item", "qty": "qty", "unit_price": "price", "tax_rate": "tax"}

    item = CodeChoiceField(Item.objects.filter(is_active=True), label=_("Item"))
    qty = QuantityFormField(label=_("Quantity"), positive=True)
    unit_price = PriceFormField(
        label=_("Unit price"), required=False, min_value=Decimal(0), help_text=_("Empty: from the price list")
    )
    tax_rate = RateField(
        label=_("Tax rate"), max_digits=6, decimal_places=4, max_value=Decimal("99.99"), required=False
    )
    due_date = DateField(label=_("Due date"), required=False)


class LineChangeForm(forms.Form):
    """The line id is read by the view, through its own order (a foreign line is a 404)."""

    qty = QuantityFormField(label=_("Quantity"), required=False, positive=True)
    unit_price = PriceFormField(label=_("Unit price"), required=False, min_value=Decimal(0))
    due_date = DateField(label=_("Due date"), required=False)


class ReceiveForm(forms.Form):
    receipt_date = DateField(label=_("Receipt date"), initial=timezone.localdate)
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label=_("Warehouse"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = _warehouses()


class ReturnForm(forms.Form):
    return_date = DateField(label=_("Return date"))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class InvoiceHeaderForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.none(), label=_("Supplier"))
    kind = forms.ChoiceField(choices=InvoiceKind.choices, label=_("Kind"))
    invoice_date = DateField(label=_("Invoice date"), initial=timezone.localdate)
    supplier_invoice_no = forms.CharField(label=_("Supplier's invoice number"), required=False, max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = _suppliers()


class PaymentForm(forms.Form):
    amount = MoneyFormField(label=_("Payment"), positive=True)


class SupplierPriceForm(ModelForm):
    class Meta:
        model = SupplierPrice
        fields = ["supplier", "item", "price", "currency", "min_qty", "lead_time_days", "valid_from", "valid_to"]
        # lazy labels: the kernel callback would otherwise fix the model's verbose name in the
        # language of the request that first imported this module
        labels = {"price": _("Unit price"), "min_qty": _("Minimum quantity")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].min_value = Decimal(0)
        self.fields["min_qty"].min_value = Decimal(0)
        self.fields["lead_time_days"] = WholeNumberField(
            label=_("Lead time (days)"), min_value=0, max_value=MAX_LEAD_DAYS, initial=0
        )

    def clean(self):
        data = super().clean()
        message = not_before(
            data.get("valid_to"),
            data.get("valid_from"),
            later_label=gettext("Valid to"),
            earlier_label=gettext("valid from date"),
        )
        if message:
            self.add_error("valid_to", message)
        return data


class OutsourcingOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.none(), label=_("Supplier"))
    item = forms.ModelChoiceField(queryset=Item.objects.none(), label=_("Item"))
    qty = QuantityFormField(label=_("Quantity"), positive=True)
    unit_fee = PriceFormField(
        label=_("Processing fee per unit"),
        min_value=Decimal(0),
        required=False,
        help_text=_("Blank: the fee of the supplier's price list."),
    )
    order_date = DateField(label=_("Order date"), initial=timezone.localdate)
    start_date = DateField(label=_("Start date"), required=False)
    due_date = DateField(label=_("Due date"))
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.none(), label=_("Receiving warehouse"), required=False
    )
    issue_warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.none(), label=_("Issue material from"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = _suppliers()
        if "item" in self.fields:
            self.fields["item"].queryset = _outsourced_items()
        self.fields["warehouse"].queryset = _warehouses()
        self.fields["issue_warehouse"].queryset = _warehouses()

    def clean(self):
        data = super().clean()
        order_date, start = data.get("order_date"), data.get("start_date")
        message = not_before(start, order_date, later_label=gettext("Start date"), earlier_label=gettext("order date"))
        if message:
            self.add_error("start_date", message)
        message = not_before(
            data.get("due_date"),
            start or order_date,
            later_label=gettext("Due date"),
            earlier_label=gettext("start date") if start else gettext("order date"),
        )
        if message:
            self.add_error("due_date", message)
        return data


class MaterialMoveForm(forms.Form):
    kind = forms.ChoiceField(choices=OutsourcingIssueKind.choices, label=_("Kind"))
    on_date = DateField(label=_("Date"), initial=timezone.localdate)
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label=_("Our warehouse"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = _warehouses()


class OutsourcingEntryForm(OutsourcingOrderForm):
    """The header of an outsourcing order in the entry grid. The product is `product` (the grid's
    `?lg=defaults&item=` names the picked component); the fee blank takes the supplier's price
    list, the tax rate blank the item's (typed in percent: 13 = 13 %)."""

    item = None
    product = forms.ModelChoiceField(queryset=Item.objects.none(), label=_("Item"))
    tax_rate = RateField(
        label=_("Tax rate"),
        max_digits=6,
        decimal_places=4,
        max_value=Decimal("99.99"),
        required=False,
        help_text=_("Blank: the item's tax rate."),
    )
    field_order = [
        "supplier",
        "product",
        "qty",
        "unit_fee",
        "tax_rate",
        "order_date",
        "start_date",
        "due_date",
        "warehouse",
        "issue_warehouse",
        "note",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _outsourced_items()


class OutsourcingMaterialLineForm(LineGridForm):
    """A line of the outsourcing order's material list: the component by its number, the
    quantity the subcontractor needs for the whole order (default: the BOM's quantity per × the
    order quantity) and the warehouse it is issued from."""

    grid_roles = {"component": "item", "required": "qty"}
    key_fields = ("component", "required")
    item_field = "component"

    component = CodeChoiceField(Item.objects.filter(is_active=True), label=_("Component"))
    required = QuantityFormField(label=_("Required quantity"), positive=True)
    warehouse = forms.ModelChoiceField(queryset=_warehouses(), label=_("Issue warehouse"), required=False)


class OutsourcingReceiveForm(forms.Form):
    qty = QuantityFormField(label=_("Received quantity"), positive=True)
    receipt_date = DateField(label=_("Receipt date"), initial=timezone.localdate)
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label=_("Warehouse"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = _warehouses()
