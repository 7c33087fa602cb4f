"""Production forms: every number and date goes through the kernel input layer (erp.input)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from erp.input import DateField, ModelForm, PercentFormField, QuantityFormField
from erp.linegrid import CodeChoiceField, LineGridForm
from inventory.models import Item, Warehouse

from .models import WorkOrder
from .states import IssueMethod, LineType


class WorkOrderForm(ModelForm):
    item = forms.ModelChoiceField(
        Item.objects.filter(is_active=True, supply_type__in=["manufacture", "outsource"]), label=_("Item")
    )
    qty = QuantityFormField(label=_("Quantity"), positive=True)
    receipt_tolerance_pct = PercentFormField(label=_("Over-receipt tolerance %"), initial=0)
    issue_tolerance_pct = PercentFormField(label=_("Over-issue tolerance %"), initial=0)

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
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        start, finish = data.get("planned_start"), data.get("planned_finish")
        if start and finish and finish < start:
            self.add_error(
                "planned_finish",
                _("Planned finish: %(finish)s is before the planned start %(start)s.")
                % {"finish": finish.isoformat(), "start": start.isoformat()},
            )
        return data


class ReceiptForm(forms.Form):
    qty = QuantityFormField(label=_("Receipt quantity"), positive=True)
    receipt_date = DateField(label=_("Receipt date"))
    warehouse = forms.ModelChoiceField(Warehouse.objects.filter(is_active=True), label=_("Warehouse"), required=False)


class KitForm(forms.Form):
    target_sets = QuantityFormField(label=_("Target sets"), min_value=Decimal(0), required=False)
    key_parts_only = forms.BooleanField(label=_("Key parts only"), required=False)
    pick_date = DateField(label=_("Picking date"), required=False)


class MaterialLineForm(LineGridForm):
    """A line of a planned work order's material list in the entry grid (erp/linegrid.py): the
    component by its number, the quantity the whole order needs (default: the BOM's quantity per
    × the order quantity + fixed loss), the line type, issue method and issue warehouse."""

    grid_roles = {"component": "item", "required": "qty"}
    key_fields = ("component", "required")
    item_field = "component"

    component = CodeChoiceField(Item.objects.filter(is_active=True), label=_("Component"))
    required = QuantityFormField(label=_("Required quantity"), positive=True)
    line_type = forms.ChoiceField(choices=LineType.choices, label=_("Line type"), initial=LineType.COMPONENT)
    issue_method = forms.ChoiceField(choices=IssueMethod.choices, label=_("Issue method"), initial=IssueMethod.MANUAL)
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(is_active=True).exclude(kind="subcontractor").order_by("code"),
        label=_("Issue warehouse"),
        required=False,
    )
