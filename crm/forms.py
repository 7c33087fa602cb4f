"""CRM forms: every number and date goes through the kernel input layer (erp.input)."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.input import (
    DateField,
    ModelForm,
    MoneyFormField,
    PriceFormField,
    QuantityFormField,
    check_date_range,
)
from erp.input import RateField as KernelRateField
from erp.linegrid import CodeChoiceField, LineGridForm
from inventory.models import Item, Warehouse

from .models import Customer, Forecast, Lead, Opportunity, RedReason, ServiceTicket, Stage
from .models_marketing import Campaign
from .states import CampaignChannel, source_label

RATE_MAX = Decimal("0.9999")
# Amounts typed in sales forms: at most 999,999,999,999.99 (an absurd value is refused, not stored).
MONEY_MAX = Decimal("999999999999.99")


def RateFormField(**kwargs):  # noqa: N802 - field factory
    """A rate typed in percent (13), stored as a fraction (0.13), 4 decimals, at least 0 and
    below 100 % (the kernel rate field)."""
    return KernelRateField(max_digits=7, decimal_places=4, min_value=0, max_value=RATE_MAX * 100, **kwargs)


class SourceField(forms.CharField):
    """Where a customer, lead or opportunity came from, typed as text: a campaign channel shows and
    is typed as its name in the user's language and is stored as its code (crm.states.source_label)."""

    def prepare_value(self, value):
        return source_label(value) if value else value

    def to_python(self, value):
        value = super().to_python(value)
        return {str(label): code for code, label in CampaignChannel.choices}.get(value, value)


class CustomerForm(ModelForm):
    """Credit limit is not here: only admins change it, on its own form."""

    class Meta:
        model = Customer
        field_classes = {"source": SourceField}
        fields = [
            "code",
            "name",
            "contact",
            "phone",
            "email",
            "address",
            "level",
            "source",
            "industry",
            "payment_terms_days",
            "tax_id",
            "invoice_title",
            "bank_name",
            "bank_account",
            "invoice_address",
        ]


class CreditLimitForm(forms.Form):
    credit_limit = MoneyFormField(label=_("Credit limit"), min_value=Decimal(0), max_value=MONEY_MAX)


class LeadForm(ModelForm):
    class Meta:
        model = Lead
        field_classes = {"source": SourceField}
        fields = ["company", "contact_name", "phone", "email", "tax_id", "campaign", "source", "industry", "note"]


class ConvertForm(forms.Form):
    opportunity_name = forms.CharField(label=_("Opportunity"), max_length=200, required=False)
    amount = MoneyFormField(label=_("Amount"), min_value=Decimal(0), max_value=MONEY_MAX, required=False)
    close_date = DateField(label=_("Expected close date"), required=False)


class OpportunityForm(ModelForm):
    class Meta:
        model = Opportunity
        field_classes = {"source": SourceField}
        fields = ["name", "customer", "amount", "close_date", "probability", "campaign", "source"]

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is not None:
            self.fields["customer"].queryset = customers
        self.fields["amount"].min_value = Decimal(0)
        self.fields["amount"].max_value = MONEY_MAX


class MoveForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    lost_reason = forms.CharField(label=_("Lost reason"), max_length=200, required=False)


class FollowUpForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[
            ("phone", _("Phone")),
            ("visit", _("Visit")),
            ("wechat", _("WeChat")),
            ("email", _("Email")),
            ("other", _("Other")),
        ],
    )
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 2}))
    next_date = DateField(label=_("Next follow-up"), required=False)


class OrderHeaderForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.filter(is_active=True))
    order_date = DateField(label=_("Date"))
    customer_po = forms.CharField(label=_("Customer PO"), max_length=60, required=False)


class QuotationHeaderForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.filter(is_active=True))
    order_date = DateField(label=_("Date"))


class LineForm(LineGridForm):
    """A line of a quotation or sales order in the entry grid (erp/linegrid.py): the item by its
    number, price and tax rate filled from the defaults, percentages typed as 13 for 13 %."""

    grid_roles = {"item": "item", "qty": "qty", "unit_price": "price", "tax_rate": "tax", "discount_rate": "discount"}

    item = CodeChoiceField(Item.objects.filter(is_active=True), label=_("Item"))
    qty = QuantityFormField(label=_("Quantity"), positive=True)
    unit_price = PriceFormField(label=_("Unit price excl. tax"), min_value=Decimal(0))
    tax_rate = RateFormField(label=_("Tax rate"))
    discount_rate = RateFormField(label=_("Discount rate"), required=False)
    due_date = DateField(label=_("Due date"))

    def clean_discount_rate(self):
        return self.cleaned_data.get("discount_rate") or Decimal(0)


class ForecastForm(ModelForm):
    class Meta:
        model = Forecast
        fields = ["item", "date", "qty", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(is_active=True)
        self.fields["qty"].min_value = Decimal(0)

    def clean(self):
        # the manual entry's uniqueness (item, date) is a conditional constraint over a field the
        # form does not have (opportunity): checked here so that it is a message, not an error page
        data = super().clean()
        item, day = data.get("item"), data.get("date")
        if item and day:
            others = Forecast.objects.filter(item=item, date=day, opportunity__isnull=True)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise forms.ValidationError(_("There is already a forecast for this item and date."))
        return data


class OpportunityLineForm(forms.Form):
    """One product line of an opportunity (demand link, issue 19)."""

    # the item by its number (a select of every item would list 50,000 options)
    item = forms.CharField(label=_("Item number"), max_length=60)
    qty = QuantityFormField(label=_("Quantity"), positive=True)
    unit_price = PriceFormField(label=_("Expected unit price excl. tax"), min_value=Decimal(0))

    def clean_item(self):
        code = self.cleaned_data["item"].strip()
        item = Item.objects.filter(code=code, is_active=True).first()
        if item is None:
            raise forms.ValidationError(_("Item number: no active item %(code)s.") % {"code": code})
        return item


class PipelineForecastForm(forms.Form):
    """备货生产 from the pipeline: the month the weighted quantities are planned in."""

    month = DateField(label=_("Month"))


class DeliverForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"),
        queryset=Warehouse.objects.filter(is_active=True, kind="warehouse"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    delivery_date = DateField(label=_("Delivery date"))


class RedForm(forms.Form):
    reason = forms.ChoiceField(label=_("Red-letter reason"), choices=RedReason.choices)


class TaxNumberForm(forms.Form):
    number = forms.CharField(label=_("Digital invoice number"), min_length=20, max_length=20)
    issued_on = DateField(label=_("Digital invoice date"))


class ReceiptForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.all())
    amount = MoneyFormField(label=_("Amount"), positive=True, max_value=MONEY_MAX)
    receipt_date = DateField(label=_("Date received"))
    method = forms.CharField(label=_("Method"), max_length=40, required=False)
    match_open_invoices = forms.BooleanField(
        label=_("Match to open invoices, oldest first"), required=False, initial=True
    )


class PaymentPlanForm(forms.Form):
    due_date = DateField(label=_("Due date"))
    amount = MoneyFormField(label=_("Amount"), positive=True, max_value=MONEY_MAX)


class TicketForm(ModelForm):
    class Meta:
        model = ServiceTicket
        fields = ["customer", "order", "subject", "description", "priority", "due_at"]
        widgets = {"due_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}

    def __init__(self, *args, customers=None, orders=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is not None:
            self.fields["customer"].queryset = customers
        if orders is not None:
            self.fields["order"].queryset = orders
        self.fields["due_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
        # empty: the SLA of the priority sets the due time (crm.services.tickets.SLA_HOURS)
        self.fields["due_at"].required = False
        self.fields["due_at"].help_text = _("Empty: high priority 4 hours, normal 24 hours, low 72 hours.")

    def clean_due_at(self):
        value = self.cleaned_data["due_at"]
        if value is None:
            return None
        day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        check_date_range(day, label=str(self.fields["due_at"].label))
        return value


# --------------------------------------------------------------------------- marketing (issue 19)
class CampaignForm(ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "channel", "start_date", "end_date", "budget", "owner", "segment", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget"].min_value = Decimal(0)
        self.fields["budget"].max_value = MONEY_MAX
        from django.contrib.auth import get_user_model

        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("A campaign cannot end before it starts."))
        return data


class CampaignCostForm(forms.Form):
    date = DateField(label=_("Date"))
    description = forms.CharField(label=_("Description"), max_length=200)
    amount = MoneyFormField(label=_("Amount"), min_value=Decimal("0.01"), max_value=MONEY_MAX)


class CampaignLeadForm(forms.Form):
    company = forms.CharField(label=_("Company"), max_length=200)
    contact_name = forms.CharField(label=_("Contact"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    tax_id = forms.CharField(label=_("Tax ID"), max_length=30, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class LeadImportForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))


class ReportPeriodForm(forms.Form):
    date_from = DateField(label=_("From"), required=False)
    date_to = DateField(label=_("To"), required=False)
    model = forms.ChoiceField(
        label=_("Attribution"),
        choices=[("first", _("First touch")), ("last", _("Last touch"))],
        required=False,
    )
