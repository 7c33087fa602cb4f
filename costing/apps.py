from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CostingConfig(AppConfig):
    name = "costing"
    verbose_name = _("Costing")

    def ready(self):
        from erp.navigation import register

        from . import tasks  # noqa: F401  (the worker knows the task)
        from .exchange import register_files

        register_files()

        from erp.requeue import register as register_requeue

        from .services.runs import queued_cost_runs

        register_requeue("costing.cost_run", task="costing.tasks.execute_cost_run", pending=queued_cost_runs)

        register("costing", _("Periods and close"), "costing:period_list", order=10)
        register("costing", _("Cost pools and hours"), "costing:pool_list", order=20)
        register("costing", _("Product cost summary"), "costing:product_summary", order=30)
        register("costing", _("Variance to standard cost"), "costing:variance", order=40)
        register("costing", _("Inventory value reconciliation"), "costing:reconciliation", order=50)
        register("costing", _("Period-end accrual balance"), "costing:accrual_balance", order=60)
        register("costing", _("Cost entries"), "costing:entries", order=70)
        register("reports", _("Product cost summary"), "costing:product_summary", order=40, also_module="costing")
