import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Customer, Forecast, Lead, Opportunity, SalesInvoice, SalesOrder, SalesOrderLine, ServiceTicket


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))

    class Meta:
        model = Customer
        fields = ["q", "level", "owner"]


class LeadFilter(django_filters.FilterSet):
    class Meta:
        model = Lead
        fields = ["status", "owner"]


class OpportunityFilter(django_filters.FilterSet):
    class Meta:
        model = Opportunity
        fields = ["stage", "owner"]


class SalesOrderFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Number"))
    customer = django_filters.CharFilter(field_name="customer__name", lookup_expr="icontains", label=_("Customer"))
    at_risk = django_filters.BooleanFilter(method="filter_at_risk", label=_("At risk"))

    class Meta:
        model = SalesOrder
        fields = ["number", "customer", "status"]

    def filter_at_risk(self, queryset, name, value):
        """Orders with (or without) a line whose promise supply can no longer meet (net change)."""
        if value is None:
            return queryset
        risky = SalesOrderLine.objects.filter(at_risk=True, closed=False).values("order_id")
        return queryset.filter(pk__in=risky) if value else queryset.exclude(pk__in=risky)


class InvoiceFilter(django_filters.FilterSet):
    class Meta:
        model = SalesInvoice
        fields = ["kind", "status"]


class TicketFilter(django_filters.FilterSet):
    class Meta:
        model = ServiceTicket
        fields = ["status", "priority"]


class ForecastFilter(django_filters.FilterSet):
    """Item by number (a text box: a select of every item would list 50,000 options)."""

    item = django_filters.CharFilter(field_name="item__code", lookup_expr="icontains", label=_("Item number"))

    class Meta:
        model = Forecast
        fields = ["item"]
