"""Reads of the marketing pages (issue 19): campaign figures with attribution, the comparison of
campaigns and channels, the service report. Query counts do not grow with the rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from erp.fields import ZERO, round_money

from .models import Campaign, CampaignCost, CampaignTouch, Lead, Opportunity, SalesOrder, SalesTeam, ServiceTicket
from .services.marketing import FIRST_TOUCH, Figures, OrderRow, Touch, attribute
from .states import CampaignChannel, LeadStatus, OrderStatus, Stage, TicketStatus

WON_ORDER_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.CLOSED)


@dataclass
class CampaignRow:
    campaign: Campaign | None
    label: str
    channel: str = ""
    budget: Decimal = ZERO
    cost: Decimal = ZERO
    leads: int = 0
    qualified: int = 0
    opportunities: int = 0
    won_opportunities: int = 0
    wins: int = 0
    revenue: Decimal = ZERO
    order_ids: list[int] = field(default_factory=list)

    @property
    def figures(self) -> Figures:
        return Figures(cost=self.cost, leads=self.leads, wins=self.wins, revenue=self.revenue)

    @property
    def cost_per_lead(self):
        return self.figures.cost_per_lead

    @property
    def cost_per_win(self):
        return self.figures.cost_per_win

    @property
    def roi(self):
        return self.figures.roi


def _in_period(qs, name: str, date_from, date_to, *, is_datetime: bool = False):
    suffix = "__date" if is_datetime else ""
    if date_from:
        qs = qs.filter(**{f"{name}{suffix}__gte": date_from})
    if date_to:
        qs = qs.filter(**{f"{name}{suffix}__lte": date_to})
    return qs


def attributed_orders(*, model: str = FIRST_TOUCH, date_from=None, date_to=None) -> dict[int, tuple[int, Decimal]]:
    """{campaign id: (won orders, revenue excl. tax)} of the confirmed (or closed) sales orders of
    the period, each credited to one campaign by first- or last-touch. Three queries.

    Touches of a customer: its leads that carry a campaign (at the lead's creation) and the
    campaign touches recorded on the customer or on one of its leads."""
    touches: list[Touch] = []
    seq = 0
    for customer_id, at, campaign_id in Lead.objects.filter(campaign__isnull=False, customer__isnull=False).values_list(
        "customer_id", "created_at", "campaign_id"
    ):
        seq += 1
        touches.append(Touch(customer_id, at, campaign_id, seq))
    for customer_id, lead_customer_id, at, campaign_id in CampaignTouch.objects.filter(
        Q(customer__isnull=False) | Q(lead__customer__isnull=False)
    ).values_list("customer_id", "lead__customer_id", "touched_at", "campaign_id"):
        seq += 1
        touches.append(Touch(customer_id or lead_customer_id, at, campaign_id, seq))
    customers = {t.customer_id for t in touches}
    if not customers:
        return {}
    orders_qs = _in_period(
        SalesOrder.objects.filter(status__in=WON_ORDER_STATUSES, customer_id__in=sorted(customers)),
        "order_date",
        date_from,
        date_to,
    )
    orders = [OrderRow(*row) for row in orders_qs.values_list("pk", "customer_id", "order_date", "amount")]
    credited = attribute(touches, orders, model)
    out: dict[int, tuple[int, Decimal]] = {}
    for o in orders:
        cid = credited.get(o.order_id)
        if cid is None:
            continue
        n, revenue = out.get(cid, (0, ZERO))
        out[cid] = (n + 1, revenue + o.amount)
    return out


def campaign_rows(
    *, campaigns=None, model: str = FIRST_TOUCH, date_from=None, date_to=None, channel: str = ""
) -> list[CampaignRow]:
    """One row per campaign: cost (cost lines of the period), leads (not merged duplicates),
    qualified leads (converted or linked to a customer), opportunities, won opportunities, won
    orders and revenue (attributed). Without a period every figure is all-time."""
    qs = Campaign.objects.select_related("owner") if campaigns is None else campaigns
    if channel:
        qs = qs.filter(channel=channel)
    if date_from:
        qs = qs.filter(end_date__gte=date_from)
    if date_to:
        qs = qs.filter(start_date__lte=date_to)
    camps = list(qs)
    ids = [c.pk for c in camps]
    rows = {
        c.pk: CampaignRow(c, str(c), channel=c.get_channel_display(), budget=c.budget)
        for c in sorted(camps, key=lambda c: (c.start_date, c.pk))
    }
    if not ids:
        return []
    costs = _in_period(CampaignCost.objects.filter(campaign_id__in=ids), "date", date_from, date_to)
    for cid, total in costs.values("campaign_id").annotate(t=Sum("amount")).values_list("campaign_id", "t"):
        rows[cid].cost = total or ZERO
    leads = _in_period(
        Lead.objects.filter(campaign_id__in=ids, merged_into__isnull=True),
        "created_at",
        date_from,
        date_to,
        is_datetime=True,
    )
    qualified = Q(status=LeadStatus.CONVERTED) | Q(customer__isnull=False)
    for cid, n, q in (
        leads.values("campaign_id")
        .annotate(n=Count("pk"), q=Count("pk", filter=qualified))
        .values_list("campaign_id", "n", "q")
    ):
        rows[cid].leads, rows[cid].qualified = n, q
    opps = _in_period(
        Opportunity.objects.filter(campaign_id__in=ids), "created_at", date_from, date_to, is_datetime=True
    )
    for cid, n, won in (
        opps.values("campaign_id")
        .annotate(n=Count("pk"), won=Count("pk", filter=Q(stage=Stage.WON)))
        .values_list("campaign_id", "n", "won")
    ):
        rows[cid].opportunities, rows[cid].won_opportunities = n, won
    for cid, (n, revenue) in attributed_orders(model=model, date_from=date_from, date_to=date_to).items():
        if cid in rows:
            rows[cid].wins, rows[cid].revenue = n, revenue
    return list(rows.values())


def channel_rows(rows: list[CampaignRow]) -> list[CampaignRow]:
    """The campaign rows summed per channel (in the order of the channel list)."""
    out: dict[str, CampaignRow] = {}
    labels = dict(CampaignChannel.choices)
    for r in rows:
        code = r.campaign.channel if r.campaign else ""
        agg = out.setdefault(code, CampaignRow(None, str(labels.get(code, code)), channel=str(labels.get(code, code))))
        agg.budget += r.budget
        agg.cost += r.cost
        agg.leads += r.leads
        agg.qualified += r.qualified
        agg.opportunities += r.opportunities
        agg.won_opportunities += r.won_opportunities
        agg.wins += r.wins
        agg.revenue += r.revenue
    order = {code: i for i, code in enumerate(CampaignChannel.values)}
    return [row for code, row in sorted(out.items(), key=lambda kv: order.get(kv[0], 99))]


def totals(rows: list[CampaignRow], label: str) -> CampaignRow:
    t = CampaignRow(None, label)
    for r in rows:
        t.budget += r.budget
        t.cost += r.cost
        t.leads += r.leads
        t.qualified += r.qualified
        t.opportunities += r.opportunities
        t.won_opportunities += r.won_opportunities
        t.wins += r.wins
        t.revenue += r.revenue
    return t


# --------------------------------------------------------------------------- service report
@dataclass
class OwnerServiceRow:
    owner_id: int | None
    owner: str
    open: int = 0
    overdue: int = 0
    closed: int = 0
    hours_to_close: Decimal | None = None
    satisfaction: Decimal | None = None


def service_report(*, date_from=None, date_to=None, now=None) -> dict:
    """Per assignee: open and overdue tickets (now), tickets resolved or closed in the period, the
    average hours from creation to resolution and the average satisfaction score. Two queries."""
    now = now or timezone.now()
    User = ServiceTicket._meta.get_field("assigned_to").related_model
    rows: dict[int | None, OwnerServiceRow] = {}
    open_qs = ServiceTicket.objects.filter(status__in=ServiceTicket.OPEN_STATUSES)
    for uid, n, overdue in (
        open_qs.values("assigned_to_id")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
        .values_list("assigned_to_id", "n", "overdue")
    ):
        rows.setdefault(uid, OwnerServiceRow(uid, "")).open = n
        rows[uid].overdue = overdue
    done = ServiceTicket.objects.filter(
        status__in=(TicketStatus.RESOLVED, TicketStatus.CLOSED), resolved_at__isnull=False
    )
    done = _in_period(done, "resolved_at", date_from, date_to, is_datetime=True)
    duration = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    for uid, n, avg_dur, avg_sat in (
        done.values("assigned_to_id")
        .annotate(n=Count("pk"), d=Avg(duration), s=Avg("satisfaction"))
        .values_list("assigned_to_id", "n", "d", "s")
    ):
        row = rows.setdefault(uid, OwnerServiceRow(uid, ""))
        row.closed = n
        if avg_dur is not None:
            row.hours_to_close = round_money(Decimal(avg_dur.total_seconds()) / Decimal(3600))
        if avg_sat is not None:
            row.satisfaction = round_money(Decimal(str(avg_sat)))
    ids = [uid for uid in rows if uid]
    names = {u.pk: str(u.get_full_name() or u.username) for u in User.objects.filter(pk__in=ids)}
    for uid, row in rows.items():
        row.owner = names.get(uid, "—") if uid else "—"
    ordered = sorted(rows.values(), key=lambda r: (r.owner_id is None, r.owner))
    return {
        "rows": ordered,
        "open": sum(r.open for r in ordered),
        "overdue": sum(r.overdue for r in ordered),
        "closed": sum(r.closed for r in ordered),
    }


def team_managers(user_ids) -> dict[int, int]:
    """{user id: manager id} of the first team (by name) each user belongs to whose manager is
    someone else. One query."""
    out: dict[int, int] = {}
    rows = (
        SalesTeam.members.through.objects.filter(user_id__in=sorted(set(user_ids)))
        .exclude(salesteam__manager_id=F("user_id"))
        .order_by("salesteam__name")
        .values_list("user_id", "salesteam__manager_id")
    )
    for uid, manager_id in rows:
        out.setdefault(uid, manager_id)
    return out


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today.replace(month=12, day=31)
