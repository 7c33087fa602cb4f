"""Period close (结账): checklist, close with the period-end steps, reopen (admin, reason, audited).

The Period model and its transitions live in the kernel (erp.periods.PERIOD_FLOW); the
period-end steps are costing's: 月初一次冲回 re-accrual, the cost run (its closing WIP is the
next period's opening WIP: the carry-forward).
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import DomainError, StateError, ValidationError
from erp.locks import lock_row
from erp.models import CompanySettings, Period, PeriodStatus
from erp.periods import PERIOD_FLOW, period_end_steps
from erp.types import User
from inventory.models import OtherIssue, OtherReceipt, StockBalance, StockMove, Transfer
from procurement.models import AccrualEntry, AccrualReason, SupplierInvoice
from procurement.services.accruals import accruals_period_end, sources
from production.models import FGReceipt, Picking

from .runs import cost_run_now, latest_run, period_bounds, run_is_stale


@dataclass
class CheckPoint:
    code: str
    label: str
    count: int
    blocking: bool  # must be fixed or acknowledged; otherwise the close itself resolves it
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.count == 0


def _drafts(start: datetime.date, end: datetime.date) -> list[str]:
    from crm.models import Delivery, Receipt, SalesInvoice, SalesReturn

    found = []
    for model, date_field in (
        (OtherReceipt, "doc_date"),
        (OtherIssue, "doc_date"),
        (Transfer, "doc_date"),
        (Picking, "pick_date"),
        (FGReceipt, "receipt_date"),
        (SupplierInvoice, "invoice_date"),
        (Delivery, "delivery_date"),
        (SalesReturn, "return_date"),
        (SalesInvoice, "invoice_date"),
        (Receipt, "receipt_date"),
    ):
        rows = model.objects.filter(
            status="draft", **{f"{date_field}__gte": start, f"{date_field}__lte": end}
        ).values_list("number", flat=True)[:50]
        found += [f"{model._meta.verbose_name} {n}" for n in rows]
    return found


def _reaccrual_pending(period: Period) -> list[str]:
    """月初一次冲回: receipts reversed at the period start, still not invoiced, not re-accrued."""
    if CompanySettings.get().accrual_mode != "next_period":
        return []
    reversed_keys = set(
        AccrualEntry.objects.filter(period=period, reason=AccrualReason.PERIOD_START).values_list(
            "source_type", "source_id"
        )
    )
    done = set(
        AccrualEntry.objects.filter(period=period, reason=AccrualReason.PERIOD_END).values_list(
            "source_type", "source_id"
        )
    )
    out = []
    for stype in {t for t, _i in reversed_keys}:
        ids = [i for t, i in reversed_keys if t == stype and (t, i) not in done]
        out += [src.number for src in sources(stype, ids).values() if src.uninvoiced_qty > 0]
    return out


def period_checklist(*, period: Period) -> list[CheckPoint]:
    start, end = period_bounds(period)
    drafts = _drafts(start, end)
    negative = [
        f"{b.item.code} @ {b.warehouse.code}: {b.qty.normalize():f}"
        for b in StockBalance.objects.filter(qty__lt=0).select_related("item", "warehouse")[:50]
    ]
    open_accruals = (
        AccrualEntry.objects.filter(entry_date__lte=end)
        .values("source_number")
        .annotate(b=Sum("amount"))
        .filter(b__gt=0)
        .order_by("source_number")
    )
    accrual_rows = [f"{r['source_number']}: {r['b']}" for r in open_accruals[:50]]
    run = latest_run(period)
    run_points = []
    if run is None:
        run_points.append(_("No cost run yet"))
    elif run_is_stale(run):
        run_points.append(_("Cost run #%(run)s is stale: documents changed after it") % {"run": run.pk})
    uncosted = []
    receipts = FGReceipt.objects.filter(status="confirmed", receipt_date__gte=start, receipt_date__lte=end)
    if run is not None:
        receipts = receipts.filter(Q(confirmed_at__gt=run.started_at or run.finished_at) | Q(confirmed_at__isnull=True))
    uncosted = sorted(set(receipts.values_list("work_order__number", flat=True)[:50]))
    reaccrual = _reaccrual_pending(period)
    return [
        CheckPoint("drafts", _("Unposted drafts in the period"), len(drafts), True, drafts),
        CheckPoint("negative", _("Negative stock balances"), len(negative), True, negative),
        CheckPoint("accrued", _("Receipts without invoice (accrued)"), len(accrual_rows), True, accrual_rows),
        CheckPoint("uncosted", _("Work orders received but not costed"), len(uncosted), False, uncosted),
        CheckPoint("cost_run", _("Cost run not done or stale"), len(run_points), False, run_points),
        CheckPoint("reaccrual", _("Re-accrual (月初一次冲回) not done"), len(reaccrual), False, reaccrual),
    ]


def _is_admin(user) -> bool:
    return bool(user and (user.is_superuser or user.groups.filter(name="管理员").exists()))


def _audit(period: Period, reason: str, user) -> None:
    """The history row of the next save carries who and why (simple-history)."""
    period._change_reason = reason[:100]  # type: ignore[attr-defined]
    if getattr(user, "pk", None):
        period._history_user = user  # type: ignore[attr-defined]


def _get(period_id: int) -> Period:
    try:
        return lock_row(Period, period_id)
    except Period.DoesNotExist:
        raise ValidationError(_("Unknown period."), code="no_period") from None


@transaction.atomic
def period_close_start(*, period_id: int, user: User | None = None) -> Period:
    """open → closing: business documents of the period are refused from now on."""
    period = _get(period_id)
    if period.status == PeriodStatus.CLOSING:
        return period
    PERIOD_FLOW.check(period, PeriodStatus.CLOSING)
    earlier = (
        Period.objects.filter(Q(year__lt=period.year) | Q(year=period.year, month__lt=period.month))
        .exclude(status=PeriodStatus.CLOSED)
        .order_by("year", "month")
    )
    for p in earlier:
        if StockMove.objects.filter(period=p).exists():
            raise StateError(
                _("Close %(earlier)s first: periods are closed in order.") % {"earlier": p}, code="close_in_order"
            )
    PERIOD_FLOW.apply(period, PeriodStatus.CLOSING)
    _audit(period, "close started", user)
    period.save(update_fields=["status"])
    return period


@transaction.atomic
def period_close_cancel(*, period_id: int, user: User | None = None) -> Period:
    """closing → open (the close is abandoned; documents can be posted again)."""
    period = _get(period_id)
    if period.status == PeriodStatus.OPEN:
        return period
    PERIOD_FLOW.check(period, PeriodStatus.OPEN)
    if period.status != PeriodStatus.CLOSING:
        raise StateError(_("Only a period being closed can go back to open here."), code="not_closing")
    period.status = PeriodStatus.OPEN
    _audit(period, "close abandoned", user)
    period.save(update_fields=["status"])
    return period


@transaction.atomic
def period_close(*, period_id: int, acknowledge: bool = False, user: User | None = None) -> Period:
    """Close: the checklist must be clean or acknowledged; then the period-end steps run
    (re-accrual, cost run = WIP carry-forward) and the period is closed. All or nothing."""
    period = _get(period_id)
    if period.status == PeriodStatus.CLOSED:
        return period
    if period.status == PeriodStatus.OPEN:
        period = period_close_start(period_id=period_id, user=user)
    points = [p for p in period_checklist(period=period) if p.blocking and not p.ok]
    if points and not acknowledge:
        lines = [f"{p.label}: {p.count}" for p in points]
        raise ValidationError(
            _("The close checklist has open points; fix them or acknowledge them: %(points)s")
            % {"points": "; ".join(lines)},
            code="checklist_open",
            details=lines,
        )
    with period_end_steps():
        accruals_period_end(year=period.year, month=period.month, user=user)
        run = latest_run(period)
        if run is None or run_is_stale(run):
            run = cost_run_now(period_id=period.pk, user=user)
            if run.status != "done":
                raise DomainError(
                    _("The cost run failed, the period stays open: %(msg)s") % {"msg": run.message},
                    code="cost_run_failed",
                )
    period.refresh_from_db()
    PERIOD_FLOW.apply(period, PeriodStatus.CLOSED)
    period.closed_at = timezone.now()
    period.closed_by = user if getattr(user, "pk", None) else None
    period.acknowledged = "\n".join(f"{p.label}: {p.count}" for p in points) if points else ""
    _audit(period, "closed", user)
    period.save(update_fields=["status", "closed_at", "closed_by", "acknowledged"])
    return period


@transaction.atomic
def period_reopen(*, period_id: int, reason: str, user: User | None = None) -> Period:
    """closed → open: administrators only, the latest closed period only, with a reason (kept in
    the period's history)."""
    if not _is_admin(user):
        raise StateError(_("Only an administrator can reopen a period."), code="not_admin")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for reopening the period."), code="no_reason")
    period = _get(period_id)
    if period.status != PeriodStatus.CLOSED:
        raise StateError(_("Period %(period)s is not closed.") % {"period": period}, code="not_closed")
    later = Period.objects.filter(
        Q(year__gt=period.year) | Q(year=period.year, month__gt=period.month), status=PeriodStatus.CLOSED
    ).first()
    if later:
        raise StateError(
            _("Only the latest closed period can be reopened; reopen %(later)s first.") % {"later": later},
            code="not_latest",
        )
    PERIOD_FLOW.apply(period, PeriodStatus.OPEN)
    period.reopened_at = timezone.now()
    period.reopened_by = user
    period.reason = reason[:300]
    _audit(period, f"reopened: {reason}", user)
    period.save(update_fields=["status", "reopened_at", "reopened_by", "reason"])
    return period
