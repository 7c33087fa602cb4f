"""Reads for sales pages and reports (bulk; no per-row queries)."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _  # module-level labels: evaluated per request

from erp.fields import ZERO

from . import progress as progress_registry
from .engine import funnel
from .models import FollowUp, Opportunity, SalesInvoice, SalesOrder, SalesOrderLine, ServiceTicket
from .states import STAGE_RANK, OrderStatus, Stage

WARNING_LABELS = {
    "": "",
    "late_start": _("Late start"),
    "due_soon": _("Due soon"),
    "behind": _("Behind schedule"),
    "overdue": _("Overdue"),
    "short": _("Short of material"),
}


def warning_label(code: str) -> str:
    return str(WARNING_LABELS.get(code, code))


# the figures of a line's progress are defined once, in crm.progress (issue #11)
Progress = progress_registry.Progress
line_progress = progress_registry.line_progress


def attach_order_progress(orders) -> None:
    """Sets `order.progress` (summed over its lines) on each order; lines must be prefetched."""
    orders = list(orders)
    lines = [ln for o in orders for ln in o.lines.all()]
    per_line = line_progress(lines)
    for o in orders:
        p = Progress()
        for ln in o.lines.all():
            p.add(per_line[ln.pk])
        o.progress = p


# lines of the order list: progress columns and the at-risk flag (net change)
ORDER_LIST_LINE_FIELDS = ("pk", "order_id", "qty", "delivered_qty", "due_date", "promise_date", "line_no", "at_risk",
                          "feasible_date")  # fmt: skip


def order_list_queryset():
    return (
        SalesOrder.objects.select_related("customer", "owner")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=SalesOrderLine.objects.only(*ORDER_LIST_LINE_FIELDS),
            )
        )
        .order_by("-order_date", "-number")
    )


def order_detail(order_id: int) -> SalesOrder:
    order = (
        SalesOrder.objects.select_related("customer", "owner", "quotation", "opportunity")
        .prefetch_related(
            Prefetch("lines", queryset=SalesOrderLine.objects.select_related("item", "item__uom").order_by("line_no")),
            "deliveries",
            "payment_plans",
            "tickets",
        )
        .get(pk=order_id)
    )
    lp = line_progress(order.lines.all())
    for ln in order.lines.all():
        ln.progress = lp[ln.pk]
    attach_order_progress([order])
    return order


# --------------------------------------------------------------------------- pipeline
def board(*, owner_id: int | None = None, user=None) -> list[dict]:
    """Open opportunities (and those closed in the last 30 days) by stage; with `user`, only
    the ones that user may see (crm.access)."""
    qs = Opportunity.objects.select_related("customer", "owner").order_by("close_date", "pk")
    if user is not None:
        qs = qs.for_owner(user)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    cols = {s: [] for s in Stage.values}
    for opp in qs.filter(
        Q(stage__in=[Stage.INITIAL, Stage.NEEDS, Stage.PROPOSAL, Stage.NEGOTIATION])
        | Q(closed_at__gte=timezone.now() - datetime.timedelta(days=30))
    ):
        cols[opp.stage].append(opp)
    return [
        {"stage": s, "label": Stage(s).label, "opps": cols[s], "amount": sum((o.amount for o in cols[s]), ZERO)}
        for s in Stage.values
    ]


def funnel_report(*, date_from: datetime.date | None = None, date_to: datetime.date | None = None, owner_id=None):
    """Opportunities created in the period (and of the owner): reached per stage, amounts,
    conversion from the previous stage; lost ones count for the stages they reached."""
    qs = Opportunity.objects.all()
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    opps = list(qs.values_list("reached_rank", "amount", "stage"))
    ranks = sorted(STAGE_RANK.values())
    rows = funnel([(r, a) for r, a, _s in opps], ranks)
    labels = {v: Stage(k).label for k, v in STAGE_RANK.items()}
    lost = [a for _r, a, s in opps if s == Stage.LOST]
    return {
        "rows": [
            {"label": labels[r.rank], "reached": r.reached, "amount": r.amount, "conversion": r.conversion_pct}
            for r in rows
        ],
        "total": len(opps),
        "lost": len(lost),
        "lost_amount": sum(lost, ZERO),
    }


def reminders_for(user, *, today: datetime.date | None = None, days_ahead: int = 7):
    """My reminders: my follow-ups whose next date is due (overdue first) or within a week."""
    today = today or timezone.localdate()
    return (
        FollowUp.objects.filter(user=user, reminder_done=False, next_date__isnull=False)
        .filter(next_date__lte=today + datetime.timedelta(days=days_ahead))
        .select_related("customer", "lead", "opportunity")
        .order_by("next_date", "pk")
    )


# --------------------------------------------------------------------------- receivables
AGEING_BUCKETS = [
    ("current", _("Not due"), None, 0),
    ("d1_30", _("1–30 days"), 1, 30),
    ("d31_60", _("31–60 days"), 31, 60),
    ("d61_90", _("61–90 days"), 61, 90),
    ("d90", _("Over 90 days"), 91, None),
]


def _bucket(days_overdue: int) -> str:
    for key, _label, lo, hi in AGEING_BUCKETS:
        if lo is None and days_overdue <= 0:
            return key
        if lo is not None and days_overdue >= lo and (hi is None or days_overdue <= hi):
            return key
    return "current"


def ar_ageing(*, as_of: datetime.date | None = None):
    """应收账龄: the open amount of confirmed blue invoices (total − reversed by red-letter
    invoices − received, `SalesInvoice.open_amount`) by days past the blue invoice's due date, per
    customer. A red invoice is netted into its blue one: it never forms an age of its own."""
    as_of = as_of or timezone.localdate()
    per_customer: dict[int, dict] = {}
    totals = defaultdict(lambda: ZERO)
    qs = (
        SalesInvoice.objects.open()
        .select_related("customer")
        .only(
            "pk",
            "kind",
            "customer__code",
            "customer__name",
            "due_date",
            "invoice_date",
            "total",
            "reversed_amount",
            "paid_amount",
        )
    )
    for inv in qs:
        due = inv.due_date or inv.invoice_date
        key = _bucket((as_of - due).days)
        open_amount = inv.open_amount
        row = per_customer.setdefault(
            inv.customer_id,
            {"customer": inv.customer, "buckets": defaultdict(lambda: ZERO), "total": ZERO},
        )
        row["buckets"][key] += open_amount
        row["total"] += open_amount
        totals[key] += open_amount
    rows = sorted(per_customer.values(), key=lambda r: -r["total"])
    for r in rows:
        r["cells"] = [r["buckets"][k] for k, *_rest in AGEING_BUCKETS]
    return {
        "buckets": [(k, label) for k, label, *_rest in AGEING_BUCKETS],
        "rows": rows,
        "totals": [totals[k] for k, *_rest in AGEING_BUCKETS],
        "grand_total": sum(totals.values(), ZERO),
        "chart": [(str(label), totals[k]) for k, label, *_rest in AGEING_BUCKETS],
    }


def receipt_matching(*, customer_id: int, amount: Decimal) -> dict[int, Decimal]:
    """核销 proposal for a receipt of `amount`: the customer's open invoices (open amount > 0, net
    of red-letter invoices), earliest due first, each up to its open amount; the rest stays an
    advance. {invoice id: amount}"""
    left = amount
    out: dict[int, Decimal] = {}
    open_invoices = (
        SalesInvoice.objects.filter(customer_id=customer_id)
        .open()
        .filter(open_amount__gt=0)
        .order_by("due_date", "pk")
        .values_list("pk", "open_amount")
    )
    for pk, open_amount in open_invoices:
        if left <= 0:
            break
        take = min(left, open_amount)
        out[pk] = take
        left -= take
    return out


def overdue_tickets(*, now: datetime.datetime | None = None):
    return ServiceTicket.objects.overdue(now=now).select_related("customer", "order", "assigned_to").order_by("due_at")


def sales_dashboard_counts(user) -> dict:
    """The dashboard card counts the orders of the list it links to (what `user` may see)."""
    return SalesOrder.objects.for_owner(user).aggregate(
        open=Count("pk", filter=Q(status=OrderStatus.CONFIRMED)),
        draft=Count("pk", filter=Q(status=OrderStatus.DRAFT)),
        open_amount=Sum("total", filter=Q(status=OrderStatus.CONFIRMED)),
    )


def sales_order_lines():
    """Sales-order lines for the apps allowed to read them (production's 以销定产, its exchange
    file and demo): the one entry point, so that they never import crm.models (import contracts
    in pyproject.toml). Callers narrow, order and lock it as they need."""
    from .models import SalesOrderLine

    return SalesOrderLine.objects.all()


def open_demand_by_item(item_ids) -> dict:
    """Open sales demand per item (the open quantity of open sales-order lines): registered with
    inventory for the dead-stock report's "no open demand" hint."""
    from django.db.models import Sum

    from .models import SalesOrderLine

    rows = (
        SalesOrderLine.objects.open()
        .open_qty()
        .filter(item_id__in=list(item_ids))
        .values("item_id")
        .annotate(q=Sum("open_qty"))
    )
    return {r["item_id"]: r["q"] for r in rows}
