from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BomConfig(AppConfig):
    name = "bom"
    verbose_name = _("BOM")
