import django_filters
import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import Bom, Ecn
from .states import BomStatus, EcnStatus


class BomTable(tables.Table):
    item = tables.Column(
        linkify=lambda record: record.get_absolute_url(), accessor="item__code", verbose_name=_("Item")
    )
    item_name = tables.Column(accessor="item__name", verbose_name=_("Item name"))
    version = tables.Column(verbose_name=_("Version"))
    status = tables.Column(verbose_name=_("Status"))
    output_qty = tables.Column(verbose_name=_("Output quantity"))
    skip_level = tables.BooleanColumn(verbose_name=_("Skip level"))
    line_count = tables.Column(verbose_name=_("Lines"), orderable=True)
    # a plain column: DateTimeColumn compiles its template once per row (25 compilations a page)
    updated_at = tables.Column(verbose_name=_("Updated"))

    class Meta:
        model = Bom
        fields = ("item", "item_name", "version", "status", "output_qty", "skip_level", "line_count", "updated_at")
        attrs = {"class": "table table-sm table-hover"}

    def render_updated_at(self, value):
        return date_format(timezone.localtime(value), "Y-m-d H:i")


class BomFilter(django_filters.FilterSet):
    item = django_filters.CharFilter(field_name="item__code", lookup_expr="icontains", label=_("Item"))
    status = django_filters.ChoiceFilter(choices=BomStatus.choices, label=_("Status"))

    class Meta:
        model = Bom
        fields = ["item", "status"]


class EcnTable(tables.Table):
    number = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("Number"))
    item = tables.Column(accessor="item__code", verbose_name=_("Item"))
    base_bom = tables.Column(accessor="base_bom__version", verbose_name=_("BOM version changed"))
    new_bom = tables.Column(accessor="new_bom__version", verbose_name=_("New BOM version"), default="")
    effective_date = tables.Column(verbose_name=_("Effective date"))
    stock_handling = tables.Column(verbose_name=_("Old stock handling"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Ecn
        fields = ("number", "item", "base_bom", "new_bom", "effective_date", "stock_handling", "status")
        attrs = {"class": "table table-sm table-hover"}

    def render_effective_date(self, value):
        return value.isoformat()


class EcnFilter(django_filters.FilterSet):
    item = django_filters.CharFilter(field_name="item__code", lookup_expr="icontains", label=_("Item"))
    status = django_filters.ChoiceFilter(choices=EcnStatus.choices, label=_("Status"))

    class Meta:
        model = Ecn
        fields = ["item", "status"]
