from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MrpConfig(AppConfig):
    name = "mrp"
    verbose_name = _("Planning / MRP")

    def ready(self):
        from erp.navigation import register

        register("planning", _("MRP runs"), "mrp:run_list", order=10)
        register("planning", _("Kitting analysis"), "mrp:kitting", order=20)
        register("planning", _("Shortage analysis"), "mrp:shortage", order=30)
        _register_analysis()
        _register_net_change_and_ctp()
        _register_requeue()


def _register_requeue() -> None:
    """Runs and planning changes that could not be queued (broker down) are sent again (erp/requeue.py)."""
    from erp.requeue import register

    from .services.analysis import queued_kitting_runs
    from .services.netchange import stuck_scopes
    from .services.runs import queued_runs

    register("mrp.run", task="mrp.tasks.execute_run", pending=queued_runs)
    register("mrp.kitting", task="mrp.tasks_analysis.kitting_run_execute", pending=queued_kitting_runs)
    register("mrp.net_change", task="mrp.tasks_netchange.net_change", pending=stuck_scopes)


def _register_net_change_and_ctp() -> None:
    """Net change listens to planning changes; crm's quotation and order pages ask MRP for CTP."""
    from crm.atp import register_ctp_provider
    from inventory.services.planning import register_planning_listener

    from . import tasks_netchange  # noqa: F401  (the worker knows the task)
    from .services.netchange import on_planning_change
    from .services.promise import ctp_provider

    register_planning_listener(on_planning_change)
    register_ctp_provider(ctp_provider)

    from erp.dashboard import register_card
    from erp.navigation import register

    register("planning", _("Capable to promise"), "mrp:promise", order=40)
    register("planning", _("Net change"), "mrp:netchange", order=45)
    register_card("planning", _net_change_card)
    register_card("planning", _action_messages_card)


def _net_change_card(user) -> list[dict]:
    """Dashboard: changes waiting for the plan and the last net-change latency."""
    from django.urls import reverse

    from .selectors_netchange import plan_freshness

    info = plan_freshness()
    last = info["last_update"]
    return [
        {"title": _("Planning changes pending"), "value": info["pending"], "url": reverse("mrp:netchange")},
        {
            "title": _("Last net-change latency (ms)"),
            "value": last.latency_ms if last else "—",
            "url": reverse("mrp:netchange"),
        },
        # which change updated the plan last, in the reader's language
        *(
            [{"title": _("Plan last updated by"), "value": info["cause"], "url": reverse("mrp:netchange")}]
            if last
            else []
        ),
    ]


def _register_analysis() -> None:
    """Kitting runs in the worker; work-order pages list the requisitions made from them (issue 13)."""
    from production.selectors import register_work_order_link_provider

    from . import tasks_analysis  # noqa: F401  (the worker knows the task)
    from .services.analysis import work_order_requisitions

    register_work_order_link_provider(work_order_requisitions)


def _action_messages_card(user) -> list[dict]:
    """Dashboard: action messages of the current plan (expedite, reschedule, cancel, …)."""
    from django.urls import reverse

    from .selectors import current_run

    run = current_run()
    if run is None:
        return []
    return [
        {"title": _("MRP action messages"), "value": run.exception_count, "url": reverse("mrp:messages", args=[run.pk])}
    ]
