from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Item, Supplier, Warehouse

DATE = forms.DateInput(attrs={"type": "date"})


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "code",
            "name",
            "spec",
            "uom",
            "purchase_uom",
            "purchase_factor",
            "category",
            "supply_type",
            "make_to_order",
            "lead_time_days",
            "safety_stock",
            "min_order_qty",
            "order_multiple",
            "order_period_days",
            "standard_cost",
            "default_supplier",
            "default_warehouse",
            "ecn_controlled",
            "is_active",
        ]


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = ["code", "name", "contact", "phone", "email", "address", "tax_id", "payment_terms_days", "is_active"]


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ["code", "name", "parent", "kind", "nettable", "allow_negative", "supplier", "is_active"]


class HeaderForm(forms.Form):
    doc_date = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class WarehouseDocForm(HeaderForm):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.filter(is_active=True))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=100)


class TransferForm(HeaderForm):
    from_warehouse = forms.ModelChoiceField(
        label=_("From warehouse"), queryset=Warehouse.objects.filter(is_active=True)
    )
    to_warehouse = forms.ModelChoiceField(label=_("To warehouse"), queryset=Warehouse.objects.filter(is_active=True))

    def clean(self):
        data = super().clean()
        if data.get("from_warehouse") and data.get("from_warehouse") == data.get("to_warehouse"):
            raise forms.ValidationError(_("A transfer needs two different warehouses."))
        return data


class StockCountForm(HeaderForm):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.filter(is_active=True))
    items = forms.CharField(
        label=_("Item numbers (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line or separated by commas; empty = every item with stock in the warehouse."),
    )

    def clean_items(self):
        raw = self.cleaned_data["items"].replace(",", "\n").split()
        codes = [c.strip() for c in raw if c.strip()]
        if not codes:
            return None
        found = dict(Item.objects.filter(code__in=codes).values_list("code", "pk"))
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(_("Unknown item number(s): %(codes)s") % {"codes": ", ".join(missing)})
        return [found[c] for c in codes]


class LineForm(forms.Form):
    item = forms.CharField(label=_("Item number"), max_length=60)
    qty = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=6, min_value=Decimal("0.000001"))


class ReceiptLineForm(LineForm):
    unit_cost = forms.DecimalField(
        label=_("Unit cost"), max_digits=18, decimal_places=6, min_value=Decimal(0), required=False
    )


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        codes = [f.cleaned_data["item"] for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        found = dict(Item.objects.filter(code__in=codes).values_list("code", "pk"))
        for form in self.forms:
            code = (form.cleaned_data or {}).get("item")
            if code and code not in found:
                form.add_error("item", _("'%(code)s' is not an item") % {"code": code})
            elif code:
                form.cleaned_data["item_id"] = found[code]
        if not codes:
            raise forms.ValidationError(_("A document needs at least one line."))


LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=5)
ReceiptLineFormSet = forms.formset_factory(ReceiptLineForm, formset=BaseLineFormSet, extra=5)


class CountEntryForm(forms.Form):
    """Counted quantities, one field per line: `line_<id>`."""

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        for ln in lines:
            self.fields[f"line_{ln.pk}"] = forms.DecimalField(
                label=str(ln.item), required=False, min_value=Decimal(0), max_digits=18, decimal_places=6,
                initial=ln.counted_qty, widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "any"}),
            )  # fmt: skip


class DeadStockForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=DATE, required=False)
    idle_days = forms.IntegerField(label=_("Idle days"), min_value=1, initial=90, required=False)
    criterion = forms.ChoiceField(
        label=_("Criterion"),
        choices=[("no_issue", _("No issue")), ("no_movement", _("No movement"))],
        required=False,
    )
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.all(), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Item._meta.get_field("category").related_model.objects.all(), required=False
    )
    include_zero = forms.BooleanField(label=_("Include zero stock"), required=False)
    only_dead = forms.BooleanField(label=_("Dead stock only"), required=False)
    buckets = forms.CharField(label=_("Ageing buckets (days)"), required=False, initial="30,60,90,180,365")

    def clean_buckets(self):
        raw = self.cleaned_data.get("buckets") or "30,60,90,180,365"
        try:
            bounds = [int(x) for x in raw.replace(" ", "").split(",") if x]
        except ValueError:
            raise forms.ValidationError(_("Give increasing whole numbers of days, e.g. 30,60,90,180,365.")) from None
        if not bounds or any(b <= 0 for b in bounds) or bounds != sorted(set(bounds)):
            raise forms.ValidationError(_("Give increasing whole numbers of days, e.g. 30,60,90,180,365."))
        return bounds


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (.zip of CSV files or .xlsx workbook)"))
