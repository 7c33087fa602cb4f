"""Sidebar, dashboard and exchange registrations (called from CrmConfig.ready)."""

from django.utils.translation import gettext_lazy as _


def _cards(user):
    from django.urls import reverse

    from .selectors import reminders_for, sales_dashboard_counts

    counts = sales_dashboard_counts(user)
    return [
        {
            "title": _("Open sales orders"),
            "value": counts["open"],
            "url": reverse("crm:order_list") + "?status=confirmed",
        },
        {"title": _("My reminders"), "value": reminders_for(user).count(), "url": reverse("crm:reminders")},
    ]


def _may_see_order_line(user, pk) -> bool:
    """Other apps' read-only views of records made for a sales order line (a work order):
    the user sees that order (owner, team manager, admin: crm.access)."""
    from .access import scope
    from .models import SalesOrder

    return scope(SalesOrder.objects.filter(lines__pk=pk), user).exists()


def register_all() -> None:
    from erp.dashboard import register_card
    from erp.notify import register_text
    from erp.permissions import register_scope

    from .services.promises import AT_RISK_TEXT, at_risk_text

    register_text(AT_RISK_TEXT, at_risk_text)  # at-risk notifications in the reader's language

    register_scope("crm.salesorderline", _may_see_order_line)
    from erp.navigation import register
    from inventory.selectors import register_open_demand_provider

    from . import selectors

    register_open_demand_provider(selectors.open_demand_by_item)
    from . import planning

    planning.connect()  # net change: forecast entries (issue 14)

    for order, (label, url) in enumerate(
        [
            (_("Customers"), "crm:customer_list"),
            (_("Shared pool"), "crm:pool"),
            (_("Leads"), "crm:lead_list"),
            (_("Opportunity board"), "crm:board"),
            (_("Opportunities"), "crm:opportunity_list"),
            (_("My reminders"), "crm:reminders"),
            (_("Sales funnel"), "crm:funnel"),
            (_("Quotations"), "crm:quotation_list"),
            (_("Sales orders"), "crm:order_list"),
            (_("Sales forecasts"), "crm:forecast_list"),
            (_("Deliveries"), "crm:delivery_list"),
            (_("Sales returns"), "crm:return_list"),
            (_("Sales invoices"), "crm:invoice_list"),
            (_("Customer receipts"), "crm:receipt_list"),
            (_("AR ageing"), "crm:ageing"),
            (_("Service tickets"), "crm:ticket_list"),
            (_("Overdue service tickets"), "crm:ticket_overdue"),
        ],
        start=1,
    ):
        register("sales", label, url, order=order * 10)
    # 报表: shortcuts to the sales reports, for those who may open the sales module
    register("reports", _("Sales funnel"), "crm:funnel", order=20, also_module="sales")
    register("reports", _("AR ageing"), "crm:ageing", order=21, also_module="sales")
    register_card("sales", _cards)
    # 市场营销 (issue 19)
    for order, (label, url) in enumerate(
        [
            (_("Campaigns"), "crm:campaign_list"),
            (_("Campaign comparison"), "crm:campaign_report"),
            (_("Possible duplicates"), "crm:lead_duplicates"),
        ],
        start=1,
    ):
        register("marketing", label, url, order=order * 10)
    register("sales", _("Campaigns"), "crm:campaign_list", order=175)
    register("sales", _("Campaign comparison"), "crm:campaign_report", order=176)
    register("sales", _("Possible duplicates"), "crm:lead_duplicates", order=177)
    register("sales", _("Service report"), "crm:service_report", order=185)
    register("reports", _("Campaign comparison"), "crm:campaign_report", order=22, also_module="marketing")

    from . import exchange

    exchange.register_files()
