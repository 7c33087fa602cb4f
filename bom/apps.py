from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BomConfig(AppConfig):
    name = "bom"
    verbose_name = _("BOM")

    def ready(self):
        from erp.dashboard import register_card
        from erp.navigation import register as nav
        from inventory.selectors import register_item_hint_provider

        from . import exchange, selectors

        exchange.register_files()
        register_item_hint_provider(selectors.item_hints)
        register_card("bom", selectors.dashboard_cards)
        nav("bom", _("BOMs"), "bom:bom_list", order=10)
        nav("bom", _("BOM explosion"), "bom:explosion", order=20)
        nav("bom", _("Where used"), "bom:where_used", order=30)
        nav("bom", _("Compare versions"), "bom:compare", order=40)
        nav("bom", _("Engineering changes"), "bom:ecn_list", order=50)
