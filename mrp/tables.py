import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import MrpRun, PlannedOrder


class RunTable(tables.Table):
    id = tables.Column(linkify=("mrp:run_detail", {"pk": tables.A("pk")}), verbose_name=_("run"))

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
    item__code = tables.Column(verbose_name=_("item number"))
    item__name = tables.Column(verbose_name=_("name"))

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
