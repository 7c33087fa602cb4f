from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from inventory.models import Item, Warehouse

from .models import DEFAULT_TAX_RATE, Customer, Forecast, Lead, Opportunity, RedReason, ServiceTicket, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CustomerForm(forms.ModelForm):
    """Credit limit is not here: only admins change it, on its own form."""

    class Meta:
        model = Customer
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
    credit_limit = forms.DecimalField(label=_("credit limit"), min_value=0, decimal_places=2, max_digits=18)


class LeadForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = ["company", "contact_name", "phone", "email", "source", "industry", "note"]


class ConvertForm(forms.Form):
    opportunity_name = forms.CharField(label=_("opportunity"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("amount"), min_value=0, decimal_places=2, max_digits=18, required=False)
    close_date = forms.DateField(label=_("expected close date"), required=False, widget=DATE)


class OpportunityForm(forms.ModelForm):
    class Meta:
        model = Opportunity
        fields = ["name", "customer", "amount", "close_date", "probability"]
        widgets = {"close_date": DATE}


class MoveForm(forms.Form):
    stage = forms.ChoiceField(label=_("stage"), choices=Stage.choices)
    lost_reason = forms.CharField(label=_("lost reason"), max_length=200, required=False)


class FollowUpForm(forms.Form):
    method = forms.ChoiceField(
        label=_("method"),
        choices=[
            ("phone", _("Phone")),
            ("visit", _("Visit")),
            ("wechat", _("WeChat")),
            ("email", _("Email")),
            ("other", _("Other")),
        ],
    )
    content = forms.CharField(label=_("content"), widget=forms.Textarea(attrs={"rows": 2}))
    next_date = forms.DateField(label=_("next follow-up"), required=False, widget=DATE)


class OrderHeaderForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.filter(is_active=True))
    order_date = forms.DateField(label=_("date"), widget=DATE)
    customer_po = forms.CharField(label=_("customer PO"), max_length=60, required=False)


class LineForm(forms.Form):
    item = forms.ModelChoiceField(label=_("item"), queryset=Item.objects.filter(is_active=True))
    qty = forms.DecimalField(label=_("quantity"), max_digits=18, decimal_places=6)
    unit_price = forms.DecimalField(label=_("unit price excl. tax"), max_digits=18, decimal_places=6)
    tax_rate = forms.DecimalField(label=_("tax rate"), max_digits=7, decimal_places=4, initial=DEFAULT_TAX_RATE)
    discount_rate = forms.DecimalField(label=_("discount rate"), max_digits=7, decimal_places=4, initial=0)
    due_date = forms.DateField(label=_("due date"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select form-select-sm" if name == "item" else "form-control form-control-sm"
            field.widget.attrs["class"] = css
            if name in ("tax_rate", "discount_rate"):
                field.widget.attrs["style"] = "max-width:6rem"


LineFormSet = formset_factory(LineForm, extra=3, min_num=1, validate_min=True)


class ForecastForm(forms.ModelForm):
    class Meta:
        model = Forecast
        fields = ["item", "date", "qty", "note"]
        widgets = {"date": DATE}


class DeliverForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        label=_("warehouse"),
        queryset=Warehouse.objects.filter(is_active=True, kind="warehouse"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    delivery_date = forms.DateField(label=_("delivery date"), widget=DATE)


class RedForm(forms.Form):
    reason = forms.ChoiceField(label=_("red-letter reason"), choices=RedReason.choices)


class TaxNumberForm(forms.Form):
    number = forms.CharField(label=_("digital invoice number"), min_length=20, max_length=20)
    issued_on = forms.DateField(label=_("digital invoice date"), widget=DATE)


class ReceiptForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.all())
    amount = forms.DecimalField(label=_("amount"), max_digits=18, decimal_places=2, min_value=0)
    receipt_date = forms.DateField(label=_("date received"), widget=DATE)
    method = forms.CharField(label=_("method"), max_length=40, required=False)
    match_open_invoices = forms.BooleanField(
        label=_("match to open invoices, oldest first"), required=False, initial=True
    )


class PaymentPlanForm(forms.Form):
    due_date = forms.DateField(label=_("due date"), widget=DATE)
    amount = forms.DecimalField(label=_("amount"), max_digits=18, decimal_places=2, min_value=0)


class TicketForm(forms.ModelForm):
    class Meta:
        model = ServiceTicket
        fields = ["customer", "order", "subject", "description", "priority", "due_at"]
        widgets = {"due_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}
