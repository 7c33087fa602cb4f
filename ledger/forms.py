"""Manual voucher entry in the line grid (erp/linegrid.py): the header (date, summary,
attachments) and the lines (summary, account by its code, auxiliary item, debit, credit). Every
number and date goes through the kernel input layer (erp.input)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.input import DateField, MoneyFormField
from erp.linegrid import CodeChoiceField, LineGridForm

from .models import Account


def leaf_accounts():
    """Accounts a voucher line may name: active and without sub-accounts."""
    return Account.objects.filter(children__isnull=True, is_active=True).order_by("code")


class VoucherHeaderForm(forms.Form):
    voucher_date = DateField(label=_("Date"), initial=timezone.localdate)
    summary = forms.CharField(label=_("Summary"), required=False, max_length=200)
    attachments = forms.IntegerField(label=_("Attachments"), min_value=0, max_value=999, initial=0, required=False)


class VoucherLineForm(LineGridForm):
    """One voucher line: either a debit or a credit (red entries are negative)."""

    grid_roles = {"account": "item"}
    key_fields = ("account", "debit", "credit")
    item_field = "account"
    show_unit = False
    sum_fields = ("debit", "credit")
    difference = ("debit", "credit")
    difference_label = _("Difference (debit − credit)")

    summary = forms.CharField(label=_("Summary"), required=False, max_length=200)
    account = CodeChoiceField(leaf_accounts(), label=_("Account"))
    aux = forms.CharField(label=_("Auxiliary (customer/supplier code)"), required=False, max_length=200)
    debit = MoneyFormField(label=_("Debit amount"), required=False)
    credit = MoneyFormField(label=_("Credit amount"), required=False)
