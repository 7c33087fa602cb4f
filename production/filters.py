import django_filters
from django.utils.translation import gettext_lazy as _

from .models import FGReceipt, Picking, WorkOrder
from .states import DocStatus, PickingMode, WarningKind, WorkOrderStatus

WARNING_CHOICES = [("any", _("Any warning")), *WarningKind.choices]


class WorkOrderFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Number"))
    item = django_filters.CharFilter(field_name="item__code", lookup_expr="icontains", label=_("Item"))
    status = django_filters.ChoiceFilter(choices=WorkOrderStatus.choices, label=_("Status"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open only"))
    warning = django_filters.ChoiceFilter(choices=WARNING_CHOICES, method="filter_warning", label=_("Warning"))

    class Meta:
        model = WorkOrder
        fields = ["number", "item", "status"]

    def filter_open(self, qs, name, value):
        if value:
            return qs.open()
        return qs

    def filter_warning(self, qs, name, value):
        return qs  # applied on the computed tracking rows in the view


class PickingFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Number"))
    mode = django_filters.ChoiceFilter(choices=PickingMode.choices, label=_("Mode"))
    status = django_filters.ChoiceFilter(choices=DocStatus.choices, label=_("Status"))

    class Meta:
        model = Picking
        fields = ["number", "mode", "status"]


class ReceiptFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Number"))
    work_order = django_filters.CharFilter(
        field_name="work_order__number", lookup_expr="icontains", label=_("Work order")
    )
    status = django_filters.ChoiceFilter(choices=DocStatus.choices, label=_("Status"))

    class Meta:
        model = FGReceipt
        fields = ["number", "work_order", "status"]
