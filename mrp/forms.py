from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunForm(forms.Form):
    run_date = forms.DateField(
        label=_("run date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    horizon_days = forms.IntegerField(label=_("horizon (days)"), initial=90, min_value=1, max_value=3650)
