from .models import MrpRun, PlannedOrder


def run_list():
    return MrpRun.objects.select_related("created_by").order_by("-created_at")


def planned_orders(run_id: int):
    return (
        PlannedOrder.objects.filter(run_id=run_id)
        .select_related("item", "item__uom")
        .order_by("item__code", "due_date", "release_date")
    )


def latest_run():
    return MrpRun.objects.filter(status="done").order_by("-finished_at").first()
