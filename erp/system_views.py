from django import forms
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .audit import history_for
from .input import ModelForm
from .models import CompanySettings
from .permissions import module_required
from .roles import ROLE_LABELS
from .views import UpdatePage


class CompanySettingsForm(ModelForm):
    class Meta:
        model = CompanySettings
        fields = [
            "name",
            "tax_id",
            "address",
            "phone",
            "bank_account",
            "currency",
            "accrual_mode",
            "over_receipt_tolerance_pct",
            "pool_return_days",
            "due_soon_days",
            "min_year",
            "max_year",
        ]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_year"), data.get("max_year")
        if low is not None and high is not None and (low < 1900 or high > 2999 or low > high):
            raise forms.ValidationError(_("The accepted years must lie between 1900 and 2999, earliest first."))
        return data


class CompanySettingsPage(UpdatePage):
    module = "system"
    permission_required = "erp.change_companysettings"
    form_class = CompanySettingsForm
    title = _("Company settings")
    success_url = reverse_lazy("company_settings")

    template_name = "erp/company_settings.html"

    def get_object(self, queryset=None):
        return CompanySettings.get()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["history"] = history_for(self.object)
        return ctx


@module_required("system")
def users(request):
    users = get_user_model().objects.prefetch_related("groups").order_by("username")
    rows = [
        {"user": u, "roles": ", ".join(str(ROLE_LABELS.get(g.name, g.name)) for g in u.groups.all())} for u in users
    ]
    return render(
        request,
        "erp/users.html",
        {"title": _("Users and roles"), "rows": rows, "breadcrumbs": [(_("Users and roles"), None)]},
    )
