import django_filters
from django.utils.translation import gettext_lazy as _

from .models import MrpMessage, MrpRun, PlannedOrder


class RunFilter(django_filters.FilterSet):
    class Meta:
        model = MrpRun
        fields = ["status"]


class PlannedOrderFilter(django_filters.FilterSet):
    item = django_filters.CharFilter(field_name="item__code", lookup_expr="icontains", label=_("Item number"))

    class Meta:
        model = PlannedOrder
        fields = ["item", "order_type", "late"]


class MessageFilter(django_filters.FilterSet):
    item = django_filters.CharFilter(field_name="item__code", lookup_expr="icontains", label=_("Item number"))

    class Meta:
        model = MrpMessage
        fields = ["kind", "item"]
