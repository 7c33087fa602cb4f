from django import forms
from django.utils.translation import gettext_lazy as _

from erp.input import DateField, DecimalField, MoneyFormField

from .models import Basis, CostCentre


class PoolForm(forms.Form):
    cost_centre = forms.ModelChoiceField(queryset=CostCentre.objects.order_by("code"), label=_("Cost centre"))
    element = forms.ChoiceField(
        choices=[("overhead", _("Overhead")), ("labour", _("Direct labour"))], label=_("Cost element")
    )
    amount = MoneyFormField(label=_("Amount"), min_value=0)
    basis = forms.ChoiceField(choices=Basis.choices, label=_("Allocation basis"))


class HoursForm(forms.Form):
    work_order = forms.CharField(label=_("Work order"), max_length=40)
    cost_centre = forms.ModelChoiceField(queryset=CostCentre.objects.order_by("code"), label=_("Cost centre"))
    work_date = DateField(label=_("Date"))
    actual_hours = DecimalField(label=_("Actual hours"), max_digits=18, decimal_places=6, min_value=0)
    standard_hours = DecimalField(
        label=_("Standard hours"), max_digits=18, decimal_places=6, min_value=0, required=False
    )


class CentreForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
