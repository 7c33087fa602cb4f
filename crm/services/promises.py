"""Promises of sales-order lines after supply changes (docs/mrp.md §5, docs/crm.md "At risk").

MRP's net change finds lines whose promise date supply can no longer meet and calls
`sales_lines_risk_update` (crm cannot import mrp; mrp calls down). The owner of the order gets an
in-app notification (and an e-mail where a mail backend is configured). The salesperson confirms a
new date with `sales_line_repromise`; the order's history row is the audit record.
"""

import datetime
import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.locks import lock_row, lock_rows
from erp.models import Notification
from erp.types import User

from ..models import SalesOrder, SalesOrderLine, risk_reason_text
from ..states import OrderStatus


@dataclass(frozen=True)
class RiskFinding:
    line_id: int
    feasible_date: datetime.date | None  # None: no date within the planning horizon
    cause: str  # the change that caused it: its message id (erp.texts) …
    chain: tuple = ()  # the limiting chain: ((item code, supply type, lead time days), ...)
    params: dict = field(default_factory=dict)  # … and its parameters


AT_RISK_TEXT = "crm.at_risk"  # Notification.code: rendered per reader by `at_risk_text`


def at_risk_text(params: dict) -> tuple[str, str]:
    """(title, body) of an at-risk notification in the current language, from its stored params
    (registered with erp.notify.register_text in crm.wiring)."""
    title = _("%(doc)s line %(line)s (%(item)s) is at risk: feasible %(date)s, promised %(promised)s") % {
        "doc": params["doc"],
        "line": params["line"],
        "item": params["item"],
        "date": params["date"] or _("not within the horizon"),
        "promised": params["promised"],
    }
    return title, risk_reason_text(params.get("cause", ""), params.get("chain", ()), params.get("cause_params"))


def _email_configured() -> bool:
    backend = getattr(settings, "EMAIL_BACKEND", "")
    return bool(backend) and not backend.endswith("console.EmailBackend") and not backend.endswith("dummy.EmailBackend")


@transaction.atomic
def sales_lines_risk_update(*, findings: list[RiskFinding], checked: list[int] | None = None) -> int:
    """Flag the lines of `findings` at risk (feasible date and cause) and notify each order's owner
    once per line and feasible date; lines in `checked` without a finding are cleared (supply meets
    their promise again). Returns the number of lines newly flagged or moved later."""
    ids = sorted({f.line_id for f in findings} | set(checked or ()))
    if not ids:
        return 0
    lines = lock_rows(SalesOrderLine.objects.select_related("order", "order__owner", "item"), ids, of=("self",))
    now = timezone.now()
    by_line = {f.line_id: f for f in findings}
    notes, emails, flagged, changed = [], [], 0, []
    for pk, line in lines.items():
        f = by_line.get(pk)
        if f is None:
            if line.at_risk:
                line.at_risk, line.feasible_date, line.risk_cause, line.risk_chain = False, None, "", []
                line.risk_params = {}
            line.risk_checked_at = now
            changed.append(line)
            continue
        new = not line.at_risk or line.feasible_date != f.feasible_date
        line.at_risk, line.feasible_date, line.risk_cause, line.risk_chain, line.risk_checked_at = (
            True,
            f.feasible_date,
            f.cause[:300],
            [list(link) for link in f.chain],
            now,
        )
        line.risk_params = f.params
        changed.append(line)
        if not new:
            continue
        flagged += 1
        owner = line.order.owner
        if owner is None:
            continue
        # stored language-neutral (code + params), shown in each reader's language; the title and
        # body as sent (e-mail) are in the language of the process that sends them
        params = {
            "doc": line.order.number,
            "line": line.line_no,
            "item": line.item.code,
            "date": f.feasible_date.isoformat() if f.feasible_date else "",
            "promised": (line.promise_date or line.due_date).isoformat(),
            "cause": line.risk_cause,
            "cause_params": line.risk_params,
            "chain": line.risk_chain,
        }
        title, body = at_risk_text(params)
        notes.append(
            Notification(
                user=owner,
                title=title[:200],
                body=body,
                url=reverse("crm:order_detail", args=[line.order_id]),
                kind="crm.at_risk",
                code=AT_RISK_TEXT,
                params=params,
                dedupe_key=f"crm-at-risk:{line.pk}:{f.feasible_date}",
            )
        )
        if owner.email:
            emails.append((title, body, owner.email))
    SalesOrderLine.objects.bulk_update(
        changed, ["at_risk", "feasible_date", "risk_cause", "risk_params", "risk_chain", "risk_checked_at"]
    )
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    if _email_configured():
        for title, body, address in emails:
            transaction.on_commit(
                functools.partial(send_mail, title, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True)
            )
    return flagged


@transaction.atomic
def sales_line_repromise(
    *, order_id: int, line_id: int, promise_date: datetime.date, reason: str = "", user: User | None = None
) -> SalesOrderLine:
    """Re-promise (重新承诺): the line's new promise date; the at-risk flag is cleared. Audited by the
    order's history row (old and new date, reason, who)."""
    order = lock_row(SalesOrder, order_id)
    line = lock_row(SalesOrderLine.objects.filter(order=order), line_id)  # a line only through its order
    if order.status != OrderStatus.CONFIRMED or line.closed:
        raise StateError(
            _("%(doc)s line %(line)s is not open: it cannot be re-promised.") % {"doc": order, "line": line.line_no},
            code="bad_state",
        )
    if promise_date < order.order_date:
        raise ValidationError(_("The promise date cannot be before the order date."), code="promise_before_order")
    old = line.promise_date
    if old == promise_date and not line.at_risk:
        return line
    line.promise_date = promise_date
    line.at_risk, line.risk_cause, line.risk_params, line.risk_chain = False, "", {}, []
    line.save(update_fields=["promise_date", "at_risk", "risk_cause", "risk_params", "risk_chain"])
    note = f"line {line.line_no}: promise {old.isoformat() if old else '-'} → {promise_date.isoformat()}"
    if reason.strip():
        note += f"; {reason.strip()}"
    order._change_reason = note[:100]  # type: ignore[attr-defined]  # the history row's reason (audit)
    if getattr(user, "pk", None):
        order._history_user = user  # type: ignore[attr-defined]
    order.save(update_fields=["updated_at"])
    return line
