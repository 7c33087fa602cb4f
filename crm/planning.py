"""Net change from sales (docs/mrp.md §5): forecast entries record a planning change, whichever
way they are written (page, import, admin). Connected from crm.wiring.register_all."""

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_noop


def _forecast_changed(sender, instance, **kwargs) -> None:
    from inventory.services.planning import record_planning_change

    record_planning_change(
        item_ids=[instance.item_id],
        cause=gettext_noop("Forecast %(item)s %(date)s changed"),
        params={"item": instance.item.code, "date": instance.date.isoformat()},
        kind="forecast",
    )


def connect() -> None:
    from .models import Forecast

    post_save.connect(_forecast_changed, sender=Forecast, dispatch_uid="crm_forecast_planning_change")
    post_delete.connect(_forecast_changed, sender=Forecast, dispatch_uid="crm_forecast_planning_delete")
