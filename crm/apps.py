from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Sales / CRM")

    def ready(self):
        from . import wiring

        wiring.register_all()
