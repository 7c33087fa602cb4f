"""Inventory master data and the stock ledger.

StockMove is append-only (a database trigger refuses UPDATE and DELETE); StockBalance holds
quantity and value per item x warehouse, updated in the same transaction as the moves.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from mptt.models import MPTTModel, TreeForeignKey
from simple_history.models import HistoricalRecords

from erp.fields import MoneyField, PriceField, QuantityField
from erp.texts import render_text


def pinyin_initials(text: str) -> str:
    """自行车 26寸 → "zxc26c": the first letter of each Chinese character's pinyin (pypinyin),
    letters and digits as they are, lower case; other signs dropped."""
    from pypinyin import Style, lazy_pinyin

    out = []
    for part in lazy_pinyin(text or "", style=Style.FIRST_LETTER):
        out.append("".join(ch for ch in part if ch.isalnum()))
    return "".join(out).lower()[:200]


class UnitOfMeasure(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")
        ordering = ["code"]

    def __str__(self):
        return self.code


class UomConversion(models.Model):
    """1 `from_uom` = `factor` `to_uom`; item-specific when `item` is set (e.g. 1 box = 12 pcs)."""

    item = models.ForeignKey("Item", on_delete=models.CASCADE, null=True, blank=True, related_name="conversions")
    from_uom = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+", verbose_name=_("from unit"))
    to_uom = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+", verbose_name=_("to unit"))
    factor = models.DecimalField(_("factor"), max_digits=18, decimal_places=6)

    class Meta:
        verbose_name = _("unit conversion")
        verbose_name_plural = _("unit conversions")
        constraints = [
            models.UniqueConstraint(fields=["item", "from_uom", "to_uom"], name="uniq_uom_conversion"),
            models.CheckConstraint(
                condition=Q(factor__gt=0),
                name="uom_factor_positive",
                violation_error_message=_("The conversion factor must be greater than 0."),
            ),
        ]

    def __str__(self):
        return f"1 {self.from_uom} = {self.factor} {self.to_uom}"


class ItemCategory(MPTTModel):
    name = models.CharField(_("name"), max_length=100)
    parent = TreeForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("path"), max_length=500, unique=True, editable=False)

    class MPTTMeta:
        order_insertion_by = ["name"]

    class Meta:
        verbose_name = _("item category")
        verbose_name_plural = _("item categories")

    def __str__(self):
        return self.path or self.name

    def save(self, *args, **kwargs):
        old_path = type(self).objects.filter(pk=self.pk).values_list("path", flat=True).first() if self.pk else None
        self.path = f"{self.parent.path}/{self.name}" if self.parent_id else self.name
        super().save(*args, **kwargs)
        if old_path is not None and old_path != self.path:
            # renamed or moved: the paths of the whole subtree follow (import matches by path)
            paths = {self.pk: self.path}
            subtree = list(self.get_descendants().order_by("level"))
            for node in subtree:
                node.path = f"{paths[node.parent_id]}/{node.name}"
                paths[node.pk] = node.path
            type(self).objects.bulk_update(subtree, ["path"])


class SupplyType(models.TextChoices):
    PURCHASE = "purchase", _("Purchased")
    MANUFACTURE = "manufacture", _("Manufactured")
    OUTSOURCE = "outsource", _("Outsourced")
    PHANTOM = "phantom", _("Phantom")


class Supplier(models.Model):
    """Supplier master (procurement adds price lists and performance on top)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=30, blank=True)
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), default=30)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Item(models.Model):
    code = models.CharField(_("item number"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    spec = models.CharField(_("specification"), max_length=200, blank=True)
    uom = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, verbose_name=_("unit"), related_name="items")
    purchase_uom = models.ForeignKey(
        UnitOfMeasure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("purchase unit"),
    )
    purchase_factor = models.DecimalField(
        _("stock units per purchase unit"), max_digits=18, decimal_places=6, default=1
    )
    category = TreeForeignKey(
        ItemCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="items", verbose_name=_("category")
    )
    supply_type = models.CharField(
        _("supply type"), max_length=20, choices=SupplyType.choices, default=SupplyType.PURCHASE
    )
    make_to_order = models.BooleanField(_("make to order"), default=False)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), default=0)
    safety_stock = QuantityField(_("safety stock"))
    min_order_qty = QuantityField(_("minimum order quantity"))
    order_multiple = QuantityField(_("order multiple"))
    order_period_days = models.PositiveIntegerField(_("order period (days)"), default=0)
    standard_cost = PriceField(_("standard cost"))
    default_supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("default supplier")
    )
    default_warehouse = models.ForeignKey(
        "Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default warehouse"),
    )
    ecn_controlled = models.BooleanField(_("under engineering change control"), default=False)
    # the planner responsible for the item (MRP workbench: planned orders filtered by planner)
    planner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("planner"),
    )
    # document entry defaults (issue 18): the sales price excl. tax and the VAT rate of the item
    sales_price = PriceField(_("sales price excl. tax"))
    tax_rate = models.DecimalField(_("tax rate"), max_digits=7, decimal_places=4, default=Decimal("0.13"))
    # the pinyin initials of the name (自行车 → zxc), kept by save(): the item lookup searches them
    pinyin = models.CharField(_("pinyin initials"), max_length=200, blank=True, editable=False)
    low_level_code = models.PositiveSmallIntegerField(_("low-level code"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["low_level_code", "pinyin"])

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(safety_stock__gte=0),
                name="item_ss_nonneg",
                violation_error_message=_("The safety stock cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(min_order_qty__gte=0),
                name="item_moq_nonneg",
                violation_error_message=_("The minimum order quantity cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(order_multiple__gte=0),
                name="item_mult_nonneg",
                violation_error_message=_("The order multiple cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(standard_cost__gte=0),
                name="item_stdcost_nonneg",
                violation_error_message=_("The standard cost cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(purchase_factor__gt=0),
                name="item_purchase_factor_positive",
                violation_error_message=_("The stock units per purchase unit must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=Q(sales_price__gte=0),
                name="item_sales_price_nonneg",
                violation_error_message=_("The sales price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lt=1),
                name="item_tax_rate_range",
                violation_error_message=_("The tax rate must lie between 0 and 100 %."),
            ),
        ]
        indexes = [
            # the item lookup of the document grids: prefixes of the number and of the pinyin
            models.Index(fields=["code"], name="item_code_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["pinyin"], name="item_pinyin_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.pinyin = pinyin_initials(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "pinyin"}
        super().save(*args, **kwargs)

    @property
    def can_have_bom(self) -> bool:
        return self.supply_type in (SupplyType.MANUFACTURE, SupplyType.OUTSOURCE, SupplyType.PHANTOM)


class WarehouseKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    LOCATION = "location", _("Location")
    SUBCONTRACTOR = "subcontractor", _("Subcontractor location")


class Warehouse(MPTTModel):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = TreeForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=WarehouseKind.choices, default=WarehouseKind.WAREHOUSE)
    nettable = models.BooleanField(_("nettable (MRP counts its stock)"), default=True)
    allow_negative = models.BooleanField(_("allow negative stock"), default=False)
    supplier = models.OneToOneField(
        Supplier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subcontractor_location",
        verbose_name=_("subcontractor"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["lft", "rght", "tree_id", "level"])

    class MPTTMeta:
        order_insertion_by = ["code"]

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="subcontractor") | Q(nettable=False, supplier__isnull=False),
                name="subcontractor_location_not_nettable",
                violation_error_message=_("A subcontractor location needs its subcontractor and is not nettable."),
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class StockBalance(models.Model):
    """Quantity and value on hand per item x warehouse; locked (pk order) while posting."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="balances")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="balances")
    qty = QuantityField(_("quantity"))
    value = MoneyField(_("value"))

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [models.UniqueConstraint(fields=["item", "warehouse"], name="uniq_balance_item_wh")]

    def __str__(self):
        return f"{self.item_id}@{self.warehouse_id}: {self.qty}"

    @property
    def avg_cost(self):
        from erp.fields import ZERO

        return (self.value / self.qty) if self.qty else ZERO


class StockMove(models.Model):
    """One posted change of stock. Never updated or deleted; a correction is a reversing move."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="moves", verbose_name=_("item"))
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="moves", verbose_name=_("warehouse")
    )
    qty = QuantityField(_("quantity"))
    unit_cost = PriceField(_("unit cost"))
    value = MoneyField(_("value"))
    move_date = models.DateField(_("date"))
    period = models.ForeignKey("erp.Period", on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_type = models.CharField(_("source document type"), max_length=40)
    source_id = models.BigIntegerField(_("source document"))
    source_line = models.BigIntegerField(_("source line"), default=0)
    source_number = models.CharField(_("source number"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30)
    reversal = models.BooleanField(_("reversal"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["id"]
        indexes = [
            # the item ledger: one item's moves in running-balance order (window without a sort)
            models.Index(fields=["item", "warehouse", "move_date", "id"], name="stockmove_item_wh_date_id"),
            # the unfiltered ledger, newest first, in keyset pages; date ranges of every report
            models.Index(fields=["move_date", "id"], name="stockmove_date_id"),
            models.Index(fields=["source_type", "source_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "source_line", "kind", "reversal"], name="uniq_move_per_source_line"
            )
        ]

    def __str__(self):
        return f"{self.source_number or self.source_type} {self.item_id} {self.qty}"


# --- opening balances (stock.csv, demo) --------------------------------------------------


class OpeningBalance(models.Model):
    """Opening stock of one item x warehouse as last imported (期初库存).

    A (re-)import posts only the difference to what was posted before, so re-importing the
    same file changes nothing. Moves: source_type "inventory.opening", source_id = the
    OpeningBatch, source_line = this row's id.
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    qty = QuantityField(_("quantity"))
    unit_cost = PriceField(_("unit cost"))
    value = MoneyField(_("value"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("opening balance")
        verbose_name_plural = _("opening balances")
        constraints = [models.UniqueConstraint(fields=["item", "warehouse"], name="uniq_opening_item_wh")]

    def __str__(self):
        return f"{self.item_id}@{self.warehouse_id}: {self.qty}"


class OpeningBatch(models.Model):
    """One posting of opening-balance differences (one stock.csv import or demo seed)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    move_date = models.DateField(_("date"))
    lines = models.PositiveIntegerField(_("lines"), default=0)

    class Meta:
        verbose_name = _("opening balance posting")
        verbose_name_plural = _("opening balance postings")

    def __str__(self):
        return f"OB-{self.pk}"


# --- stock documents: other receipt / other issue / transfer / stock count ----------------


QTY_POS = _("The quantity of a line must be greater than 0.")


class StockDocStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class StockDocument(models.Model):
    """Common header of the warehouse documents (number, date, status, who)."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    doc_date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=20, choices=StockDocStatus.choices, default=StockDocStatus.DRAFT)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-number"]

    def __str__(self):
        return self.number


class OtherReceipt(StockDocument):
    """其他入库: stock received without a purchase (gifts, samples, found stock)."""

    PREFIX = "OT"
    SOURCE_TYPE = "inventory.other_receipt"
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta(StockDocument.Meta):
        verbose_name = _("other receipt")
        verbose_name_plural = _("other receipts")


class OtherReceiptLine(models.Model):
    doc = models.ForeignKey(OtherReceipt, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))
    unit_cost = PriceField(_("unit cost"))
    amount = MoneyField(_("amount"))

    class Meta:
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["doc", "line_no"], name="uniq_other_receipt_line"),
            models.CheckConstraint(
                condition=Q(qty__gt=0), name="other_receipt_qty_pos", violation_error_message=QTY_POS
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0),
                name="other_receipt_cost_nonneg",
                violation_error_message=_("The unit cost cannot be negative."),
            ),
        ]


class OtherIssue(StockDocument):
    """其他出库: stock issued without a sales or production document (samples, scrap, R&D)."""

    PREFIX = "OX"
    SOURCE_TYPE = "inventory.other_issue"
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta(StockDocument.Meta):
        verbose_name = _("other issue")
        verbose_name_plural = _("other issues")


class OtherIssueLine(models.Model):
    doc = models.ForeignKey(OtherIssue, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))
    unit_cost = PriceField(_("unit cost"))  # filled at confirm (average cost)
    amount = MoneyField(_("amount"))

    class Meta:
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["doc", "line_no"], name="uniq_other_issue_line"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="other_issue_qty_pos", violation_error_message=QTY_POS),
        ]


class Transfer(StockDocument):
    """调拨: stock moves between warehouses at unchanged cost."""

    PREFIX = "TR"
    SOURCE_TYPE = "inventory.transfer"
    from_warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("from warehouse")
    )
    to_warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("to warehouse")
    )
    history = HistoricalRecords()

    class Meta(StockDocument.Meta):
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_warehouse=models.F("to_warehouse")),
                name="transfer_two_whs",
                violation_error_message=_("A transfer needs two different warehouses."),
            )
        ]


class TransferLine(models.Model):
    doc = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))
    unit_cost = PriceField(_("unit cost"))
    amount = MoneyField(_("amount"))

    class Meta:
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["doc", "line_no"], name="uniq_transfer_line"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="transfer_qty_pos", violation_error_message=QTY_POS),
        ]


class StockCountStatus(models.TextChoices):
    OPEN = "open", _("Counting")
    CONFIRMED = "confirmed", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class StockCount(StockDocument):
    """盘点: book quantities are snapshotted when the count opens; counted quantities are
    entered; confirming posts gains (盘盈) and losses (盘亏) at current average cost. While a
    count is open, moves of its item x warehouse pairs are refused."""

    PREFIX = "SC"
    SOURCE_TYPE = "inventory.stock_count"
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    status = models.CharField(
        _("status"), max_length=20, choices=StockCountStatus.choices, default=StockCountStatus.OPEN
    )
    history = HistoricalRecords()

    class Meta(StockDocument.Meta):
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")


class StockCountLine(models.Model):
    doc = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    book_qty = QuantityField(_("book quantity"))
    counted_qty = QuantityField(_("counted quantity"), null=True, blank=True, default=None)
    unit_cost = PriceField(_("unit cost"))
    diff_qty = QuantityField(_("difference"))
    diff_value = MoneyField(_("difference value"))

    class Meta:
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["doc", "line_no"], name="uniq_count_line"),
            models.UniqueConstraint(fields=["doc", "item"], name="uniq_count_item"),
            models.CheckConstraint(
                condition=Q(counted_qty__isnull=True) | Q(counted_qty__gte=0),
                name="count_counted_nonneg",
                violation_error_message=_("A counted quantity cannot be negative."),
            ),
        ]


class PlanningChange(models.Model):
    """A change of demand or supply that the plan must follow (net change, docs/mrp.md §5):
    recorded by the app that made it (inventory.services.planning.record_planning_change), in the
    same transaction; MRP consumes it after commit (processed_at set) and re-plans the items."""

    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)
    scope = models.CharField(_("scope"), max_length=40, default="all")
    kind = models.CharField(_("kind"), max_length=30, blank=True)
    document = models.CharField(_("document"), max_length=80, blank=True)
    line_no = models.PositiveIntegerField(_("line"), null=True, blank=True)  # of the document, when one line
    cause = models.CharField(_("cause"), max_length=200)  # the message id (erp.texts), with `params`
    params = models.JSONField(_("cause parameters"), default=dict, blank=True)
    item_ids = models.JSONField(_("items"), default=list)
    processed_at = models.DateTimeField(_("planned at"), null=True, blank=True)
    plan_update_id = models.PositiveIntegerField(_("plan update"), null=True, blank=True)

    class Meta:
        verbose_name = _("planning change")
        verbose_name_plural = _("planning changes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["scope", "id"], condition=Q(processed_at__isnull=True), name="inv_planchg_pending")
        ]

    def __str__(self):
        return self.cause_text

    @property
    def cause_text(self) -> str:
        """The cause in the reader's language ("PO-2026-000001 line 1: due 2026-03-09 → 2026-03-14")."""
        return render_text(self.cause, self.params)
