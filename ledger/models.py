"""Chart of accounts, vouchers (记账凭证) and their lines, opening balances, posting rules."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from erp.fields import MoneyField


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    COST = "cost", _("Cost")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


class Direction(models.TextChoices):
    DEBIT = "debit", pgettext_lazy("direction", "Debit")
    CREDIT = "credit", pgettext_lazy("direction", "Credit")


class Auxiliary(models.TextChoices):
    NONE = "none", _("None")
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Supplier")
    ITEM_CATEGORY = "item_category", _("Item category")
    WAREHOUSE = "warehouse", _("Warehouse")
    DEPARTMENT = "department", _("Department")


class Account(models.Model):
    code = models.CharField(_("account code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind.choices)
    direction = models.CharField(_("balance direction"), max_length=6, choices=Direction.choices)
    auxiliary = models.CharField(
        _("auxiliary dimension"), max_length=20, choices=Auxiliary.choices, default=Auxiliary.NONE
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def level(self) -> int:
        return self.code.count(".") + 1


class CategoryAccount(models.Model):
    """Which stock account (1403 raw materials / 1405 finished goods) an item category uses."""

    category = models.OneToOneField(
        "inventory.ItemCategory", on_delete=models.CASCADE, related_name="+", verbose_name=_("category")
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("stock account"))

    class Meta:
        verbose_name = _("stock account of a category")
        verbose_name_plural = _("stock accounts of categories")


class PostingRule(models.Model):
    """Voucher template line (凭证模板): document type + role -> account. Missing rules use the
    shipped defaults (ledger/engine/rules.py)."""

    source_type = models.CharField(_("document type"), max_length=60)
    role = models.CharField(_("line kind"), max_length=40)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("account"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("voucher template line")
        verbose_name_plural = _("voucher template lines")
        ordering = ["source_type", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "role"],
                name="uniq_posting_rule",
                violation_error_message=_("This document type and line kind already has an account."),
            )
        ]

    def __str__(self):
        return f"{self.source_type}:{self.role}"


class VoucherStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AUDITED = "audited", _("Audited")
    POSTED = "posted", _("Posted")


class VoucherSequence(models.Model):
    """Last number per period and voucher word; locked while numbering (gap-free)."""

    year = models.PositiveIntegerField()
    month = models.PositiveSmallIntegerField()
    word = models.CharField(max_length=4)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "word"],
                name="uniq_voucher_sequence",
                violation_error_message=_("One numbering sequence per period and voucher word."),
            )
        ]


class Voucher(models.Model):
    word = models.CharField(_("voucher word"), max_length=4, default="记")
    number = models.PositiveIntegerField(_("voucher number"), null=True, blank=True)
    voucher_date = models.DateField(_("date"))
    year = models.PositiveIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    status = models.CharField(_("status"), max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.DRAFT)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    source_type = models.CharField(_("source document type"), max_length=60, blank=True, db_index=True)
    source_id = models.BigIntegerField(_("source document"), null=True, blank=True)
    source_number = models.CharField(_("source number"), max_length=60, blank=True)
    is_reversal = models.BooleanField(_("red reversal"), default=False)
    reversal_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals", verbose_name=_("reverses")
    )
    attachments = models.PositiveSmallIntegerField(_("attachments"), default=0)
    debit_total = MoneyField(_("debit"))
    credit_total = MoneyField(_("credit"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    audited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    audited_at = models.DateTimeField(_("audited at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-year", "-month", "word", "-number", "-pk"]
        indexes = [models.Index(fields=["source_type", "source_id"]), models.Index(fields=["year", "month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "word", "number"],
                name="uniq_voucher_number",
                violation_error_message=_("This voucher number is already used in the period."),
            ),
            models.CheckConstraint(
                condition=Q(debit_total=models.F("credit_total")),
                name="voucher_balanced",
                violation_error_message=_("The debits and credits of a voucher must be equal."),
            ),
        ]

    def __str__(self):
        if self.number:
            return f"{self.word}-{self.number:04d} ({self.year}-{self.month:02d})"
        return f"{self.word}-{_('draft')} #{self.pk}"

    @property
    def period_label(self) -> str:
        return f"{self.year}-{self.month:02d}"


class VoucherLine(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines", verbose_name=_("account"))
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    debit = MoneyField(_("debit"))
    credit = MoneyField(_("credit"))
    aux_kind = models.CharField(_("auxiliary dimension"), max_length=20, blank=True)
    aux_id = models.BigIntegerField(_("auxiliary id"), null=True, blank=True)
    aux_label = models.CharField(_("auxiliary"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("voucher line")
        verbose_name_plural = _("voucher lines")
        ordering = ["voucher", "line_no"]
        indexes = [models.Index(fields=["account", "aux_kind", "aux_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(debit=0) | Q(credit=0),
                name="voucher_line_one_side",
                violation_error_message=_("A voucher line is either a debit or a credit."),
            )
        ]

    def __str__(self):
        return f"{self.account.code} {self.debit} {self.credit}"


class OpeningBalance(models.Model):
    """期初余额 of the first open period, per account (and auxiliary item)."""

    year = models.PositiveIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="openings", verbose_name=_("account"))
    aux_kind = models.CharField(_("auxiliary dimension"), max_length=20, blank=True)
    aux_id = models.BigIntegerField(_("auxiliary id"), null=True, blank=True)
    aux_label = models.CharField(_("auxiliary"), max_length=200, blank=True)
    debit = MoneyField(_("debit"))
    credit = MoneyField(_("credit"))

    class Meta:
        verbose_name = _("opening balance")
        verbose_name_plural = _("opening balances")
        ordering = ["account__code"]
