import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from erp.models import Period

from .models import CostEntry, CostPool, ItemCost, WorkHours


class PeriodTable(tables.Table):
    period = tables.Column(
        accessor="pk",
        linkify=("costing:period_detail", {"pk": tables.A("pk")}),
        verbose_name=_("Period"),
        orderable=False,
    )

    class Meta:
        model = Period
        fields = ("period", "status", "closed_at", "closed_by", "reopened_at", "reason")

    def render_period(self, record):
        return str(record)


class ItemCostTable(tables.Table):
    item__code = tables.Column(verbose_name=_("Item number"))
    item__name = tables.Column(verbose_name=_("Name"))
    warehouse__code = tables.Column(verbose_name=_("Warehouse"), default="")

    class Meta:
        model = ItemCost
        fields = (
            "item__code",
            "item__name",
            "warehouse__code",
            "opening_qty",
            "opening_value",
            "receipt_qty",
            "receipt_value",
            "issue_qty",
            "issue_value",
            "closing_qty",
            "closing_value",
            "unit_cost",
        )


class CostEntryTable(tables.Table):
    item__code = tables.Column(verbose_name=_("Item number"))
    warehouse__code = tables.Column(verbose_name=_("Warehouse"), default="")
    work_order__number = tables.Column(verbose_name=_("Work order"), default="")

    class Meta:
        model = CostEntry
        fields = (
            "run",
            "entry_date",
            "kind",
            "item__code",
            "warehouse__code",
            "work_order__number",
            "debit",
            "credit",
            "amount",
            "source_number",
        )


class CostPoolTable(tables.Table):
    class Meta:
        model = CostPool
        fields = ("period", "cost_centre", "element", "amount", "basis", "note")


class WorkHoursTable(tables.Table):
    work_order__number = tables.Column(verbose_name=_("Work order"))

    class Meta:
        model = WorkHours
        fields = ("work_date", "work_order__number", "cost_centre", "actual_hours", "standard_hours", "note")
