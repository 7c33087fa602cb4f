"""Cost accounting (成本核算): settings, overhead pools, hours, WIP completion, cost runs and their
results, and the append-only cost entries a run posts (see docs/costing.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.fields import MoneyField, PriceField, QuantityField
from erp.states import Flow


class Scope(models.TextChoices):
    ITEM_WAREHOUSE = "item_warehouse", _("Per item and warehouse")
    ITEM = "item", _("Per item (all warehouses)")


class WipMethod(models.TextChoices):
    EQUIVALENT = "equivalent", _("Equivalent units (约当产量)")
    NONE = "none", _("No WIP cost")


class JointMethod(models.TextChoices):
    RATIO = "ratio", _("By ratio (cost share)")
    QUOTA = "quota", _("By quota (by-products at standard cost)")


class Element(models.TextChoices):
    MATERIAL = "material", _("Direct material")
    OUTSOURCING = "outsourcing", _("Outsourcing fee")
    LABOUR = "labour", _("Direct labour")
    OVERHEAD = "overhead", _("Overhead")


ELEMENTS = [e.value for e in Element]


class Basis(models.TextChoices):
    ACTUAL_HOURS = "actual_hours", _("Actual hours")
    STANDARD_HOURS = "standard_hours", _("Standard hours")
    OUTPUT_QTY = "output_qty", _("Output quantity")
    MATERIAL_COST = "material_cost", _("Material cost")


class CostSettings(models.Model):
    """One row (pk=1): how the company costs."""

    scope = models.CharField(_("weighted-average scope"), max_length=20, choices=Scope.choices, default=Scope.ITEM)
    wip_method = models.CharField(
        _("WIP method"), max_length=20, choices=WipMethod.choices, default=WipMethod.EQUIVALENT
    )
    joint_method = models.CharField(
        _("joint and by-products"), max_length=20, choices=JointMethod.choices, default=JointMethod.RATIO
    )
    default_completion_pct = models.DecimalField(
        _("default completion % of WIP"), max_digits=7, decimal_places=3, default=50
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("costing settings")
        verbose_name_plural = _("costing settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_completion_pct__gte=0, default_completion_pct__lte=100),
                name="costing_completion_0_100",
                violation_error_message=_("The completion % lies between 0 and 100."),
            )
        ]

    def __str__(self):
        return str(_("costing settings"))

    @classmethod
    def get(cls) -> "CostSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class CostCentre(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cost centre")
        verbose_name_plural = _("cost centres")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class CostPool(models.Model):
    """Labour or overhead (制造费用) of one cost centre in one period, allocated to the orders
    that reported hours in that centre (or all orders of the period when none did)."""

    period = models.ForeignKey("erp.Period", on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, verbose_name=_("cost centre"))
    element = models.CharField(_("cost element"), max_length=20, choices=Element.choices, default=Element.OVERHEAD)
    amount = MoneyField(_("amount"))
    basis = models.CharField(_("allocation basis"), max_length=20, choices=Basis.choices, default=Basis.ACTUAL_HOURS)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cost pool")
        verbose_name_plural = _("cost pools")
        ordering = ["-period__year", "-period__month", "cost_centre__code", "element"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "cost_centre", "element"],
                name="costing_pool_once",
                violation_error_message=_("This cost centre already has a pool of this element in the period."),
            ),
            models.CheckConstraint(
                condition=Q(element__in=["labour", "overhead"]),
                name="costing_pool_element",
                violation_error_message=_("A cost pool holds labour or overhead."),
            ),
        ]

    def __str__(self):
        return f"{self.period} {self.cost_centre.code} {self.get_element_display()}"


class WorkHours(models.Model):
    """Hours reported on a work order (报工): the basis of labour and overhead allocation."""

    work_order = models.ForeignKey(
        "production.WorkOrder", on_delete=models.PROTECT, related_name="+", verbose_name=_("work order")
    )
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, verbose_name=_("cost centre"))
    work_date = models.DateField(_("date"), db_index=True)
    actual_hours = QuantityField(_("actual hours"))
    standard_hours = QuantityField(_("standard hours"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reported hours")
        verbose_name_plural = _("reported hours")
        ordering = ["-work_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actual_hours__gte=0, standard_hours__gte=0),
                name="costing_hours_nonneg",
                violation_error_message=_("Hours cannot be negative."),
            )
        ]


class WipCompletion(models.Model):
    """Completion % of the conversion costs of an order's WIP at a period end (default: settings)."""

    period = models.ForeignKey("erp.Period", on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    work_order = models.ForeignKey(
        "production.WorkOrder", on_delete=models.PROTECT, related_name="+", verbose_name=_("work order")
    )
    completion_pct = models.DecimalField(_("completion %"), max_digits=7, decimal_places=3)

    class Meta:
        verbose_name = _("WIP completion")
        verbose_name_plural = _("WIP completion")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "work_order"],
                name="costing_wip_once",
                violation_error_message=_("This order already has a completion % in the period."),
            ),
            models.CheckConstraint(
                condition=Q(completion_pct__gte=0, completion_pct__lte=100),
                name="costing_wip_pct_0_100",
                violation_error_message=_("The completion % lies between 0 and 100."),
            ),
        ]


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# a run is taken by one worker (queued → running) and ends done or failed (a new run is a new row)
RUN_FLOW = Flow({RunStatus.QUEUED: {RunStatus.RUNNING}, RunStatus.RUNNING: {RunStatus.DONE, RunStatus.FAILED}})


class CostRun(models.Model):
    """成本计算 of one period (Celery job with progress)."""

    period = models.ForeignKey("erp.Period", on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # written by a thread of the worker while the run computes; a running run whose heartbeat is
    # older than settings.COST_RUN_STALE_SECONDS is marked failed (services.runs.fail_stale_cost_runs)
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    move_count = models.PositiveIntegerField(_("moves"), default=0)
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    entry_count = models.PositiveIntegerField(_("entries posted"), default=0)

    class Meta:
        verbose_name = _("cost run")
        verbose_name_plural = _("cost runs")
        ordering = ["-created_at", "-id"]
        permissions = [("close_period", "Can close accounting periods")]
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(status__in=["queued", "running"]),
                name="costing_one_active_run",
                violation_error_message=_("A cost run of this period is already queued or running."),
            )
        ]

    def __str__(self):
        return f"{self.period} #{self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)


class ItemCost(models.Model):
    """Monthly weighted average of one item (and warehouse, by scope) in one run."""

    run = models.ForeignKey(CostRun, on_delete=models.CASCADE, related_name="item_costs")
    period = models.ForeignKey("erp.Period", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("warehouse"),
    )
    opening_qty = QuantityField(_("opening quantity"))
    opening_value = MoneyField(_("opening value"))
    receipt_qty = QuantityField(_("received"))
    receipt_value = MoneyField(_("receipt value"))
    issue_qty = QuantityField(_("issued"))
    issue_value = MoneyField(_("issue value"))
    closing_qty = QuantityField(_("closing quantity"))
    closing_value = MoneyField(_("closing value"))
    unit_cost = PriceField(_("unit cost"))

    class Meta:
        verbose_name = _("item cost")
        verbose_name_plural = _("item costs")
        ordering = ["run_id", "item_id", "warehouse_id"]


class OrderCost(models.Model):
    """成本计算单: one order and cost element in one run."""

    run = models.ForeignKey(CostRun, on_delete=models.CASCADE, related_name="order_costs")
    period = models.ForeignKey("erp.Period", on_delete=models.PROTECT, related_name="+")
    work_order = models.ForeignKey(
        "production.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("work order"),
    )
    outsourcing_order_id = models.BigIntegerField(_("outsourcing order"), null=True, blank=True)
    order_no = models.CharField(_("order"), max_length=40)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    element = models.CharField(_("cost element"), max_length=20, choices=Element.choices)
    opening_wip = MoneyField(_("opening WIP"))
    this_period = MoneyField(_("this period"))
    fg = MoneyField(_("finished goods"))
    closing_wip = MoneyField(_("closing WIP"))
    completed_qty = QuantityField(_("completed"))
    wip_qty = QuantityField(_("WIP quantity"))
    completion_pct = models.DecimalField(_("completion %"), max_digits=7, decimal_places=3, default=0)

    class Meta:
        verbose_name = _("order cost")
        verbose_name_plural = _("order costs")
        ordering = ["run_id", "order_no", "element"]


class CostRole(models.TextChoices):
    """The account role a cost entry posts to (its debit and credit side); the ledger maps each
    role to an account (ledger voucher templates, document type `costing`)."""

    STOCK = "stock", _("Stock")
    WIP = "wip", _("Work in progress")
    OUTSOURCING = "outsourcing", _("Materials at subcontractor")
    COGS = "cogs", _("Cost of goods sold")
    EXPENSE = "expense", _("Expense")
    INVOICE_DIFFERENCE = "invoice_difference", _("Invoice difference")
    OVERHEAD = "overhead", _("Manufacturing overhead")


class CostEntry(models.Model):
    """Value-only correction posted by a cost run (append-only; docs/costing.md lists kinds and
    roles). `key` identifies what is corrected; a later run of the period posts only the delta."""

    class Kind(models.TextChoices):
        ISSUE_REVALUATION = "issue_revaluation", _("Issue revalued")
        RECEIPT_REVALUATION = "receipt_revaluation", _("Receipt revalued")
        INVOICE_DIFFERENCE = "invoice_difference", _("Invoice difference of issued goods")

    run = models.ForeignKey(CostRun, on_delete=models.PROTECT, related_name="entries")
    period = models.ForeignKey("erp.Period", on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    entry_date = models.DateField(_("date"))
    key = models.CharField(max_length=120)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("warehouse"),
    )
    work_order = models.ForeignKey(
        "production.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("work order"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    debit = models.CharField(_("debit"), max_length=30, choices=CostRole.choices)
    credit = models.CharField(_("credit"), max_length=30, choices=CostRole.choices)
    amount = MoneyField(_("amount"))
    source_type = models.CharField(_("source document type"), max_length=60)
    source_id = models.BigIntegerField(_("source document"))
    source_number = models.CharField(_("source number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("cost entry")
        verbose_name_plural = _("cost entries")
        ordering = ["period_id", "id"]
        indexes = [models.Index(fields=["period", "key"])]

    def __str__(self):
        return f"{self.period} {self.kind} {self.amount}"
