from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("General ledger")

    def ready(self):
        from django.db.models.signals import post_migrate

        from erp import navigation, postings

        post_migrate.connect(_default_chart, sender=self)

        from . import exchange
        from .services.auto import on_posting
        from .services.links import voucher_links

        postings.register(on_posting)
        postings.register_link_provider(voucher_links)
        try:
            from costing.services.listeners import register_cost_run_listener
        except ImportError:  # costing without its cost run yet
            register_cost_run_listener = None
        if register_cost_run_listener is not None:
            from .services.costrun import on_cost_run

            register_cost_run_listener(on_cost_run)
        exchange.register_files()
        navigation.register("ledger", _("Vouchers"), "ledger:vouchers", order=10)
        navigation.register("ledger", _("New voucher"), "ledger:voucher_new", order=12)
        navigation.register("ledger", _("Chart of accounts"), "ledger:accounts", order=20)
        navigation.register("ledger", _("Voucher templates"), "ledger:posting_rules", order=22)
        navigation.register("ledger", _("Trial balance"), "ledger:trial_balance", order=30)
        navigation.register("ledger", _("General ledger"), "ledger:general_ledger", order=32)
        navigation.register("ledger", _("Detail ledger"), "ledger:detail_ledger", order=34)
        navigation.register("ledger", _("Customer and supplier statements"), "ledger:statements", order=36)
        navigation.register("ledger", _("Balance sheet"), "ledger:balance_sheet", order=40)
        navigation.register("ledger", _("Income statement"), "ledger:income_statement", order=42)
        navigation.register("ledger", _("VAT summary"), "ledger:vat", order=44)
        navigation.register("ledger", _("Reconciliation"), "ledger:reconcile", order=50)
        navigation.register("ledger", _("Period end"), "ledger:period_end", order=60)


def _default_chart(sender, using="default", **kwargs):
    """The default chart exists from the first migrate on (not created by the first voucher)."""
    from django.db import transaction

    from .services.accounts import ensure_default_chart

    with transaction.atomic(using=using):
        ensure_default_chart()
