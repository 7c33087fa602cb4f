from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import Item, Supplier, Warehouse

from .models import InvoiceKind, OutsourcingIssueKind, SupplierPrice

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _items():
    return Item.objects.filter(is_active=True).order_by("code")


def _suppliers():
    return Supplier.objects.filter(is_active=True).order_by("code")


def _warehouses():
    return Warehouse.objects.filter(is_active=True).exclude(kind="subcontractor").order_by("code")


class RequisitionForm(forms.Form):
    request_date = forms.DateField(label=_("Request date"), widget=DATE, initial=timezone.localdate)
    department = forms.CharField(label=_("Department"), required=False)
    note = forms.CharField(label=_("Note"), required=False)


class RequisitionLineForm(forms.Form):
    item = forms.ModelChoiceField(queryset=Item.objects.none(), label=_("Item"))
    qty = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=18, decimal_places=6)
    need_date = forms.DateField(label=_("Need date"), widget=DATE)
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.none(), label=_("Suggested supplier"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items()
        self.fields["supplier"].queryset = _suppliers()


class PurchaseOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.none(), label=_("Supplier"))
    order_date = forms.DateField(label=_("Order date"), widget=DATE, initial=timezone.localdate)
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.none(), label=_("Receiving warehouse"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = _suppliers()
        self.fields["warehouse"].queryset = _warehouses()


class PurchaseOrderLineForm(forms.Form):
    item = forms.ModelChoiceField(queryset=Item.objects.none(), label=_("Item"))
    qty = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=18, decimal_places=6)
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=6,
        help_text=_("Empty: from the price list"),
    )
    due_date = forms.DateField(label=_("Due date"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items()


class LineChangeForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    qty = forms.DecimalField(label=_("Quantity"), required=False, max_digits=18, decimal_places=6)
    unit_price = forms.DecimalField(label=_("Unit price"), required=False, max_digits=18, decimal_places=6)
    due_date = forms.DateField(label=_("Due date"), widget=DATE, required=False)


class ReceiveForm(forms.Form):
    receipt_date = forms.DateField(label=_("Receipt date"), widget=DATE, initial=timezone.localdate)
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label=_("Warehouse"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = _warehouses()


class InvoiceHeaderForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.none(), label=_("Supplier"))
    kind = forms.ChoiceField(choices=InvoiceKind.choices, label=_("Kind"))
    invoice_date = forms.DateField(label=_("Invoice date"), widget=DATE, initial=timezone.localdate)
    supplier_invoice_no = forms.CharField(label=_("Supplier's invoice number"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = _suppliers()


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Payment"), min_value=0, max_digits=18, decimal_places=2)


class SupplierPriceForm(forms.ModelForm):
    class Meta:
        model = SupplierPrice
        fields = ["supplier", "item", "price", "currency", "min_qty", "lead_time_days", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}


class OutsourcingOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.none(), label=_("Supplier"))
    item = forms.ModelChoiceField(queryset=Item.objects.none(), label=_("Item"))
    qty = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=18, decimal_places=6)
    unit_fee = forms.DecimalField(label=_("Processing fee per unit"), min_value=0, max_digits=18, decimal_places=6)
    order_date = forms.DateField(label=_("Order date"), widget=DATE, initial=timezone.localdate)
    start_date = forms.DateField(label=_("Start date"), widget=DATE, required=False)
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
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
        self.fields["item"].queryset = _items().filter(supply_type__in=["outsource", "manufacture"])
        self.fields["warehouse"].queryset = _warehouses()
        self.fields["issue_warehouse"].queryset = _warehouses()


class MaterialMoveForm(forms.Form):
    kind = forms.ChoiceField(choices=OutsourcingIssueKind.choices, label=_("Kind"))
    on_date = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label=_("Our warehouse"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = _warehouses()


class OutsourcingReceiveForm(forms.Form):
    qty = forms.DecimalField(label=_("Received quantity"), min_value=0, max_digits=18, decimal_places=6)
    receipt_date = forms.DateField(label=_("Receipt date"), widget=DATE, initial=timezone.localdate)
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label=_("Warehouse"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = _warehouses()


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
