"""Warehouse forms: every number and date goes through the kernel input layer (erp.input):
over-precise or absurd input is refused with a message naming the field."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from erp.input import (
    DateField,
    ModelForm,
    PriceFormField,
    QuantityFormField,
    errors_text,
    parse_int,
)
from erp.input import DecimalField as KernelDecimalField
from erp.linegrid import CodeChoiceField, LineGridForm

from .models import Item, Supplier, Warehouse

ZERO = Decimal(0)
MAX_DAYS = 3650  # lead times, order periods, payment terms: at most ten years


def _days(form, name, *, max_value=MAX_DAYS):
    field = form.fields[name]
    field.min_value, field.max_value = 0, max_value
    field.validators = [
        *[v for v in field.validators if not hasattr(v, "limit_value")],
        *forms.IntegerField(min_value=0, max_value=max_value).validators,
    ]
    field.widget.attrs.update({"min": 0, "max": max_value})


def _labels_in_the_users_language(form):
    """The kernel decimal fields copy the model field's label when the form class is built, in the
    language active then; label them lazily again so every user reads their own language."""
    for name, field in form.fields.items():
        if isinstance(field, KernelDecimalField):
            field.label = capfirst(form._meta.model._meta.get_field(name).verbose_name)


class ItemForm(ModelForm):
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
            "sales_price",
            "tax_rate",
            "default_supplier",
            "default_warehouse",
            "planner",
            "ecn_controlled",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _labels_in_the_users_language(self)
        self.fields["purchase_factor"].positive = True  # 0 or negative: refused with a message
        for name in ("safety_stock", "min_order_qty", "order_multiple", "standard_cost", "sales_price"):
            self.fields[name].min_value = ZERO
        for name in ("lead_time_days", "order_period_days"):
            _days(self, name)


class SupplierForm(ModelForm):
    class Meta:
        model = Supplier
        fields = ["code", "name", "contact", "phone", "email", "address", "tax_id", "payment_terms_days", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _days(self, "payment_terms_days", max_value=365)


class WarehouseForm(ModelForm):
    class Meta:
        model = Warehouse
        fields = ["code", "name", "parent", "kind", "nettable", "allow_negative", "supplier", "is_active"]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        me = self.instance
        if parent is not None and me.pk and (parent.pk == me.pk or parent.is_descendant_of(me)):
            raise forms.ValidationError(_("A warehouse cannot be placed under itself or one of its locations."))
        return parent


class HeaderForm(forms.Form):
    doc_date = DateField(label=_("Date"), initial=timezone.localdate)
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


class LineForm(LineGridForm):
    """A line of an other issue or a transfer in the entry grid (erp/linegrid.py): the item by
    its number (every line's number resolved in one query), the quantity."""

    grid_roles = {"item": "item", "qty": "qty"}

    item = CodeChoiceField(Item.objects.all(), label=_("Item number"))
    qty = QuantityFormField(label=_("Quantity"), positive=True)  # 0 and 0.0000001 refused


class ReceiptLineForm(LineForm):
    """A line of an other receipt: the unit cost (empty: the item's standard cost)."""

    grid_roles = {"item": "item", "qty": "qty", "unit_cost": "price"}

    unit_cost = PriceFormField(label=_("Unit cost"), min_value=ZERO, required=False)


class CountEntryForm(forms.Form):
    """Counted quantities, one field per line: `line_<id>`, and the value the page showed when it
    was opened, `was_<id>` (hidden): a line is saved only when the user changed it, and only if
    nobody else saved it in between (inventory.services.counts.stock_count_enter)."""

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        for ln in lines:
            label = _("Counted quantity of %(item)s") % {"item": ln.item}
            self.fields[f"line_{ln.pk}"] = QuantityFormField(label=label, required=False, min_value=ZERO)
            self.fields[f"was_{ln.pk}"] = QuantityFormField(
                label=label, required=False, min_value=ZERO, widget=forms.HiddenInput
            )


class DeadStockForm(forms.Form):
    as_of = DateField(label=_("As of"), required=False)
    idle_days = forms.IntegerField(label=_("Idle days"), min_value=1, max_value=MAX_DAYS, initial=90, required=False)
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
        label = str(self.fields["buckets"].label)
        try:
            bounds = [
                parse_int(x, label=label, min_value=1, max_value=MAX_DAYS) for x in raw.replace(" ", "").split(",") if x
            ]
        except forms.ValidationError as exc:
            raise forms.ValidationError(
                "%s %s" % (errors_text(exc), _("Give increasing whole numbers of days, e.g. 30,60,90,180,365."))
            ) from None
        if not bounds or bounds != sorted(set(bounds)):
            raise forms.ValidationError(_("Give increasing whole numbers of days, e.g. 30,60,90,180,365."))
        return bounds


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (.zip of CSV files or .xlsx workbook)"))
