from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MrpConfig(AppConfig):
    name = "mrp"
    verbose_name = _("Planning / MRP")

    def ready(self):
        from erp.navigation import register

        register("planning", _("MRP runs"), "mrp:run_list", order=10)
