"""Reads of the portal pages, always through portal.access.scoped (the user's supplier)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch
from django.db.models.functions import TruncMonth
from django.utils import timezone

from procurement.models import OutsourcingOrder, PurchaseOrder, PurchaseOrderLine
from procurement.selectors import outsourcing_material_report, supplier_performance
from procurement.states import OrderStatus

from .access import scoped, supplier_of
from .models import LineAnswer, ProgressReport, ShippingNotice
from .states import AnswerStatus, LineState, NoticeStatus

VISIBLE_ORDER_STATES = (OrderStatus.CONFIRMED, OrderStatus.CLOSED, OrderStatus.CANCELLED)


def orders(user):
    """The supplier's purchase orders (drafts are ours until confirmed)."""
    return (
        scoped(user, PurchaseOrder)
        .filter(status__in=VISIBLE_ORDER_STATES)
        .annotate(
            awaiting=Exists(
                PurchaseOrderLine.objects.filter(order=OuterRef("pk"), closed=False).exclude(
                    pk__in=LineAnswer.objects.filter(
                        status__in=(AnswerStatus.CONFIRMED, AnswerStatus.ACCEPTED, AnswerStatus.PENDING)
                    ).values("po_line_id")
                )
            )
        )
        .order_by("-order_date", "-number")
    )


def line_states(lines: list[PurchaseOrderLine]) -> None:
    """Sets `state`, `pending` (the waiting proposal) and `last_answer` on each line (one query)."""
    answers: dict[int, list[LineAnswer]] = {}
    for a in LineAnswer.objects.filter(po_line__in=[ln.pk for ln in lines]).order_by("-id"):
        answers.setdefault(a.po_line_id, []).append(a)
    for ln in lines:
        mine = answers.get(ln.pk, [])
        ln.answers = mine
        ln.last_answer = mine[0] if mine else None
        ln.pending = next((a for a in mine if a.status == AnswerStatus.PENDING), None)
        agreed = [
            a
            for a in mine
            if a.status in (AnswerStatus.CONFIRMED, AnswerStatus.ACCEPTED)
            and a.agreed_qty == ln.qty
            and a.agreed_date == ln.due_date
        ]
        if ln.closed or ln.order.status != OrderStatus.CONFIRMED or ln.open_qty <= 0:
            ln.state = LineState.CLOSED
        elif ln.pending:
            ln.state = LineState.PENDING
        elif agreed:
            ln.state = LineState.CONFIRMED
        elif any(a.status in (AnswerStatus.CONFIRMED, AnswerStatus.ACCEPTED) for a in mine):
            ln.state = LineState.CHANGED
        else:
            ln.state = LineState.NEW
        ln.state_label = LineState(ln.state).label


def order_detail(user, pk: int) -> PurchaseOrder | None:
    po = (
        orders(user)
        .filter(pk=pk)
        .prefetch_related(Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("item__uom")))
        .first()
    )
    if po is not None:
        po.line_list = list(po.lines.all())
        for ln in po.line_list:
            ln.order = po
        line_states(po.line_list)
    return po


def notices(user):
    return scoped(user, ShippingNotice).select_related("order", "outsourcing_order").order_by("-number")


def outsourcing_orders(user):
    return (
        scoped(user, OutsourcingOrder)
        .filter(status__in=VISIBLE_ORDER_STATES)
        .select_related("item")
        .order_by("-order_date", "-number")
    )


def outsourcing_detail(user, pk: int):
    order = outsourcing_orders(user).filter(pk=pk).first()
    if order is None:
        return None, [], []
    rows = [r for r in outsourcing_material_report(supplier_id=order.supplier_id) if r.order_id == order.pk]
    reports = list(ProgressReport.objects.filter(order=order).select_related("created_by"))
    return order, rows, reports


@dataclass
class MonthFigures:
    month: datetime.date
    lines: int = 0
    on_time: int = 0
    sent: int = 0
    answered: int = 0

    @property
    def on_time_pct(self) -> Decimal | None:
        return (Decimal(self.on_time) * 100 / self.lines).quantize(Decimal("0.1")) if self.lines else None

    @property
    def confirmed_pct(self) -> Decimal | None:
        return (Decimal(self.answered) * 100 / self.sent).quantize(Decimal("0.1")) if self.sent else None


def _month_starts(today: datetime.date, n: int = 12) -> list[datetime.date]:
    first = today.replace(day=1)
    out = []
    for _i in range(n):
        out.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(out))


def performance(user, *, today: datetime.date | None = None) -> tuple[list[MonthFigures], MonthFigures]:
    """The supplier's last 12 months: on-time delivery (procurement.selectors.supplier_performance,
    the buyers' figure: lines by due month, first receipt on or before the due date) and the
    confirmation rate (PO lines by order month that the supplier answered: confirmed or proposed)."""
    supplier = supplier_of(user)
    today = today or timezone.localdate()
    months = _month_starts(today)
    figures = {m: MonthFigures(m) for m in months}
    total = MonthFigures(months[0])
    if supplier is None:
        return list(figures.values()), total
    for m in months:
        end = (m + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        for row in supplier_performance(date_from=m, date_to=end):
            if row.supplier_id == supplier.pk:
                figures[m].lines, figures[m].on_time = row.lines, row.on_time
    sent = (
        scoped(user, PurchaseOrderLine)
        .filter(order__status__in=(OrderStatus.CONFIRMED, OrderStatus.CLOSED), order__order_date__gte=months[0])
        .annotate(
            month=TruncMonth("order__order_date"),
            answered=Exists(LineAnswer.objects.filter(po_line=OuterRef("pk")).exclude(status=AnswerStatus.REJECTED)),
        )
        .values_list("month", "answered")
    )
    for month, answered in sent:
        f = figures.get(month)
        if f is None:
            continue
        f.sent += 1
        f.answered += int(bool(answered))
    for f in figures.values():
        total.lines += f.lines
        total.on_time += f.on_time
        total.sent += f.sent
        total.answered += f.answered
    return list(figures.values()), total


def home_counts(user) -> dict:
    lines = scoped(user, PurchaseOrderLine).filter(order__status=OrderStatus.CONFIRMED, closed=False)
    line_list = list(lines.select_related("order").with_open_qty().filter(open_qty__gt=0))
    line_states(line_list)
    return {
        "to_confirm": sum(1 for ln in line_list if ln.state in (LineState.NEW, LineState.CHANGED)),
        "pending": sum(1 for ln in line_list if ln.state == LineState.PENDING),
        "notices_open": notices(user).filter(status=NoticeStatus.SUBMITTED).count(),
        "outsourcing_open": outsourcing_orders(user).filter(status=OrderStatus.CONFIRMED).count(),
    }


def proposal_queue():
    """Buyers: proposals waiting for a decision, oldest first."""
    return (
        LineAnswer.objects.filter(status=AnswerStatus.PENDING)
        .select_related("po_line__order", "po_line__item", "supplier", "created_by")
        .order_by("created_at", "id")
    )


def incoming_notices():
    """The warehouse: notices announced and not yet received, by expected arrival."""
    return (
        ShippingNotice.objects.filter(status=NoticeStatus.SUBMITTED)
        .select_related("supplier", "order", "outsourcing_order")
        .order_by("expected_date", "number")
    )
