import django_filters
import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from erp.numbers import cached_unit, format_money, format_price, format_quantity

from .models import (
    Item,
    ItemCategory,
    OtherIssue,
    OtherReceipt,
    StockBalance,
    StockCount,
    StockCountStatus,
    StockDocStatus,
    StockMove,
    Supplier,
    SupplyType,
    Transfer,
    Warehouse,
)

ATTRS = {"class": "table table-sm table-hover align-middle"}


class QtyColumn(tables.Column):
    def __init__(self, *args, places=4, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end"}, "th": {"class": "text-end"}})
        self.places = places
        super().__init__(*args, **kwargs)

    def render(self, value, record, bound_column):
        # the kernel formatter (erp.numbers): costs as prices, quantities by the row's unit
        name = f"{bound_column.name} {self.accessor or ''}"
        if any(word in name for word in ("cost", "avg", "price")):
            return format_price(value)
        unit = cached_unit(record)
        return format_quantity(value, unit) if unit is not None else format_quantity(value, places=self.places)

    def value(self, value):
        return value


class MoneyColumn(QtyColumn):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, places=2, **kwargs)

    def render(self, value):
        return format_money(value)


# --- master data ---------------------------------------------------------------------------


class ItemTable(tables.Table):
    code = tables.Column(
        linkify=lambda record: reverse("inventory:item_detail", args=[record.pk]), verbose_name=_("Item number")
    )
    name = tables.Column(verbose_name=_("Item name"))
    spec = tables.Column(verbose_name=_("Specification"))
    uom = tables.Column(accessor="uom__code", verbose_name=_("Unit"))
    category = tables.Column(accessor="category__path", verbose_name=_("Category"), default="")
    supply_type = tables.Column(verbose_name=_("Supply type"))
    lead_time_days = tables.Column(verbose_name=_("Lead time (days)"))
    safety_stock = QtyColumn(verbose_name=_("Safety stock"))
    standard_cost = QtyColumn(verbose_name=_("Standard cost"))
    default_supplier = tables.Column(accessor="default_supplier__code", verbose_name=_("Default supplier"), default="")

    class Meta:
        model = Item
        fields = (
            "code",
            "name",
            "spec",
            "uom",
            "category",
            "supply_type",
            "lead_time_days",
            "safety_stock",
            "standard_cost",
            "default_supplier",
        )
        attrs = ATTRS


class ItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Code or name"))
    category = django_filters.ModelChoiceFilter(
        queryset=ItemCategory.objects.all(), method="in_category", label=_("Category")
    )
    supply_type = django_filters.ChoiceFilter(choices=SupplyType.choices, label=_("Supply type"))

    class Meta:
        model = Item
        fields = ["q", "category", "supply_type"]

    def search(self, qs, name, value):
        from django.db.models import Q, Value
        from django.db.models.functions import Concat

        found = qs.filter(Q(code__icontains=value) | Q(name__icontains=value))
        if list(qs.query.order_by) == ["code"]:
            # the same order, as an expression: PostgreSQL sorts the few matches its trigram
            # indexes find instead of walking the code index past thousands of non-matches
            # (51 ms → 1 ms for `M5-047` on 50,000 items)
            found = found.order_by(Concat("code", Value("")))
        return found

    def in_category(self, qs, name, value):
        return qs.filter(category__in=value.get_descendants(include_self=True))


class WarehouseTable(tables.Table):
    code = tables.Column(
        linkify=lambda record: reverse("inventory:warehouse_edit", args=[record.pk]), verbose_name=_("Code")
    )
    name = tables.Column(verbose_name=_("Warehouse name"))
    parent = tables.Column(accessor="parent__code", verbose_name=_("Parent"), default="")
    kind = tables.Column(verbose_name=_("Kind"))
    nettable = tables.BooleanColumn(verbose_name=_("Nettable"))
    allow_negative = tables.BooleanColumn(verbose_name=_("Allow negative stock"))
    supplier = tables.Column(accessor="supplier__name", verbose_name=_("Subcontractor"), default="")

    class Meta:
        model = Warehouse
        fields = ("code", "name", "parent", "kind", "nettable", "allow_negative", "supplier")
        attrs = ATTRS

    def render_name(self, record, value):
        from django.utils.html import format_html

        return format_html('<span style="padding-left:{}em">{}</span>', record.level * 1.2, value)


class WarehouseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Code or name"))

    class Meta:
        model = Warehouse
        fields = ["q", "kind", "nettable"]

    def search(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(code__icontains=value) | Q(name__icontains=value))


class SupplierTable(tables.Table):
    code = tables.Column(
        linkify=lambda record: reverse("inventory:supplier_edit", args=[record.pk]), verbose_name=_("Code")
    )
    name = tables.Column(verbose_name=_("Supplier name"))
    contact = tables.Column(verbose_name=_("Contact"))
    phone = tables.Column(verbose_name=_("Phone"))
    tax_id = tables.Column(verbose_name=_("Tax ID"))
    payment_terms_days = tables.Column(verbose_name=_("Payment terms (days)"))
    subcontractor = tables.Column(
        accessor="subcontractor_location__code", verbose_name=_("Subcontractor location"), default=""
    )
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta:
        model = Supplier
        fields = ("code", "name", "contact", "phone", "tax_id", "payment_terms_days", "subcontractor", "is_active")
        attrs = ATTRS


class SupplierFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Code or name"))

    class Meta:
        model = Supplier
        fields = ["q", "is_active"]

    def search(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(contact__icontains=value))


# --- inquiries -----------------------------------------------------------------------------


class OnHandTable(tables.Table):
    item = tables.Column(accessor="item__code", verbose_name=_("Item number"))
    item_name = tables.Column(accessor="item__name", verbose_name=_("Item name"))
    category = tables.Column(accessor="item__category__path", verbose_name=_("Category"), default="")
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"))
    uom = tables.Column(accessor="item__uom__code", verbose_name=_("Unit"), orderable=False)
    qty = QtyColumn(verbose_name=_("On hand"))
    avg = QtyColumn(verbose_name=_("Average cost"), default="")
    value = MoneyColumn(verbose_name=_("Value"))
    nettable = tables.BooleanColumn(accessor="warehouse__nettable", verbose_name=_("Nettable"))

    class Meta:
        model = StockBalance
        fields = ("item", "item_name", "category", "warehouse", "uom", "qty", "avg", "value", "nettable")
        attrs = ATTRS


class StockFilterBase(django_filters.FilterSet):
    item = django_filters.CharFilter(method="item_search", label=_("Item"))
    warehouse = django_filters.ModelChoiceFilter(queryset=Warehouse.objects.all(), label=_("Warehouse"))
    category = django_filters.ModelChoiceFilter(
        queryset=ItemCategory.objects.all(), method="in_category", label=_("Category")
    )

    def item_search(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(item__code__icontains=value) | Q(item__name__icontains=value))

    def in_category(self, qs, name, value):
        return qs.filter(item__category__in=value.get_descendants(include_self=True))


class OnHandFilter(StockFilterBase):
    nettable = django_filters.BooleanFilter(field_name="warehouse__nettable", label=_("Nettable"))

    class Meta:
        model = StockBalance
        fields = ["item", "warehouse", "category", "nettable"]


class LedgerTable(tables.Table):
    move_date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d")
    item = tables.Column(accessor="item__code", verbose_name=_("Item number"))
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"))
    source_number = tables.Column(verbose_name=_("Document"), default="")
    kind = tables.Column(verbose_name=_("Kind"))
    qty = QtyColumn(verbose_name=_("Quantity"))
    unit_cost = QtyColumn(verbose_name=_("Unit cost"))
    value = MoneyColumn(verbose_name=_("Value"))
    running_qty = QtyColumn(verbose_name=_("Balance quantity"), orderable=False)
    running_value = MoneyColumn(verbose_name=_("Balance value"), orderable=False)

    def render_kind(self, value, record):
        from .move_kinds import label

        return label(value) + (" ↩" if record.reversal else "")

    def value_kind(self, value, record):
        return self.render_kind(value, record)

    class Meta:
        model = StockMove
        fields = (
            "move_date",
            "item",
            "warehouse",
            "source_number",
            "kind",
            "qty",
            "unit_cost",
            "value",
            "running_qty",
            "running_value",
        )
        attrs = ATTRS
        orderable = False


class LedgerFilter(django_filters.FilterSet):
    item = django_filters.CharFilter(field_name="item__code", lookup_expr="iexact", label=_("Item number"))
    warehouse = django_filters.ModelChoiceFilter(queryset=Warehouse.objects.all(), label=_("Warehouse"))
    date_to = django_filters.DateFilter(field_name="move_date", lookup_expr="lte", label=_("Up to date"))

    class Meta:
        model = StockMove
        fields = ["item", "warehouse", "date_to"]


# --- documents -----------------------------------------------------------------------------


def _doc_table(model, detail_url, extra_fields, extra_columns):
    attrs = {
        "number": tables.Column(linkify=lambda record: reverse(detail_url, args=[record.pk]), verbose_name=_("Number")),
        "doc_date": tables.DateColumn(verbose_name=_("Date"), format="Y-m-d"),
        "status": tables.TemplateColumn("{% load erp_tags %}{% status_badge record %}", verbose_name=_("Status")),
        "line_count": tables.Column(verbose_name=_("Lines")),
        "note": tables.Column(verbose_name=_("Note")),
        **extra_columns,
    }
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": ("number", "doc_date", *extra_fields, "status", "line_count", "note"),
            "attrs": ATTRS,
        },
    )
    attrs["Meta"] = meta
    return type(f"{model.__name__}Table", (tables.Table,), attrs)


OtherReceiptTable = _doc_table(
    OtherReceipt,
    "inventory:other_receipt_detail",
    ("warehouse", "reason"),
    {
        "warehouse": tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse")),
        "reason": tables.Column(verbose_name=_("Reason")),
    },
)
OtherIssueTable = _doc_table(
    OtherIssue,
    "inventory:other_issue_detail",
    ("warehouse", "reason"),
    {
        "warehouse": tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse")),
        "reason": tables.Column(verbose_name=_("Reason")),
    },
)
TransferTable = _doc_table(
    Transfer,
    "inventory:transfer_detail",
    ("from_warehouse", "to_warehouse"),
    {
        "from_warehouse": tables.Column(accessor="from_warehouse__code", verbose_name=_("From warehouse")),
        "to_warehouse": tables.Column(accessor="to_warehouse__code", verbose_name=_("To warehouse")),
    },
)
StockCountTable = _doc_table(
    StockCount,
    "inventory:stock_count_detail",
    ("warehouse",),
    {"warehouse": tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"))},
)


def _doc_filter(model, choices):
    meta = type("Meta", (), {"model": model, "fields": ["number", "status", "date_from", "date_to"]})
    return type(
        f"{model.__name__}Filter",
        (django_filters.FilterSet,),
        {
            "number": django_filters.CharFilter(lookup_expr="icontains", label=_("Number")),
            "status": django_filters.ChoiceFilter(choices=choices, label=_("Status")),
            "date_from": django_filters.DateFilter(field_name="doc_date", lookup_expr="gte", label=_("From")),
            "date_to": django_filters.DateFilter(field_name="doc_date", lookup_expr="lte", label=_("To")),
            "Meta": meta,
        },
    )


OtherReceiptFilter = _doc_filter(OtherReceipt, StockDocStatus.choices)
OtherIssueFilter = _doc_filter(OtherIssue, StockDocStatus.choices)
TransferFilter = _doc_filter(Transfer, StockDocStatus.choices)
StockCountFilter = _doc_filter(StockCount, StockCountStatus.choices)
