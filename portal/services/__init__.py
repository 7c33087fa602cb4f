"""Every write of the supplier portal (docs/portal.md)."""

from .answers import line_confirm, line_propose, proposal_accept, proposal_reject
from .invitations import invitation_accept, invitation_create
from .notices import delivery_notice_create, shipping_notice_cancel, shipping_notice_create, shipping_notice_receive
from .progress import progress_report_create

__all__ = [
    "delivery_notice_create",
    "invitation_accept",
    "invitation_create",
    "line_confirm",
    "line_propose",
    "progress_report_create",
    "proposal_accept",
    "proposal_reject",
    "shipping_notice_cancel",
    "shipping_notice_create",
    "shipping_notice_receive",
]
