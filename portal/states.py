"""Statuses and transitions of the portal's documents."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erp.states import Flow


class AnswerKind(models.TextChoices):
    CONFIRM = "confirm", _("Confirmed as ordered")
    PROPOSE = "propose", _("Proposal")


class AnswerStatus(models.TextChoices):
    CONFIRMED = "confirmed", pgettext_lazy("supplier answer", "Confirmed")
    PENDING = "pending", _("Waiting for the buyer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


# A confirmation is final at once; a proposal waits for the buyer, who accepts or rejects it.
ANSWER_FLOW = Flow({AnswerStatus.PENDING: {AnswerStatus.ACCEPTED, AnswerStatus.REJECTED}})


class NoticeStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Announced")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


NOTICE_FLOW = Flow({NoticeStatus.SUBMITTED: {NoticeStatus.RECEIVED, NoticeStatus.CANCELLED}})


class LineState(models.TextChoices):
    """Where a PO line stands between us and the supplier (derived, not stored)."""

    NEW = "new", _("Awaiting confirmation")
    CHANGED = "changed", _("Changed: confirm again")
    PENDING = "pending", _("Proposal waiting for the buyer")
    CONFIRMED = "confirmed", pgettext_lazy("supplier answer", "Confirmed")
    CLOSED = "closed", _("Closed")
