"""CRM and sales: customers, leads, opportunities, follow-ups, quotations, sales orders,
forecasts, deliveries, returns, invoices (数电), payment plans, receipts, service tickets."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.fields import ZERO, MoneyField, PriceField, QuantityField, round_money
from erp.models import Document, TimeStampedModel
from erp.texts import render_text

from .states import (
    InvoiceKind,
    LeadStatus,
    OrderStatus,
    PostStatus,
    QuotationStatus,
    RedReason,
    ShipStatus,
    Stage,
    TicketStatus,
    source_label,
)

DEFAULT_TAX_RATE = Decimal("0.13")


def RateField(verbose_name=None, **kwargs):  # noqa: N802 - field factory
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=4, **kwargs)


# --------------------------------------------------------------------------- vocabulary
class OwnedQuerySet(models.QuerySet):
    """Query vocabulary shared by the records that belong to someone (crm/access.py)."""

    def for_owner(self, user):
        """The records `user` may see: own, their team's (managers), all (administrators)."""
        from .access import scope

        return scope(self, user)


def _annotation_sink(name: str):
    """Setter of a derived property whose QuerySet annotation has the same name: the database
    computed the same figure from the same row, the property keeps computing it from the fields."""

    def setter(self, value) -> None:
        pass

    setter.__name__ = name
    return setter


# --------------------------------------------------------------------------- customers
class SalesTeam(models.Model):
    """销售团队: the manager may act on the customers, leads, opportunities and documents owned by
    the members (crm/access.py); administrators may act on all of them."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team manager"),
        on_delete=models.PROTECT,
        related_name="crm_managed_teams",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="crm_teams"
    )

    class Meta:
        verbose_name = _("sales team")
        verbose_name_plural = _("sales teams")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CustomerLevel(models.TextChoices):
    A = "A", _("A (key account)")
    B = "B", _("B (regular)")
    C = "C", _("C (small)")


class Customer(TimeStampedModel):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=30, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crm_customers",
        help_text=_("Empty: the customer is in the shared pool."),
    )
    level = models.CharField(_("level"), max_length=2, choices=CustomerLevel.choices, default=CustomerLevel.B)
    source = models.CharField(_("source"), max_length=60, blank=True)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    credit_limit = MoneyField(_("credit limit"), help_text=_("0 = no limit"))
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), default=30)
    invoice_title = models.CharField(_("invoice title"), max_length=200, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=100, blank=True)
    invoice_address = models.CharField(_("invoice address and phone"), max_length=300, blank=True)
    last_followup_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        permissions = [("change_credit_limit", _("Can change customer credit limits"))]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def source_label(self) -> str:
        return source_label(self.source)

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]

    def __str__(self):
        return self.name


# --------------------------------------------------------------------------- pipeline
class Lead(TimeStampedModel):
    company = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # marketing (issue 19): the campaign that brought the lead; a merged duplicate points to the kept lead
    tax_id = models.CharField(_("tax ID"), max_length=30, blank=True)
    campaign = models.ForeignKey(
        "crm.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), on_delete=models.PROTECT, null=True, blank=True, related_name="merged"
    )
    history = HistoricalRecords()

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at"]

    def __str__(self):
        return self.company

    @property
    def source_label(self) -> str:
        return source_label(self.source)


class Opportunity(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="opportunities"
    )
    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.PROTECT, null=True, blank=True, related_name="opportunities"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.INITIAL)
    amount = MoneyField(_("amount"))
    close_date = models.DateField(_("expected close date"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(_("probability %"), default=10)
    lost_reason = models.CharField(_("lost reason"), max_length=200, blank=True)
    reached_rank = models.PositiveSmallIntegerField(_("furthest stage reached"), default=1, editable=False)
    closed_at = models.DateTimeField(_("date won or lost"), null=True, blank=True)
    # marketing (issue 19)
    campaign = models.ForeignKey(
        "crm.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    source = models.CharField(_("source"), max_length=60, blank=True)
    history = HistoricalRecords()

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__lte=100),
                name="opp_probability_le_100",
                violation_error_message=_("The probability must lie between 0 and 100 %%."),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def source_label(self) -> str:
        return source_label(self.source)


class OpportunityLine(models.Model):
    """商机产品 (issue 19 demand link): the products an opportunity is expected to bring, quoted
    from these lines and weighted by probability into forecast entries (crm.services.demand)."""

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="lines"
    )
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey("inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    qty = QuantityField(_("quantity"))
    unit_price = PriceField(_("expected unit price excl. tax"))

    class Meta:
        verbose_name = _("opportunity line")
        verbose_name_plural = _("opportunity lines")
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "line_no"], name="uniq_opportunity_line"),
            models.CheckConstraint(
                condition=models.Q(qty__gt=0),
                name="opportunity_line_qty_gt_0",
                violation_error_message=_("The quantity of an opportunity line must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="opportunity_line_price_ge_0",
                violation_error_message=_("The expected unit price cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.opportunity_id}/{self.line_no}"


class StageChange(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_at", "pk"]


class FollowUpMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    OTHER = "other", _("Other")


class FollowUp(models.Model):
    """跟进记录: on a customer, a lead or an opportunity; `next_date` is a reminder for the user."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, null=True, blank=True, related_name="followups"
    )
    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, null=True, blank=True, related_name="followups"
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followups",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("date"))
    method = models.CharField(_("method"), max_length=20, choices=FollowUpMethod.choices, default=FollowUpMethod.PHONE)
    content = models.TextField(_("content"))
    next_date = models.DateField(_("next follow-up"), null=True, blank=True)
    reminder_done = models.BooleanField(_("reminder done"), default=False)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.content[:30]}"


# --------------------------------------------------------------------------- quotations and orders
class Quotation(Document):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotations"
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotations",
    )
    quote_date = models.DateField(_("quotation date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=QuotationStatus.choices, default=QuotationStatus.DRAFT
    )
    amount = MoneyField(_("amount excl. tax"))
    tax_amount = MoneyField(_("tax"))
    total = MoneyField(_("total incl. tax"))
    history = HistoricalRecords()

    objects = OwnedQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")


class QuotationLine(models.Model):
    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey("inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    qty = QuantityField(_("quantity"))
    unit_price = PriceField(_("unit price excl. tax"))
    tax_rate = RateField(_("tax rate"), default=DEFAULT_TAX_RATE)
    discount_rate = RateField(_("discount rate"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    amount = MoneyField(_("amount excl. tax"))
    tax_amount = MoneyField(_("tax"))

    class Meta:
        verbose_name = _("quotation line")
        verbose_name_plural = _("quotation lines")
        ordering = ["line_no"]
        constraints = [models.UniqueConstraint(fields=["quotation", "line_no"], name="uniq_quotation_line")]


class SalesOrderQuerySet(OwnedQuerySet):
    def open(self):
        """Confirmed orders (their open lines are demand; closing or cancelling ends that)."""
        return self.filter(status=OrderStatus.CONFIRMED)


# 未出库 open quantity of a sales-order line: still to deliver, 0 once the line is closed. The SQL
# rendering of `SalesOrderLine.open_qty` (keep the two side by side).
OPEN_QTY = Case(
    When(closed=True, then=Value(ZERO)),
    default=Greatest(F("qty") - F("delivered_qty"), Value(ZERO)),
    output_field=models.DecimalField(max_digits=18, decimal_places=6),
)


class SalesOrderLineQuerySet(models.QuerySet):
    def open(self):
        """Lines still to deliver: confirmed order, line not closed, delivered < ordered (the
        demand MRP and available-to-promise read)."""
        return self.filter(order__status=OrderStatus.CONFIRMED, closed=False, qty__gt=F("delivered_qty"))

    def open_qty(self):
        """Annotates `open_qty` (= SalesOrderLine.open_qty) for filters, sums and ordering."""
        return self.annotate(open_qty=OPEN_QTY)

    def uninvoiced(self):
        """Lines of confirmed orders, not closed, with a quantity not yet invoiced (the credit
        check's open orders: see SalesOrderLine.uninvoiced_amount)."""
        return self.filter(order__status=OrderStatus.CONFIRMED, closed=False, qty__gt=F("invoiced_qty"))


class SalesOrder(Document):
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders")
    order_date = models.DateField(_("order date"))
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    quotation = models.ForeignKey(
        Quotation, verbose_name=_("quotation"), on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    customer_po = models.CharField(_("customer PO"), max_length=60, blank=True)
    amount = MoneyField(_("amount excl. tax"))
    tax_amount = MoneyField(_("tax"))
    total = MoneyField(_("total incl. tax"))
    history = HistoricalRecords()

    objects = SalesOrderQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        indexes = [models.Index(fields=["status", "order_date"], name="crm_so_status_date")]


def risk_reason_text(cause: str, chain, params: dict | None = None) -> str:
    """ "PO-1 line 1: due … → …; limiting: A: buy, 5 days; FG: make, 2 days" in the current language
    (`cause` and `params`: the change's message id and parameters, erp.texts; `chain`: [[item code,
    supply type, lead time days], ...] as stored on the line)."""
    from django.utils.translation import gettext

    cause = render_text(cause, params)

    labels = {"purchase": _("buy"), "manufacture": _("make"), "outsource": _("outsource"), "phantom": _("phantom")}
    text = "; ".join(
        gettext("%(item)s: %(how)s, %(days)s days") % {"item": code, "how": labels.get(how, how), "days": days}
        for code, how, days in chain or ()
    )
    if not text:
        return cause
    if not cause:
        return gettext("limiting: %(chain)s") % {"chain": text}
    return gettext("%(cause)s; limiting: %(chain)s") % {"cause": cause, "chain": text}


class SalesOrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey("inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    qty = QuantityField(_("quantity"))
    delivered_qty = QuantityField(_("delivered"), help_text=_("Net of returns."))
    invoiced_qty = QuantityField(_("invoiced"))
    due_date = models.DateField(_("due date"))
    promise_date = models.DateField(_("promise date"), null=True, blank=True)
    unit_price = PriceField(_("unit price excl. tax"))
    tax_rate = RateField(_("tax rate"), default=DEFAULT_TAX_RATE)
    discount_rate = RateField(_("discount rate"))
    amount = MoneyField(_("amount excl. tax"))
    tax_amount = MoneyField(_("tax"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("ship from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    quotation_line = models.ForeignKey(
        QuotationLine, on_delete=models.PROTECT, null=True, blank=True, related_name="order_lines"
    )
    closed = models.BooleanField(_("closed"), default=False)
    # supply can no longer meet the promise date (set by MRP's net change, docs/mrp.md §5)
    at_risk = models.BooleanField(_("at risk"), default=False)
    feasible_date = models.DateField(_("feasible date"), null=True, blank=True)
    # the change that caused it, language-neutral: the message id and its parameters (erp.texts)
    risk_cause = models.CharField(_("risk cause"), max_length=300, blank=True)
    risk_params = models.JSONField(_("risk cause parameters"), default=dict, blank=True)
    # the limiting chain, language-neutral: [[item code, supply type, lead time days], ...] (rendered
    # in the reader's language by `risk_reason`)
    risk_chain = models.JSONField(_("limiting chain"), default=list, blank=True)
    risk_checked_at = models.DateTimeField(_("risk checked at"), null=True, blank=True)

    objects = SalesOrderLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales order line")
        verbose_name_plural = _("sales order lines")
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="uniq_sales_order_line"),
            models.CheckConstraint(
                condition=models.Q(qty__gt=0),
                name="so_line_qty_positive",
                violation_error_message=_("The quantity of a sales-order line must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=models.Q(delivered_qty__gte=0),
                name="so_line_delivered_ge_0",
                violation_error_message=_("The delivered quantity cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.order.number}/{self.line_no}"

    @property
    def risk_reason(self) -> str:
        """Why the line is at risk, in the current language (the cause and the limiting chain)."""
        return risk_reason_text(self.risk_cause, self.risk_chain, self.risk_params)

    @property
    def open_qty(self) -> Decimal:
        """Still to deliver: ordered − delivered (net of returns), 0 once closed (OPEN_QTY in SQL)."""
        if self.closed:
            return ZERO
        return max(self.qty - self.delivered_qty, ZERO)

    open_qty = open_qty.setter(_annotation_sink("open_qty"))

    @property
    def uninvoiced_amount(self) -> Decimal:
        """The not yet invoiced share of the line incl. tax, rounded per line:
        (amount + tax) × (qty − invoiced) / qty."""
        if self.qty <= 0 or self.invoiced_qty >= self.qty:
            return ZERO
        return round_money((self.amount + self.tax_amount) * (self.qty - self.invoiced_qty) / self.qty)

    @property
    def ship_status(self) -> str:
        if self.delivered_qty <= 0:
            return ShipStatus.NONE
        if self.delivered_qty < self.qty:
            return ShipStatus.PARTIAL
        return ShipStatus.FULL


class Forecast(models.Model):
    """销售预测: demand of an item on a date (make-to-stock planning); MRP consumes it by month."""

    item = models.ForeignKey("inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    qty = QuantityField(_("quantity"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    # source (issue 19 demand link): set on entries made from the pipeline; manual and imported
    # entries have none and stay one per item and date
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("source opportunity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="forecasts",
    )

    class Meta:
        verbose_name = _("sales forecast")
        verbose_name_plural = _("sales forecasts")
        ordering = ["item_id", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "date"],
                condition=models.Q(opportunity__isnull=True),
                name="uniq_forecast_item_date",
                violation_error_message=_("There is already a forecast for this item and date."),
            ),
            models.UniqueConstraint(
                fields=["item", "date", "opportunity"],
                condition=models.Q(opportunity__isnull=False),
                name="uniq_forecast_item_date_opportunity",
                violation_error_message=_("The opportunity already has a forecast for this item and date."),
            ),
            models.CheckConstraint(
                condition=models.Q(qty__gte=0),
                name="forecast_qty_ge_0",
                violation_error_message=_("The forecast quantity cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.item_id} {self.date} {self.qty}"


# --------------------------------------------------------------------------- deliveries and returns
class Delivery(Document):
    """销售出库."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="deliveries"
    )
    order = models.ForeignKey(
        SalesOrder, verbose_name=_("sales order"), on_delete=models.PROTECT, related_name="deliveries"
    )
    delivery_date = models.DateField(_("delivery date"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    history = HistoricalRecords()

    objects = OwnedQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    order_line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="delivery_lines")
    item = models.ForeignKey("inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    qty = QuantityField(_("quantity"))
    returned_qty = QuantityField(_("quantity returned"))
    invoiced_qty = QuantityField(_("invoiced"))

    class Meta:
        verbose_name = _("delivery line")
        verbose_name_plural = _("delivery lines")
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "line_no"], name="uniq_delivery_line"),
            models.CheckConstraint(
                condition=models.Q(qty__gt=0),
                name="dn_line_qty_positive",
                violation_error_message=_("The quantity of a delivery line must be greater than 0."),
            ),
        ]


class SalesReturn(Document):
    """销售退货: reverses (part of) a delivery."""

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="returns")
    delivery = models.ForeignKey(Delivery, verbose_name=_("delivery"), on_delete=models.PROTECT, related_name="returns")
    return_date = models.DateField(_("return date"))
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    history = HistoricalRecords()

    objects = OwnedQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("sales return")
        verbose_name_plural = _("sales returns")


class SalesReturnLine(models.Model):
    sales_return = models.ForeignKey(SalesReturn, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    delivery_line = models.ForeignKey(DeliveryLine, on_delete=models.PROTECT, related_name="return_lines")
    item = models.ForeignKey("inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    qty = QuantityField(_("quantity"))

    class Meta:
        verbose_name = _("sales return line")
        verbose_name_plural = _("sales return lines")
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["sales_return", "line_no"], name="uniq_sales_return_line"),
            models.CheckConstraint(
                condition=models.Q(qty__gt=0),
                name="sr_line_qty_positive",
                violation_error_message=_("The quantity of a return line must be greater than 0."),
            ),
        ]


# --------------------------------------------------------------------------- invoices and money
# 未收金额 open amount of an invoice: a blue invoice's total − what red-letter invoices reversed −
# what receipts matched; a red invoice is netted into its blue one (0 of its own). The SQL
# rendering of `SalesInvoice.open_amount` (keep the two side by side).
OPEN_AMOUNT = Case(
    When(kind=InvoiceKind.RED, then=Value(ZERO)),
    default=F("total") - F("reversed_amount") - F("paid_amount"),
    output_field=models.DecimalField(max_digits=18, decimal_places=2),
)


class SalesInvoiceQuerySet(OwnedQuerySet):
    def blue(self):
        return self.filter(kind=InvoiceKind.BLUE)

    def confirmed(self):
        return self.filter(status=PostStatus.CONFIRMED)

    def open_amount(self):
        """Annotates `open_amount` (= SalesInvoice.open_amount) for filters, sums and ordering."""
        return self.annotate(open_amount=OPEN_AMOUNT)

    def open(self):
        """Confirmed blue invoices with an open amount (negative: a red invoice reversed more than
        was still unpaid, the customer has a credit); annotated with `open_amount`."""
        return self.confirmed().blue().open_amount().exclude(open_amount=0)

    def overdue(self, as_of: datetime.date | None = None):
        """Open invoices whose due date lies before `as_of` (default today)."""
        return self.open().filter(due_date__lt=as_of or timezone.localdate())


class SalesInvoice(Document):
    """销售发票 (数电). Blue invoices from deliveries; red-letter invoices reference a blue one."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    invoice_date = models.DateField(_("invoice date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    kind = models.CharField(_("invoice kind"), max_length=10, choices=InvoiceKind.choices, default=InvoiceKind.BLUE)
    original = models.ForeignKey(
        "self",
        verbose_name=_("blue invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="red_invoices",
    )
    red_reason = models.CharField(_("red-letter reason"), max_length=2, choices=RedReason.choices, blank=True)
    prices_include_tax = models.BooleanField(_("prices include tax"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    buyer_name = models.CharField(_("buyer name"), max_length=200, blank=True)
    buyer_tax_id = models.CharField(_("buyer tax ID"), max_length=30, blank=True)
    amount = MoneyField(_("amount excl. tax"))
    tax_amount = MoneyField(_("tax"))
    total = MoneyField(_("total incl. tax"))
    paid_amount = MoneyField(_("amount received"))
    reversed_amount = MoneyField(
        _("reversed by red-letter invoices"),
        editable=False,
        help_text=_("Blue invoices: the total of their confirmed red-letter invoices, as a positive amount."),
    )
    request_serial = models.CharField(_("request serial number"), max_length=40, null=True, blank=True, unique=True)
    tax_invoice_number = models.CharField(_("digital invoice number"), max_length=20, blank=True)
    tax_invoice_date = models.DateField(_("digital invoice date"), null=True, blank=True)
    history = HistoricalRecords()

    objects = SalesInvoiceQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("sales invoice")
        verbose_name_plural = _("sales invoices")

    @property
    def open_amount(self) -> Decimal:
        """Blue: total − reversed by red invoices − received; red: 0 (netted into the blue one)."""
        if self.kind == InvoiceKind.RED:
            return ZERO
        return self.total - self.reversed_amount - self.paid_amount

    open_amount = open_amount.setter(_annotation_sink("open_amount"))


class SalesInvoiceLine(models.Model):
    invoice = models.ForeignKey(SalesInvoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey("inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=200, blank=True)
    tax_code = models.CharField(_("tax classification code"), max_length=19)
    delivery_line = models.ForeignKey(
        DeliveryLine, on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_lines"
    )
    original_line = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="red_lines")
    qty = QuantityField(_("quantity"))
    unit_price = PriceField(_("unit price"))
    tax_rate = RateField(_("tax rate"), default=DEFAULT_TAX_RATE)
    amount = MoneyField(_("amount excl. tax"))
    tax_amount = MoneyField(_("tax"))
    gross = MoneyField(_("amount incl. tax"))

    class Meta:
        verbose_name = _("sales invoice line")
        verbose_name_plural = _("sales invoice lines")
        ordering = ["line_no"]
        constraints = [models.UniqueConstraint(fields=["invoice", "line_no"], name="uniq_sales_invoice_line")]


class PaymentPlan(models.Model):
    """回款计划: expected receipts of a sales order."""

    order = models.ForeignKey(
        SalesOrder, verbose_name=_("sales order"), on_delete=models.CASCADE, related_name="payment_plans"
    )
    due_date = models.DateField(_("due date"))
    amount = MoneyField(_("amount"))
    received_amount = MoneyField(_("amount received"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        ordering = ["due_date", "pk"]


class Receipt(Document):
    """回款 / 收款单: money received, matched (核销) to invoices."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="receipts"
    )
    receipt_date = models.DateField(_("date received"))
    amount = MoneyField(_("amount"))
    method = models.CharField(_("method"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    order = models.ForeignKey(
        SalesOrder,
        verbose_name=_("sales order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
    )
    history = HistoricalRecords()

    objects = OwnedQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")


class ReceiptAllocation(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(SalesInvoice, on_delete=models.PROTECT, related_name="allocations")
    amount = MoneyField(_("amount"))

    class Meta:
        verbose_name = _("receipt allocation")
        verbose_name_plural = _("receipt allocations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="receipt_alloc_positive",
                violation_error_message=_("A matched amount must be greater than 0."),
            )
        ]


# --------------------------------------------------------------------------- service
class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class ServiceTicketQuerySet(OwnedQuerySet):
    def open(self):
        """Not yet resolved: open or in progress."""
        return self.filter(status__in=ServiceTicket.OPEN_STATUSES)

    def overdue(self, now=None):
        """Open tickets whose due time has passed (see ServiceTicket.is_overdue)."""
        return self.open().filter(due_at__lt=now or timezone.now())


class ServiceTicket(Document):
    """客户服务."""

    OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets")
    order = models.ForeignKey(
        SalesOrder,
        verbose_name=_("sales order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    status = models.CharField(_("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    due_at = models.DateTimeField(_("due"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # escalation and satisfaction (issue 19, crm/services/tickets.py)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    satisfaction = models.PositiveSmallIntegerField(_("customer satisfaction (1-5)"), null=True, blank=True)
    history = HistoricalRecords()

    objects = ServiceTicketQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("service ticket")
        verbose_name_plural = _("service tickets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="ticket_satisfaction_1_5",
                violation_error_message=_("The satisfaction score lies between 1 and 5."),
            )
        ]

    @property
    def is_overdue(self) -> bool:
        """Open or in progress and the due time has passed."""
        return self.status in self.OPEN_STATUSES and self.due_at < timezone.now()


class ItemTaxCode(models.Model):
    """税收分类编码 of an item for invoicing (19 digits)."""

    item = models.OneToOneField("inventory.Item", verbose_name=_("item"), on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("tax classification code"), max_length=19)
    invoice_name = models.CharField(_("name on invoice"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("item tax classification")
        verbose_name_plural = _("item tax classifications")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{19}$"),
                name="item_tax_code_19_digits",
                violation_error_message=_("The tax classification code must have 19 digits."),
            )
        ]

    def __str__(self):
        return self.code


from .models_marketing import Campaign, CampaignCost, CampaignTouch, DuplicateDecision  # noqa: E402,F401
