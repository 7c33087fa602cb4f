"""Terms the project catalog (locale/, first in Django's lookup) must hold because a library
listed before our apps in INSTALLED_APPS translates the same English word differently, and its
translation would win over our apps' catalogs (django_celery_beat's "Name" is 任务名, the admin's
"Change" is 修改). `scripts/po_conflicts.py` lists such words; tests/erp/test_i18n_pages.py
checks that none is left. Never called: makemessages collects the strings from here."""

from django.utils.translation import gettext_noop as _

TERMS = [
    _("Name"),
    _("Change"),
    _("Changed"),
    _("Created"),
    _("Add"),
    _("Remove"),
    _("Disabled"),
    _("active"),
    _("Email"),
    _("next"),
    _("This year"),
    _("Summary"),
    _("History"),
    _("Successfully deleted %(count)d items."),
]
