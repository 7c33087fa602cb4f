from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import Item, Warehouse

from .models import WorkOrder


class WorkOrderForm(forms.ModelForm):
    item = forms.ModelChoiceField(
        Item.objects.filter(is_active=True, supply_type__in=["manufacture", "outsource"]), label=_("Item")
    )

    class Meta:
        model = WorkOrder
        fields = [
            "item",
            "qty",
            "planned_start",
            "planned_finish",
            "warehouse",
            "receipt_tolerance_pct",
            "issue_tolerance_pct",
            "over_issue_forbidden",
            "cap_by_issued_sets",
            "note",
        ]
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}),
            "planned_finish": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }


class ReceiptForm(forms.Form):
    qty = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=6, min_value=0)
    receipt_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    warehouse = forms.ModelChoiceField(Warehouse.objects.filter(is_active=True), label=_("Warehouse"), required=False)


class KitForm(forms.Form):
    target_sets = forms.DecimalField(label=_("Target sets"), max_digits=18, decimal_places=6, required=False)
    key_parts_only = forms.BooleanField(label=_("Key parts only"), required=False)
    pick_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
