import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import MrpMessage, MrpRun, PlannedOrder


class RunTable(tables.Table):
    id = tables.Column(linkify=("mrp:run_detail", {"pk": tables.A("pk")}), verbose_name=pgettext_lazy("mrp run", "Run"))

    class Meta:
        model = MrpRun
        fields = (
            "id",
            "run_date",
            "horizon_days",
            "status",
            "progress",
            "order_count",
            "exception_count",
            "duration_ms",
            "created_by",
            "created_at",
        )


class PlannedOrderTable(tables.Table):
    item__code = tables.Column(verbose_name=_("Item number"))
    item__name = tables.Column(verbose_name=_("Name"))

    class Meta:
        model = PlannedOrder
        fields = (
            "item__code",
            "item__name",
            "order_type",
            "qty",
            "net_qty",
            "release_date",
            "due_date",
            "late",
            "pegged_to",
        )
        row_attrs = {"class": lambda record: "warn-late" if record.late else ""}


class MessageTable(tables.Table):
    kind = tables.Column(verbose_name=_("Kind"))
    item__code = tables.Column(verbose_name=_("Item number"))
    item__name = tables.Column(verbose_name=_("Name"))
    date = tables.Column(verbose_name=_("Date"))
    new_date = tables.Column(verbose_name=_("New date"))
    ref = tables.Column(verbose_name=_("Document"))
    qty = tables.Column(verbose_name=_("Quantity"))

    class Meta:
        model = MrpMessage
        fields = ("kind", "item__code", "item__name", "date", "new_date", "ref", "qty")
