"""BOM forms. Every number, date and id typed by the user goes through the kernel input layer
(erp.input): over-precise or absurd values are refused with a message naming the field, never
rounded or replaced."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError as InputError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.input import DateField, QuantityFormField, RateField, errors_text, parse_int
from inventory.models import Item, SupplyType, Warehouse

from .models import Bom, ChangeAction, IssueMethod, LineType, StockHandling

BOM_ITEM_TYPES = [SupplyType.MANUFACTURE, SupplyType.OUTSOURCE, SupplyType.PHANTOM]
# Scrap rate and cost share are fractions with 6 decimals (0.05 = 5 %); the model holds
# 0 <= scrap rate < 1 (check constraint bomline_scrap_0_1).
RATE_DIGITS, RATE_PLACES = 9, 6
SCRAP_MAX = Decimal("0.999999")


def form_errors(form) -> str:
    """The form's errors as one line, each naming its field (label first unless already named)."""
    out = []
    for name, errs in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields and form.fields[name].label else ""
        for e in errs:
            text = str(e)
            out.append(text if not label or text.lower().startswith(label.lower()) else f"{label}: {text}")
    return " ".join(out)


class ItemCodeField(forms.CharField):
    """An item typed by its code (works with thousands of items, no huge select)."""

    def __init__(self, *args, bom_items_only=False, **kwargs):
        self.bom_items_only = bom_items_only
        kwargs.setdefault("max_length", 60)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        item = Item.objects.filter(code=value.strip()).first()
        if item is None:
            raise forms.ValidationError(_("'%(code)s' is not an item.") % {"code": value})
        if self.bom_items_only and not item.can_have_bom:
            raise forms.ValidationError(
                _("%(code)s is a purchased item; only items that are made or outsourced have a BOM.")
                % {"code": item.code}
            )
        return item


class IdField(forms.CharField):
    """An optional object id (hidden fields, query strings): a whole number >= 1 parsed by the
    kernel; `abc`, `1e3` or 40 digits give a message naming the field."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_int(value, label=str(self.label or _("Id")), min_value=1, max_value=2**31 - 1)
        except InputError as exc:
            raise forms.ValidationError(errors_text(exc), code="invalid") from None


def RateFormField(*, max_value=SCRAP_MAX, **kwargs):  # noqa: N802 - field factory
    """Typed in percent (5), stored as a fraction with 6 decimals (0.05), at least 0."""
    return RateField(
        max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, min_value=0, max_value=max_value * 100, **kwargs
    )


class Bootstrap:
    """Small Bootstrap inputs for the inline forms of the BOM pages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            w = field.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select form-select-sm")
            else:
                css = w.attrs.get("class", "")
                if "form-control" not in css:
                    w.attrs["class"] = f"form-control form-control-sm {css}".strip()


class BomHeaderForm(forms.Form):
    item = ItemCodeField(label=_("Item"), bom_items_only=True, help_text=_("Item number"))
    output_qty = QuantityFormField(label=_("Output quantity"), initial=Decimal("1"), positive=True)
    skip_level = forms.BooleanField(label=_("Skip level (跳层)"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BomEditForm(Bootstrap, forms.Form):
    output_qty = QuantityFormField(label=_("Output quantity"), positive=True)
    skip_level = forms.BooleanField(label=_("Skip level (跳层)"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BomLineForm(Bootstrap, forms.Form):
    component = ItemCodeField(label=_("Component"))
    qty_per = QuantityFormField(label=_("Quantity per"), initial=Decimal("1"), positive=True)
    scrap_rate = RateFormField(label=_("Scrap rate"), initial=Decimal("0"), required=False)
    fixed_loss = QuantityFormField(label=_("Fixed loss"), initial=Decimal("0"), min_value=Decimal(0), required=False)
    issue_method = forms.ChoiceField(label=_("Issue method"), choices=IssueMethod.choices, initial=IssueMethod.MANUAL)
    issue_warehouse = forms.ModelChoiceField(
        label=_("Issue warehouse"), queryset=Warehouse.objects.filter(is_active=True), required=False
    )
    key_part = forms.BooleanField(label=_("Key part"), required=False)
    valid_from = DateField(label=_("Valid from"), required=False)
    valid_to = DateField(label=_("Valid to"), required=False)
    line_type = forms.ChoiceField(label=_("Line type"), choices=LineType.choices, initial=LineType.COMPONENT)
    cost_share = RateFormField(label=_("Cost share"), max_value=Decimal(1), required=False)

    def clean(self):
        cd = super().clean()
        start, end = cd.get("valid_from"), cd.get("valid_to")
        if start and end and end < start:
            self.add_error(
                "valid_to",
                _("%(to)s: %(end)s is before %(from)s %(start)s.")
                % {
                    "to": self.fields["valid_to"].label,
                    "end": end,
                    "from": self.fields["valid_from"].label,
                    "start": start,
                },
            )
        return cd


class ExplosionForm(Bootstrap, forms.Form):
    item = ItemCodeField(label=_("Item"), bom_items_only=True)
    qty = QuantityFormField(label=_("Quantity"), initial=Decimal("1"), positive=True)
    as_of = DateField(label=_("As of"), required=False)
    bom = IdField(label=_("BOM"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = timezone.localdate()

    def clean(self):
        cd = super().clean()
        item, bom = cd.get("item"), cd.get("bom")
        if item is not None and bom is not None and not Bom.objects.filter(pk=bom, item=item).exists():
            self.add_error(
                None,
                _("%(field)s: %(id)s is not a BOM of %(item)s.")
                % {"field": self.fields["bom"].label, "id": bom, "item": item.code},
            )
        return cd


class WhereUsedForm(Bootstrap, forms.Form):
    item = ItemCodeField(label=_("Component"))
    multi_level = forms.BooleanField(label=_("Multi-level"), required=False)


class CompareForm(Bootstrap, forms.Form):
    old = forms.ModelChoiceField(label=_("Old version"), queryset=Bom.objects.none())
    new = forms.ModelChoiceField(label=_("New version"), queryset=Bom.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Bom.objects.select_related("item").order_by("item__code", "version")
        self.fields["old"].queryset = qs
        self.fields["new"].queryset = qs


class EcnForm(forms.Form):
    item = ItemCodeField(label=_("Item"), bom_items_only=True)
    effective_date = DateField(label=_("Effective date"))
    stock_handling = forms.ChoiceField(label=_("Old stock handling"), choices=StockHandling.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class EcnLineForm(Bootstrap, forms.Form):
    action = forms.ChoiceField(label=_("Change"), choices=ChangeAction.choices)
    old_component = ItemCodeField(label=_("Old component"), required=False)
    new_component = ItemCodeField(label=_("New component"), required=False)
    qty_per = QuantityFormField(label=_("New quantity per"), positive=True, required=False)
    scrap_rate = RateFormField(label=_("Scrap rate"), required=False)
