"""Purchasing and outsourcing documents, the accrual ledger (暂估) and cost adjustments.

Supplier master data lives in inventory (inventory.Supplier); procurement adds price lists.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Case, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.fields import ZERO, MoneyField, PriceField, QuantityField, round_money, to_decimal
from erp.models import Document

from .states import InvoiceStatus, OrderStatus, PostedStatus, RequisitionStatus

TAX_DEFAULT = "0.13"
QTY = models.DecimalField(max_digits=18, decimal_places=6)

# Orders in these states expect nothing more: their open quantity is 0.
ENDED_ORDER_STATES = (OrderStatus.CLOSED, OrderStatus.CANCELLED)


def line_amounts(qty: Decimal, price: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Amount excl. tax and tax of one document line, each rounded to the cent on the line
    (document totals are sums of these, never a rounding of an unrounded sum)."""
    amount = round_money(to_decimal(qty) * to_decimal(price))
    return amount, round_money(amount * to_decimal(tax_rate))


def _annotation_sink(name: str):
    """Setter of a derived property whose QuerySet annotation has the same name: the database
    computed the same figure by the same rule; the property keeps computing it from the fields."""

    def setter(self, value) -> None:
        pass

    setter.__name__ = name
    return setter


class SupplierPrice(models.Model):
    """采购价目表: one price of one item from one supplier (from a minimum quantity, in a date range)."""

    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="prices", verbose_name=_("supplier")
    )
    item = models.ForeignKey(
        "inventory.Item", on_delete=models.PROTECT, related_name="supplier_prices", verbose_name=_("item")
    )
    price = PriceField(_("unit price"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    min_qty = QuantityField(_("minimum quantity"))
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), default=0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier price")
        verbose_name_plural = _("supplier price list")
        ordering = ["item__code", "supplier__code", "min_qty"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="proc_price_nonneg",
                violation_error_message=_("The unit price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(min_qty__gte=0),
                name="proc_price_minqty_nonneg",
                violation_error_message=_("The minimum quantity cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.supplier_id}/{self.item_id}: {self.price}"


class SourceLinkMixin(models.Model):
    """Generic link to the document line this one was created from (e.g. mrp.plannedorder)."""

    source_type = models.CharField(_("source document type"), max_length=60, blank=True)
    source_id = models.BigIntegerField(_("source document"), null=True, blank=True)
    source_line = models.BigIntegerField(_("source line"), null=True, blank=True)
    source_number = models.CharField(_("source number"), max_length=60, blank=True)

    class Meta:
        abstract = True


# --- requisitions ---------------------------------------------------------------------------


class Requisition(Document):
    """采购申请单."""

    request_date = models.DateField(_("request date"))
    department = models.CharField(_("department"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequisitionStatus.choices, default=RequisitionStatus.DRAFT
    )
    amount = MoneyField(_("estimated amount"))
    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("purchase requisition")
        verbose_name_plural = _("purchase requisitions")
        permissions = [("approve_requisition", "Can approve purchase requisitions")]

    def set_totals(self, lines) -> None:
        """The stored estimated amount: the sum of the lines' rounded amounts."""
        self.amount = sum((ln.amount for ln in lines), ZERO)


class RequisitionLineQuerySet(models.QuerySet):
    def with_open_qty(self):
        """Annotates `open_qty` (= RequisitionLine.open_qty while the requisition is draft or
        approved; 0 once it is closed or cancelled)."""
        return self.annotate(
            open_qty=Case(
                When(requisition__status__in=(RequisitionStatus.DRAFT, RequisitionStatus.APPROVED),
                     then=Greatest(F("qty") - F("ordered_qty"), Value(ZERO))),
                default=Value(ZERO),
                output_field=QTY,
            )
        )  # fmt: skip

    def open(self):
        """Lines still to order (planned supply for MRP), annotated with `open_qty`."""
        return self.with_open_qty().filter(open_qty__gt=0)


class RequisitionLine(SourceLinkMixin):
    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"), default=10)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))
    need_date = models.DateField(_("need date"))
    supplier = models.ForeignKey(
        "inventory.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested supplier"),
    )
    ordered_qty = QuantityField(_("ordered quantity"))
    unit_price = PriceField(_("estimated unit price"))
    amount = MoneyField(_("estimated amount"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RequisitionLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("requisition line")
        verbose_name_plural = _("requisition lines")
        ordering = ["requisition_id", "line_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="proc_reqline_qty_pos",
                violation_error_message=_("The requested quantity must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=Q(ordered_qty__gte=0),
                name="proc_reqline_ordered_nonneg",
                violation_error_message=_("The ordered quantity cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.requisition_id}/{self.line_no}"

    @property
    def open_qty(self):
        """Still to order: requested − ordered, never below 0."""
        return max(self.qty - self.ordered_qty, ZERO)

    def set_amounts(self) -> None:
        self.amount = round_money(to_decimal(self.qty) * to_decimal(self.unit_price))


class RequisitionLineSource(models.Model):
    """按源单生成采购申请: the source order line (e.g. a work order's material line) a requisition
    line was created from, with the quantity it asked for. A merged line keeps one row per source."""

    line = models.ForeignKey(RequisitionLine, on_delete=models.CASCADE, related_name="sources")
    source_type = models.CharField(_("source document type"), max_length=60)
    source_id = models.BigIntegerField(_("source document"))
    source_line = models.BigIntegerField(_("source line"), null=True, blank=True)
    source_number = models.CharField(_("source number"), max_length=60, blank=True)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))

    class Meta:
        verbose_name = _("requisition source")
        verbose_name_plural = _("requisition sources")
        ordering = ["line_id", "id"]
        indexes = [models.Index(fields=["source_type", "source_id"])]

    def __str__(self):
        return f"{self.source_number} → {self.line_id}"


# --- purchase orders ------------------------------------------------------------------------


def _po_line_open_qty(line: str = "", order: str = "order__"):
    """未到货 open quantity of a PO line as SQL (`line`/`order`: the paths to the line and its
    order): the rule of `PurchaseOrderLine.open_qty` (keep the two side by side)."""
    return Case(
        When(Q(**{f"{line}closed": True}) | Q(**{f"{order}status__in": ENDED_ORDER_STATES}), then=Value(ZERO)),
        default=Greatest(F(f"{line}qty") - F(f"{line}received_qty") + F(f"{line}returned_qty"), Value(ZERO)),
        output_field=QTY,
    )


PO_LINE_OPEN_QTY = _po_line_open_qty()


class PurchaseOrderQuerySet(models.QuerySet):
    def with_open_qty(self):
        """Annotates `open_qty`: the sum of the lines' open quantities (PO_LINE_OPEN_QTY)."""
        return self.annotate(
            open_qty=Coalesce(Sum(_po_line_open_qty(line="lines__", order="")), Value(ZERO), output_field=QTY)
        )


class PurchaseOrderLineQuerySet(models.QuerySet):
    def with_open_qty(self):
        """Annotates `open_qty` (= PurchaseOrderLine.open_qty) for filters, sums and ordering."""
        return self.annotate(open_qty=PO_LINE_OPEN_QTY)

    def open(self):
        """Lines still to receive (scheduled receipts): confirmed order, open quantity > 0;
        annotated with `open_qty`."""
        return self.filter(order__status=OrderStatus.CONFIRMED).with_open_qty().filter(open_qty__gt=0)

    def planning_supply(self):
        """Scheduled receipts for MRP: lines of draft or confirmed orders with an open quantity
        (closed lines and closed/cancelled orders never), annotated with `open_qty`."""
        return (
            self.filter(order__status__in=(OrderStatus.DRAFT, OrderStatus.CONFIRMED))
            .with_open_qty()
            .filter(open_qty__gt=0)
        )


class PurchaseOrder(Document):
    """采购订单."""

    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="purchase_orders", verbose_name=_("supplier")
    )
    order_date = models.DateField(_("order date"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving warehouse"),
    )
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    amount = MoneyField(_("amount excl. tax"))
    tax_amount = MoneyField(_("tax"))
    total = MoneyField(_("total incl. tax"))
    history = HistoricalRecords()

    objects = PurchaseOrderQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")

    def set_totals(self, lines) -> None:
        """The stored totals: sums of the lines' rounded amounts."""
        self.amount = sum((ln.amount for ln in lines), ZERO)
        self.tax_amount = sum((ln.tax_amount for ln in lines), ZERO)
        self.total = self.amount + self.tax_amount


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"), default=10)
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))
    unit_price = PriceField(_("unit price"))
    tax_rate = models.DecimalField(_("tax rate"), max_digits=6, decimal_places=4, default=TAX_DEFAULT)
    due_date = models.DateField(_("due date"))
    amount = MoneyField(_("amount excl. tax"))
    tax_amount = MoneyField(_("tax"))
    received_qty = QuantityField(_("received quantity"))
    returned_qty = QuantityField(_("returned quantity"))
    invoiced_qty = QuantityField(_("invoiced quantity"))
    closed = models.BooleanField(_("closed short"), default=False)
    requisition_line = models.ForeignKey(
        RequisitionLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="po_lines",
        verbose_name=_("requisition line"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = PurchaseOrderLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["order_id", "line_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="proc_poline_qty_pos",
                violation_error_message=_("The ordered quantity must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="proc_poline_price_nonneg",
                violation_error_message=_("The unit price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(received_qty__gte=0),
                name="proc_poline_recv_nonneg",
                violation_error_message=_("The received quantity cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.line_no}"

    @property
    def net_received_qty(self) -> Decimal:
        return self.received_qty - self.returned_qty

    @property
    def open_qty(self) -> Decimal:
        """Still to receive: ordered − (received − returned), never below 0; 0 once the line is
        closed short or the order closed or cancelled (PO_LINE_OPEN_QTY in SQL)."""
        if self.closed or self.order.status in ENDED_ORDER_STATES:
            return ZERO
        return max(self.qty - self.net_received_qty, ZERO)

    open_qty = open_qty.setter(_annotation_sink("open_qty"))

    def set_amounts(self) -> None:
        self.amount, self.tax_amount = line_amounts(self.qty, self.unit_price, self.tax_rate)


# --- receipts and returns -------------------------------------------------------------------


class PurchaseReceipt(Document):
    """采购入库单: posted at once; stock at the PO price, accrued (暂估) until invoiced."""

    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("purchase order")
    )
    receipt_date = models.DateField(_("receipt date"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    status = models.CharField(_("status"), max_length=20, choices=PostedStatus.choices, default=PostedStatus.DONE)
    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("purchase receipt")
        verbose_name_plural = _("purchase receipts")


class PurchaseReceiptLine(models.Model):
    receipt = models.ForeignKey(PurchaseReceipt, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"), default=10)
    po_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines", verbose_name=_("PO line")
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))
    unit_price = PriceField(_("unit price"))
    value = MoneyField(_("value"))
    returned_qty = QuantityField(_("returned quantity"))
    invoiced_qty = QuantityField(_("invoiced quantity"))
    invoiced_value = MoneyField(_("invoiced value"))

    class Meta:
        verbose_name = _("purchase receipt line")
        verbose_name_plural = _("purchase receipt lines")
        ordering = ["receipt_id", "line_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="proc_grline_qty_pos",
                violation_error_message=_("The received quantity must be greater than 0."),
            )
        ]

    def __str__(self):
        return f"{self.receipt_id}/{self.line_no}"

    @property
    def uninvoiced_qty(self):
        return self.qty - self.returned_qty - self.invoiced_qty


class PurchaseReturn(Document):
    """采购退货单 (退料): returns received, not yet invoiced goods to the supplier."""

    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    receipt = models.ForeignKey(
        PurchaseReceipt, on_delete=models.PROTECT, related_name="returns", verbose_name=_("purchase receipt")
    )
    return_date = models.DateField(_("return date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PostedStatus.choices, default=PostedStatus.DONE)
    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("purchase return")
        verbose_name_plural = _("purchase returns")


class PurchaseReturnLine(models.Model):
    purchase_return = models.ForeignKey(PurchaseReturn, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"), default=10)
    receipt_line = models.ForeignKey(
        PurchaseReceiptLine, on_delete=models.PROTECT, related_name="return_lines", verbose_name=_("receipt line")
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))
    value = MoneyField(_("value"))

    class Meta:
        verbose_name = _("purchase return line")
        verbose_name_plural = _("purchase return lines")
        ordering = ["purchase_return_id", "line_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="proc_rtline_qty_pos",
                violation_error_message=_("The returned quantity must be greater than 0."),
            )
        ]


# --- outsourcing ----------------------------------------------------------------------------

# 未完工 open quantity of an outsourcing order as SQL: the rule of `OutsourcingOrder.open_qty`.
OO_OPEN_QTY = Case(
    When(status__in=ENDED_ORDER_STATES, then=Value(ZERO)),
    default=Greatest(F("qty") - F("received_qty"), Value(ZERO)),
    output_field=QTY,
)


class OutsourcingOrderQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=OrderStatus.CONFIRMED)

    def with_open_qty(self):
        """Annotates `open_qty` (= OutsourcingOrder.open_qty)."""
        return self.annotate(open_qty=OO_OPEN_QTY)

    def open(self):
        """Confirmed orders with something still to receive (scheduled receipts); annotated."""
        return self.confirmed().with_open_qty().filter(open_qty__gt=0)

    def planning(self):
        """Orders MRP plans with (draft or confirmed), annotated with `open_qty`."""
        return self.filter(status__in=(OrderStatus.DRAFT, OrderStatus.CONFIRMED)).with_open_qty()


# Material at the subcontractor's side issued for an order, net: issued + supplement − returned.
OO_NET_ISSUED = F("issued_qty") + F("supplement_qty") - F("returned_qty")


class OutsourcingMaterialQuerySet(models.QuerySet):
    def of_confirmed_orders(self):
        return self.filter(order__status=OrderStatus.CONFIRMED)

    def of_planning_orders(self):
        """Material lists of the orders MRP plans with (draft or confirmed)."""
        return self.filter(order__status__in=(OrderStatus.DRAFT, OrderStatus.CONFIRMED))

    def with_net_issued(self):
        """Annotates `net_issued_qty` (= OutsourcingMaterial.net_issued_qty)."""
        return self.annotate(net_issued_qty=models.ExpressionWrapper(OO_NET_ISSUED, output_field=QTY))


class OutsourcingOrder(Document, SourceLinkMixin):
    """委外加工单: the supplier makes `item` from our material, for a fee per unit."""

    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="outsourcing_orders", verbose_name=_("supplier")
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))
    unit_fee = PriceField(_("processing fee per unit"))
    tax_rate = models.DecimalField(_("tax rate"), max_digits=6, decimal_places=4, default=TAX_DEFAULT)
    bom = models.ForeignKey(
        "bom.Bom", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("BOM version")
    )
    order_date = models.DateField(_("order date"))
    start_date = models.DateField(_("start date"))
    due_date = models.DateField(_("due date"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving warehouse"),
    )
    received_qty = QuantityField(_("received quantity"))
    sales_order_line = models.ForeignKey(
        "crm.SalesOrderLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sales order line"),
    )
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    amount = MoneyField(_("processing fee excl. tax"))
    tax_amount = MoneyField(_("tax"))
    total = MoneyField(_("total incl. tax"))
    history = HistoricalRecords()

    objects = OutsourcingOrderQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("outsourcing order")
        verbose_name_plural = _("outsourcing orders")
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="proc_oo_qty_pos",
                violation_error_message=_("The quantity must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=Q(unit_fee__gte=0),
                name="proc_oo_fee_nonneg",
                violation_error_message=_("The processing fee cannot be negative."),
            ),
        ]

    @property
    def open_qty(self) -> Decimal:
        """Still to receive: ordered − received, never below 0; 0 once closed or cancelled
        (OO_OPEN_QTY in SQL)."""
        if self.status in ENDED_ORDER_STATES:
            return ZERO
        return max(self.qty - self.received_qty, ZERO)

    open_qty = open_qty.setter(_annotation_sink("open_qty"))

    @property
    def received_pct(self) -> Decimal:
        return self.received_qty * 100 / self.qty if self.qty else ZERO

    def set_totals(self) -> None:
        """The stored fee totals of the order (one line: quantity × fee per unit)."""
        self.amount, self.tax_amount = line_amounts(self.qty, self.unit_fee, self.tax_rate)
        self.total = self.amount + self.tax_amount


class OutsourcingMaterial(models.Model):
    """One component of an outsourcing order's own material list (委外用料清单)."""

    order = models.ForeignKey(OutsourcingOrder, on_delete=models.CASCADE, related_name="materials")
    line_no = models.PositiveIntegerField(_("line"), default=10)
    component = models.ForeignKey(
        "inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("component")
    )
    qty_per = QuantityField(_("quantity per"))
    required_qty = QuantityField(_("required quantity"))
    issue_method = models.CharField(_("issue method"), max_length=20, default="manual")
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issue warehouse"),
    )
    bom_line_id = models.BigIntegerField(_("BOM line"), null=True, blank=True)
    issued_qty = QuantityField(_("issued"))
    supplement_qty = QuantityField(_("supplement"))
    returned_qty = QuantityField(_("returned"))
    consumed_qty = QuantityField(_("consumed"))
    scrapped_qty = QuantityField(_("scrapped"))

    objects = OutsourcingMaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("outsourcing material")
        verbose_name_plural = _("outsourcing materials")
        ordering = ["order_id", "line_no"]

    def __str__(self):
        return f"{self.order_id}/{self.line_no}"

    @property
    def net_issued_qty(self) -> Decimal:
        """Issued + supplement − returned (OO_NET_ISSUED in SQL)."""
        return self.issued_qty + self.supplement_qty - self.returned_qty

    net_issued_qty = net_issued_qty.setter(_annotation_sink("net_issued_qty"))

    @property
    def still_needed_qty(self) -> Decimal:
        """Material still needed for the order's open quantity: required × open / ordered."""
        order = self.order
        return self.required_qty * order.open_qty / order.qty if order.qty else ZERO

    @property
    def remaining_qty(self):
        """At the subcontractor: issued + supplement − returned − consumed − scrapped."""
        return self.issued_qty + self.supplement_qty - self.returned_qty - self.consumed_qty - self.scrapped_qty


class OutsourcingIssueKind(models.TextChoices):
    ISSUE = "issue", _("Issue (委外发料)")
    SUPPLEMENT = "supplement", _("Supplement (委外补料)")
    RETURN = "return", _("Return (委外退料)")
    SCRAP = "scrap", _("Scrap at subcontractor (委外报废)")


class OutsourcingIssue(Document):
    """委外发料 / 补料 / 退料 / 报废: moves material between our warehouse and the subcontractor's location."""

    order = models.ForeignKey(
        OutsourcingOrder, on_delete=models.PROTECT, related_name="issues", verbose_name=_("outsourcing order")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OutsourcingIssueKind.choices)
    issue_date = models.DateField(_("date"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("our warehouse"),
    )
    status = models.CharField(_("status"), max_length=20, choices=PostedStatus.choices, default=PostedStatus.DONE)
    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("outsourcing material movement")
        verbose_name_plural = _("outsourcing material movements")


class OutsourcingIssueLine(models.Model):
    issue = models.ForeignKey(OutsourcingIssue, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"), default=10)
    material = models.ForeignKey(
        OutsourcingMaterial, on_delete=models.PROTECT, related_name="issue_lines", verbose_name=_("material")
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))

    class Meta:
        verbose_name = _("outsourcing movement line")
        verbose_name_plural = _("outsourcing movement lines")
        ordering = ["issue_id", "line_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="proc_oiline_qty_pos",
                violation_error_message=_("The quantity moved must be greater than 0."),
            )
        ]


class OutsourcingReceipt(Document):
    """委外入库单: the finished item in, material at the subcontractor consumed, fee accrued."""

    order = models.ForeignKey(
        OutsourcingOrder, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("outsourcing order")
    )
    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    receipt_date = models.DateField(_("receipt date"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    qty = QuantityField(_("quantity"))
    unit_fee = PriceField(_("processing fee per unit"))
    fee_value = MoneyField(_("processing fee"))
    material_value = MoneyField(_("material value"))
    invoiced_qty = QuantityField(_("invoiced quantity"))
    invoiced_value = MoneyField(_("invoiced value"))
    status = models.CharField(_("status"), max_length=20, choices=PostedStatus.choices, default=PostedStatus.DONE)
    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("outsourcing receipt")
        verbose_name_plural = _("outsourcing receipts")
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="proc_or_qty_pos",
                violation_error_message=_("The received quantity must be greater than 0."),
            )
        ]

    @property
    def uninvoiced_qty(self):
        return self.qty - self.invoiced_qty


class OutsourcingConsumption(models.Model):
    """Material consumed at the subcontractor by one outsourcing receipt (backflush by the BOM)."""

    receipt = models.ForeignKey(OutsourcingReceipt, on_delete=models.CASCADE, related_name="consumptions")
    material = models.ForeignKey(OutsourcingMaterial, on_delete=models.PROTECT, related_name="consumptions")
    qty = QuantityField(_("quantity"))
    value = MoneyField(_("value"))

    class Meta:
        verbose_name = _("outsourcing consumption")
        verbose_name_plural = _("outsourcing consumptions")


# --- supplier invoices ----------------------------------------------------------------------


class InvoiceKind(models.TextChoices):
    PURCHASE = "purchase", _("Purchase invoice (采购发票)")
    OUTSOURCING = "outsourcing", _("Outsourcing fee invoice (委外加工费发票)")


class SupplierInvoice(Document):
    """采购发票 / 委外加工费发票, matched to receipt lines (钩稽)."""

    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("supplier")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InvoiceKind.choices, default=InvoiceKind.PURCHASE)
    invoice_date = models.DateField(_("invoice date"))
    due_date = models.DateField(_("payment due date"))
    supplier_invoice_no = models.CharField(_("supplier's invoice number"), max_length=60, blank=True)
    amount = MoneyField(_("amount excl. tax"))
    tax_amount = MoneyField(_("tax"))
    total = MoneyField(_("total incl. tax"))
    paid_amount = MoneyField(_("paid"))
    status = models.CharField(_("status"), max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("supplier invoice")
        verbose_name_plural = _("supplier invoices")
        permissions = [
            ("confirm_supplierinvoice", "Can post and match supplier invoices"),
            ("pay_supplierinvoice", "Can record payments of supplier invoices"),
        ]

    def set_totals(self, lines) -> None:
        """The stored totals: sums of the lines' rounded amounts."""
        self.amount = sum((ln.amount for ln in lines), ZERO)
        self.tax_amount = sum((ln.tax_amount for ln in lines), ZERO)
        self.total = self.amount + self.tax_amount

    @property
    def open_amount(self) -> Decimal:
        return self.total - self.paid_amount


class SupplierInvoiceLine(models.Model):
    invoice = models.ForeignKey(SupplierInvoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"), default=10)
    receipt_line = models.ForeignKey(
        PurchaseReceiptLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
        verbose_name=_("receipt line"),
    )
    outsourcing_receipt = models.ForeignKey(
        OutsourcingReceipt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
        verbose_name=_("outsourcing receipt"),
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity"))
    unit_price = PriceField(_("unit price"))
    amount = MoneyField(_("amount excl. tax"))
    tax_rate = models.DecimalField(_("tax rate"), max_digits=6, decimal_places=4, default=TAX_DEFAULT)
    tax_amount = MoneyField(_("tax"))
    accrued_value = MoneyField(_("accrued value"))
    difference = MoneyField(_("difference"))

    class Meta:
        verbose_name = _("supplier invoice line")
        verbose_name_plural = _("supplier invoice lines")
        ordering = ["invoice_id", "line_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="proc_piline_qty_pos",
                violation_error_message=_("The invoiced quantity must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=Q(receipt_line__isnull=False) | Q(outsourcing_receipt__isnull=False),
                name="proc_piline_matched",
                violation_error_message=_("Every invoice line must be matched to a receipt."),
            ),
        ]


# --- ledgers (append-only) ------------------------------------------------------------------


class AccrualReason(models.TextChoices):
    RECEIPT = "receipt", _("Receipt accrued")
    INVOICE = "invoice", _("Reversed on invoice")
    RETURN = "return", _("Returned to supplier")
    PERIOD_START = "period_start", _("Reversed at period start")
    PERIOD_END = "period_end", _("Re-accrued at period end")
    CANCEL = "cancel", _("Cancelled")


class AccrualEntry(models.Model):
    """暂估 ledger: + accrued, − reversed; balance per receipt line = sum. Never updated or deleted."""

    entry_date = models.DateField(_("date"), db_index=True)
    period = models.ForeignKey("erp.Period", on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    source_type = models.CharField(_("source document type"), max_length=60)
    source_id = models.BigIntegerField(_("source line"))
    source_number = models.CharField(_("source number"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=AccrualReason.choices)
    document_number = models.CharField(_("document"), max_length=40, blank=True)
    qty = QuantityField(_("quantity"))
    amount = MoneyField(_("amount"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("accrual entry")
        verbose_name_plural = _("accrual ledger")
        permissions = [("roll_accruals", "Can reverse and re-accrue accruals at period boundaries")]
        ordering = ["entry_date", "id"]
        indexes = [models.Index(fields=["source_type", "source_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "reason", "period"],
                condition=Q(reason__in=["period_start", "period_end", "receipt"]),
                name="proc_accrual_once_per_period",
                violation_error_message=_("This accrual was already posted in this period."),
            )
        ]

    def __str__(self):
        return f"{self.source_number} {self.reason} {self.amount}"


class AdjustmentTarget(models.TextChoices):
    STOCK = "stock", _("Stock value")
    ISSUED = "issued", _("Cost of goods issued / WIP")


class AdjustmentKind(models.TextChoices):
    ACCRUAL_REVERSAL = "accrual_reversal", _("Accrual reversed (红字冲回)")
    INVOICE_COST = "invoice_cost", _("Invoice cost (蓝字)")
    PRICE_DIFFERENCE = "price_difference", _("Price difference (差额调整)")
    REACCRUAL = "reaccrual", _("Re-accrued (重新暂估)")


class CostAdjustmentEntry(models.Model):
    """Value corrections from invoices: to stock value (a value-only stock move exists too) or to the
    cost of what was already issued (costing picks these up). Never updated or deleted."""

    entry_date = models.DateField(_("date"), db_index=True)
    period = models.ForeignKey("erp.Period", on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=AdjustmentKind.choices)
    target = models.CharField(_("posted to"), max_length=10, choices=AdjustmentTarget.choices)
    amount = MoneyField(_("amount"))
    source_type = models.CharField(_("source document type"), max_length=60)
    source_id = models.BigIntegerField(_("source line"))
    document_number = models.CharField(_("document"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cost adjustment entry")
        verbose_name_plural = _("cost adjustment entries")
        ordering = ["entry_date", "id"]
        indexes = [models.Index(fields=["source_type", "source_id"])]

    def __str__(self):
        return f"{self.document_number} {self.kind} {self.amount}"
