"""MRP forms: dates and numbers through the kernel input layer (erp.input)."""

from django import forms
from django.core.exceptions import ValidationError as InputError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.input import DateField, errors_text, parse_int

HORIZON_MIN, HORIZON_MAX = 1, 3650


class WholeNumberField(forms.CharField):
    """A whole number within [min_value, max_value], parsed by erp.input.parse_int (the
    message names the field and the limit)."""

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "class": "text-end"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_int(value, label=str(self.label), min_value=self.min_value, max_value=self.max_value)
        except InputError as exc:
            raise forms.ValidationError(errors_text(exc), code="invalid") from None


class RunForm(forms.Form):
    run_date = DateField(label=_("Run date"), initial=timezone.localdate)
    horizon_days = WholeNumberField(label=_("Horizon (days)"), initial=90, min_value=HORIZON_MIN, max_value=HORIZON_MAX)
