from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, using="default", **kwargs):
    """Once per migrate, after the last app's permissions exist: roles and beat schedule."""
    from django.apps import apps

    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    if sender.label != with_models[-1].label:
        return
    from .celery_beat import sync_beat_schedule
    from .roles import sync_roles

    sync_roles(using=using)
    sync_beat_schedule()


class ErpConfig(AppConfig):
    name = "erp"
    verbose_name = _("System")

    def ready(self):
        from .navigation import register

        register("system", _("Company settings"), "company_settings", order=10)
        register("system", _("Users and roles"), "system_users", order=20)
        post_migrate.connect(_after_migrate, dispatch_uid="erp_after_migrate")
