from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MrpConfig(AppConfig):
    name = "mrp"
    verbose_name = _("Planning / MRP")
