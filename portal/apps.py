from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Supplier portal")

    def ready(self):
        from erp.navigation import register

        register("portal", _("Portal home"), "portal:home", order=10)
        register("portal", _("Purchase orders"), "portal:order_list", order=20)
        register("portal", _("Shipping notices"), "portal:notice_list", order=30)
        register("portal", _("Outsourcing orders"), "portal:outsourcing_list", order=40)
        register("purchasing", _("Supplier proposals"), "portal:proposal_queue", order=45)
        register("purchasing", _("Supplier portal invitations"), "portal:invitations", order=95)
        register("warehouse", _("Incoming shipping notices"), "portal:incoming_notices", order=59)
        register("purchasing", _("Incoming shipping notices"), "portal:incoming_notices", order=46)

        from . import notify

        notify.connect()
