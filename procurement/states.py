"""Statuses and allowed transitions of the purchasing and outsourcing documents."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from erp.states import Flow


class RequisitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# approved → closed: every line ordered (or closed by hand); closed → approved: an order line
# was cancelled or reduced, so something is open again (never by approving a closed requisition).
REQUISITION_FLOW = Flow(
    {
        RequisitionStatus.DRAFT: {RequisitionStatus.APPROVED, RequisitionStatus.CANCELLED},
        RequisitionStatus.APPROVED: {RequisitionStatus.CLOSED, RequisitionStatus.CANCELLED},
        RequisitionStatus.CLOSED: {RequisitionStatus.APPROVED},
    }
)


class OrderStatus(models.TextChoices):
    """Purchase orders and outsourcing orders."""

    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


ORDER_FLOW = Flow(
    {
        OrderStatus.DRAFT: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
        OrderStatus.CONFIRMED: {OrderStatus.CLOSED, OrderStatus.CANCELLED},
    }
)


class PostedStatus(models.TextChoices):
    """Receipts, returns, issues: posted at once; cancelled by reversing moves."""

    DONE = "done", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


POSTED_FLOW = Flow({PostedStatus.DONE: {PostedStatus.CANCELLED}})


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


INVOICE_FLOW = Flow(
    {
        InvoiceStatus.DRAFT: {InvoiceStatus.CONFIRMED, InvoiceStatus.CANCELLED},
    }
)
