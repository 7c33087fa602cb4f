from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, using="default", **kwargs):
    from .celery_beat import sync_beat_schedule
    from .roles import sync_roles

    sync_roles(using=using)
    sync_beat_schedule()


class ErpConfig(AppConfig):
    name = "erp"
    verbose_name = _("System")

    def ready(self):
        from . import checks  # noqa: F401

        from .navigation import register

        register("system", _("Company settings"), "company_settings", order=10)
        register("system", _("Users and roles"), "system_users", order=20)
        post_migrate.connect(_after_migrate, sender=self)
