from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductionConfig(AppConfig):
    name = "production"
    verbose_name = _("Production")

    def ready(self):
        from . import search

        search.register_search()  # global search (erp/search.py)
        from erp.dashboard import register_card
        from erp.navigation import register
        from inventory.selectors import register_open_demand_provider

        from . import exchange, selectors

        register_open_demand_provider(selectors.open_demand_by_item)
        register("production", _("Production tracking"), "production:wo_list", order=10)
        register("production", _("Make to order (以销定产)"), "production:sales_lines", order=12)
        register("production", _("Timeline"), "production:timeline", order=15)
        register("reports", _("Production tracking"), "production:wo_list", order=30, also_module="production")
        register("reports", _("Timeline"), "production:timeline", order=31, also_module="production")
        register("production", _("Pickings"), "production:picking_list", order=20)
        register("production", _("Merged picking"), "production:merged_pick", order=25, perm="production.add_picking")
        register("production", _("Finished-goods receipts"), "production:receipt_list", order=30)
        register("warehouse", _("Work orders to pick"), "production:wh_wo_list", order=59)
        register("warehouse", _("Production pickings"), "production:wh_picking_list", order=60)
        register("warehouse", _("Finished-goods receipts"), "production:wh_receipt_list", order=61)
        register_card("production", _dashboard_cards)
        from . import handoffs

        handoffs.register()  # dashboard to-dos (erp.dashboard)
        exchange.register_files()
        from bom.impact import register_provider as register_impact
        from crm.atp import register_supply_provider
        from crm.progress import register_provider

        register_provider(selectors.sales_line_progress)
        register_supply_provider(selectors.open_work_order_receipts)
        register_impact(selectors.ecn_impact_rows)


def _dashboard_cards(user):
    from django.urls import reverse

    from .selectors import warning_counts

    counts = warning_counts()
    return [
        {
            "title": _("Work orders with warnings"),
            "value": counts["total"],
            "url": reverse("production:wo_list") + "?warning=any",
        }
    ]
