from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import Item, SupplyType, Warehouse

from .models import Bom, ChangeAction, IssueMethod, LineType, StockHandling

BOM_ITEM_TYPES = [SupplyType.MANUFACTURE, SupplyType.OUTSOURCE, SupplyType.PHANTOM]


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
                w.attrs.setdefault("class", "form-control form-control-sm")


class BomHeaderForm(forms.Form):
    item = ItemCodeField(label=_("Item"), bom_items_only=True, help_text=_("Item number"))
    output_qty = forms.DecimalField(label=_("Output quantity"), initial=Decimal("1"), min_value=Decimal("0.000001"))
    skip_level = forms.BooleanField(label=_("Skip level (跳层)"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BomEditForm(Bootstrap, forms.Form):
    output_qty = forms.DecimalField(label=_("Output quantity"), min_value=Decimal("0.000001"))
    skip_level = forms.BooleanField(label=_("Skip level (跳层)"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BomLineForm(Bootstrap, forms.Form):
    component = ItemCodeField(label=_("Component"))
    qty_per = forms.DecimalField(label=_("Quantity per"), initial=Decimal("1"))
    scrap_rate = forms.DecimalField(label=_("Scrap rate"), initial=Decimal("0"), required=False)
    fixed_loss = forms.DecimalField(label=_("Fixed loss"), initial=Decimal("0"), required=False)
    issue_method = forms.ChoiceField(label=_("Issue method"), choices=IssueMethod.choices, initial=IssueMethod.MANUAL)
    issue_warehouse = forms.ModelChoiceField(
        label=_("Issue warehouse"), queryset=Warehouse.objects.filter(is_active=True), required=False
    )
    key_part = forms.BooleanField(label=_("Key part"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    line_type = forms.ChoiceField(label=_("Line type"), choices=LineType.choices, initial=LineType.COMPONENT)
    cost_share = forms.DecimalField(label=_("Cost share"), required=False)


class ExplosionForm(Bootstrap, forms.Form):
    item = ItemCodeField(label=_("Item"), bom_items_only=True)
    qty = forms.DecimalField(label=_("Quantity"), initial=Decimal("1"), min_value=Decimal("0.000001"))
    as_of = forms.DateField(label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    bom = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = timezone.localdate()


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
    effective_date = forms.DateField(label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"}))
    stock_handling = forms.ChoiceField(label=_("Old stock handling"), choices=StockHandling.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class EcnLineForm(Bootstrap, forms.Form):
    action = forms.ChoiceField(label=_("Change"), choices=ChangeAction.choices)
    old_component = ItemCodeField(label=_("Old component"), required=False)
    new_component = ItemCodeField(label=_("New component"), required=False)
    qty_per = forms.DecimalField(label=_("New quantity per"), required=False)
    scrap_rate = forms.DecimalField(label=_("Scrap rate"), required=False)
