"""Demo data of the planning app (run by `manage.py seed_demo` after production)."""

from .demo_analysis import seed_analysis


def seed(out) -> None:
    seed_analysis(out)
    seed_plan(out)


def seed_plan(out) -> None:
    """A finished MRP run on the demo data (a plan to convert on the workbench); once."""
    from django.utils import timezone

    from .selectors import current_run
    from .services.runs import mrp_run_create, mrp_run_execute

    if current_run() is not None:
        return
    run = mrp_run_execute(run_id=mrp_run_create(run_date=timezone.localdate()).pk)
    out.write(f"mrp: demo plan run {run.pk} ({run.status}), {run.order_count} planned orders to convert\n")
