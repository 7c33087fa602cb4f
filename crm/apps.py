from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _resync_roles(sender, using="default", **kwargs):
    """The roles are synced after erp's migrate, before crm's permissions exist; sync again
    once they do so 销售 and 管理员 carry the crm model permissions."""
    from erp.roles import sync_roles

    sync_roles(using=using)


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Sales / CRM")

    def ready(self):
        post_migrate.connect(_resync_roles, sender=self)
        from . import wiring

        wiring.register_all()
