from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self):
        from . import search

        search.register_search()  # global search (erp/search.py)
        from . import exchange
        from .services import counts  # noqa: F401  registers the stock-count posting guard

        exchange.register_files()
        from . import navigation

        navigation.register_pages()
