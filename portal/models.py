"""Supplier collaboration (供应商协同): portal users of one supplier, their answers to purchase
order lines, shipping notices (发货通知 / ASN) and subcontractors' progress reports.

Every row a supplier can reach carries its `supplier` (denormalised from the order), so one
filter scopes it (portal/access.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.fields import QuantityField
from erp.models import Document, TimeStampedModel

from .states import AnswerKind, AnswerStatus, NoticeStatus


class SupplierUser(TimeStampedModel):
    """A login of one supplier or subcontractor (role 供应商): sees only that supplier's documents."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supplier_link", verbose_name=_("user")
    )
    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="portal_users", verbose_name=_("supplier")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier portal user")
        verbose_name_plural = _("supplier portal users")

    def __str__(self):
        return f"{self.user} ({self.supplier})"


class Invitation(TimeStampedModel):
    """An invitation link a buyer sends to a supplier's contact; used once, before it expires."""

    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="portal_invitations", verbose_name=_("supplier")
    )
    email = models.EmailField(_("e-mail"))
    token = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account created"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("portal invitation")
        verbose_name_plural = _("portal invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.supplier} {self.email}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class LineAnswer(TimeStampedModel):
    """A supplier's answer to one purchase order line: a confirmation of the line as it stands, or
    a proposal of another quantity and/or date (with a note) that the buyer accepts or rejects.
    `line_qty`/`line_due_date`: the line when answered; `agreed_qty`/`agreed_date`: what both
    sides agreed (set on confirmation and on acceptance)."""

    po_line = models.ForeignKey(
        "procurement.PurchaseOrderLine",
        on_delete=models.CASCADE,
        related_name="portal_answers",
        verbose_name=_("purchase order line"),
    )
    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    kind = models.CharField(_("answer"), max_length=20, choices=AnswerKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=AnswerStatus.choices)
    line_qty = QuantityField(_("ordered quantity"))
    line_due_date = models.DateField(_("due date"))
    proposed_qty = models.DecimalField(_("proposed quantity"), max_digits=18, decimal_places=6, null=True, blank=True)
    proposed_date = models.DateField(_("proposed date"), null=True, blank=True)
    agreed_qty = models.DecimalField(_("agreed quantity"), max_digits=18, decimal_places=6, null=True, blank=True)
    agreed_date = models.DateField(_("agreed date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reject_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order line answer")
        verbose_name_plural = _("order line answers")
        ordering = ["-created_at", "-id"]
        permissions = [("review_lineanswer", "Can accept or reject suppliers' proposals")]
        constraints = [
            models.UniqueConstraint(
                fields=["po_line"],
                condition=Q(status="pending"),
                name="portal_one_pending_proposal",
                violation_error_message=_("This line already has a proposal waiting for the buyer."),
            ),
            models.CheckConstraint(
                condition=Q(proposed_qty__isnull=True) | Q(proposed_qty__gt=0),
                name="portal_proposed_qty_pos",
                violation_error_message=_("The proposed quantity must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="propose") | Q(proposed_qty__isnull=False) | Q(proposed_date__isnull=False),
                name="portal_proposal_has_change",
                violation_error_message=_("A proposal needs another quantity or another date."),
            ),
        ]

    def __str__(self):
        return f"{self.po_line_id} {self.kind} {self.status}"


class ShippingNotice(Document):
    """发货通知 (ASN): what a supplier ships against one purchase order (or a subcontractor delivers
    against one outsourcing order), when it arrives, with carrier and tracking number."""

    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="shipping_notices", verbose_name=_("supplier")
    )
    order = models.ForeignKey(
        "procurement.PurchaseOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipping_notices",
        verbose_name=_("purchase order"),
    )
    outsourcing_order = models.ForeignKey(
        "procurement.OutsourcingOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipping_notices",
        verbose_name=_("outsourcing order"),
    )
    ship_date = models.DateField(_("ship date"))
    expected_date = models.DateField(_("expected arrival"))
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.SUBMITTED)
    receipt = models.ForeignKey(
        "procurement.PurchaseReceipt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("purchase receipt"),
    )
    outsourcing_receipt = models.ForeignKey(
        "procurement.OutsourcingReceipt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outsourcing receipt"),
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("shipping notice")
        verbose_name_plural = _("shipping notices")
        constraints = [
            models.CheckConstraint(
                condition=Q(order__isnull=False, outsourcing_order__isnull=True)
                | Q(order__isnull=True, outsourcing_order__isnull=False),
                name="portal_notice_one_order",
                violation_error_message=_("A shipping notice belongs to exactly one order."),
            ),
            models.CheckConstraint(
                condition=Q(expected_date__gte=models.F("ship_date")),
                name="portal_notice_arrival_after_ship",
                violation_error_message=_("The expected arrival cannot be before the ship date."),
            ),
        ]


class ShippingNoticeLine(models.Model):
    notice = models.ForeignKey(ShippingNotice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"), default=10)
    po_line = models.ForeignKey(
        "procurement.PurchaseOrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notice_lines",
        verbose_name=_("PO line"),
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    qty = QuantityField(_("quantity shipped"))
    batch_no = models.CharField(_("batch number"), max_length=60, blank=True)
    received_qty = QuantityField(_("quantity received"))

    class Meta:
        verbose_name = _("shipping notice line")
        verbose_name_plural = _("shipping notice lines")
        ordering = ["notice_id", "line_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty__gt=0),
                name="portal_noticeline_qty_pos",
                violation_error_message=_("The shipped quantity must be greater than 0."),
            ),
        ]

    def __str__(self):
        return f"{self.notice_id}/{self.line_no}"

    @property
    def difference(self):
        return self.received_qty - self.qty


class ProgressReport(TimeStampedModel):
    """A subcontractor's progress on one outsourcing order: quantity finished so far and the
    expected completion; a new expected date moves the order's due date."""

    order = models.ForeignKey(
        "procurement.OutsourcingOrder",
        on_delete=models.CASCADE,
        related_name="progress_reports",
        verbose_name=_("outsourcing order"),
    )
    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    finished_qty = QuantityField(_("quantity finished"))
    expected_date = models.DateField(_("expected completion"))
    previous_date = models.DateField(_("previous due date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_qty__gte=0),
                name="portal_progress_qty_nonneg",
                violation_error_message=_("The finished quantity cannot be negative."),
            ),
        ]
