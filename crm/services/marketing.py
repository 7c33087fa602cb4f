"""市场营销 (issue 19): campaigns, cost lines, campaign leads (typed or imported), and the pure
figures of a campaign (cost per lead, cost per won order, ROI)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from erp.errors import ValidationError
from erp.fields import ZERO, round_money, to_decimal
from erp.locks import lock_row
from erp.numbering import next_number
from erp.types import User

from ..models import Campaign, CampaignCost, CampaignTouch, Lead
from ..states import CAMPAIGN_FLOW, CampaignChannel, CampaignStatus
from . import dedup

HUNDRED = Decimal(100)


# --------------------------------------------------------------------------- figures (pure)
@dataclass
class Figures:
    cost: Decimal
    leads: int
    wins: int
    revenue: Decimal

    @property
    def cost_per_lead(self) -> Decimal | None:
        return round_money(self.cost / self.leads) if self.leads else None

    @property
    def cost_per_win(self) -> Decimal | None:
        return round_money(self.cost / self.wins) if self.wins else None

    @property
    def roi(self) -> Decimal | None:
        """(revenue − cost) / cost × 100, in % with 2 decimals; None without cost."""
        if not self.cost:
            return None
        return round_money((self.revenue - self.cost) / self.cost * HUNDRED)


FIRST_TOUCH, LAST_TOUCH = "first", "last"


@dataclass(frozen=True)
class Touch:
    customer_id: int
    at: datetime.datetime
    campaign_id: int
    seq: int = 0  # tie-break: earlier rows first


@dataclass(frozen=True)
class OrderRow:
    order_id: int
    customer_id: int
    order_date: datetime.date
    amount: Decimal


def attribute(touches: list[Touch], orders: list[OrderRow], model: str = FIRST_TOUCH) -> dict[int, int | None]:
    """{order id: campaign id or None}. An order is credited to the first (default) or the last
    campaign touch of its customer made on or before the order date (local date)."""
    by_customer: dict[int, list[Touch]] = {}
    for t in sorted(touches, key=lambda t: (t.at, t.seq)):
        by_customer.setdefault(t.customer_id, []).append(t)
    out: dict[int, int | None] = {}
    for o in orders:
        eligible = [t for t in by_customer.get(o.customer_id, []) if timezone.localtime(t.at).date() <= o.order_date]
        if not eligible:
            out[o.order_id] = None
        else:
            out[o.order_id] = (eligible[-1] if model == LAST_TOUCH else eligible[0]).campaign_id
    return out


# --------------------------------------------------------------------------- campaigns
def _check_dates(start_date, end_date) -> None:
    if start_date and end_date and end_date < start_date:
        raise ValidationError(_("A campaign cannot end before it starts."))


@transaction.atomic
def campaign_create(
    *,
    name: str,
    channel: str,
    start_date: datetime.date,
    end_date: datetime.date,
    user: User | None,
    budget: Decimal = ZERO,
    owner: User | None = None,
    segment: str = "",
    note: str = "",
) -> Campaign:
    if not (name or "").strip():
        raise ValidationError(_("The name is required."))
    if channel not in CampaignChannel.values:
        raise ValidationError(_("Choose a channel."))
    _check_dates(start_date, end_date)
    if to_decimal(budget) < 0:
        raise ValidationError(_("The budget cannot be negative."))
    return Campaign.objects.create(
        number=next_number("MC", on_date=start_date, width=4),
        name=name.strip(),
        channel=channel,
        start_date=start_date,
        end_date=end_date,
        budget=round_money(to_decimal(budget)),
        owner=owner or user,
        segment=segment,
        note=note,
    )


@transaction.atomic
def campaign_set_status(*, campaign_id: int, status: str, user: User | None) -> Campaign:
    c = lock_row(Campaign, campaign_id)
    if CAMPAIGN_FLOW.apply(c, status):
        c.save()
    return c


@transaction.atomic
def campaign_cost_add(
    *, campaign_id: int, date: datetime.date, description: str, amount: Decimal, user: User | None
) -> CampaignCost:
    c = lock_row(Campaign, campaign_id)
    if not (description or "").strip():
        raise ValidationError(_("The description is required."))
    if to_decimal(amount) <= 0:
        raise ValidationError(_("A cost amount must be greater than 0."))
    if c.status == CampaignStatus.CANCELLED:
        raise ValidationError(_("The campaign %(c)s is cancelled.") % {"c": c})
    return CampaignCost.objects.create(
        campaign=c, date=date, description=description.strip(), amount=round_money(amount), created_by=user
    )


@transaction.atomic
def campaign_lead_create(
    *,
    campaign_id: int | None,
    company: str,
    user: User | None,
    contact_name: str = "",
    phone: str = "",
    email: str = "",
    tax_id: str = "",
    industry: str = "",
    note: str = "",
    owner: User | None = None,
) -> Lead:
    """A lead brought by a campaign (source = the campaign's channel). Owner empty: the lead is
    open to every salesperson (unowned leads, crm/access.py)."""
    if not (company or "").strip():
        raise ValidationError(_("The company is required."))
    campaign = Campaign.objects.get(pk=campaign_id) if campaign_id else None
    return Lead.objects.create(
        company=company.strip(),
        contact_name=contact_name,
        phone=phone,
        email=email,
        tax_id=tax_id,
        industry=industry,
        note=note,
        owner=owner,
        campaign=campaign,
        source=campaign.channel if campaign else "",
    )


@transaction.atomic
def customer_touch_add(
    *, campaign_id: int, customer_id: int, user: User | None, at: datetime.datetime | None = None, note: str = ""
) -> CampaignTouch:
    """Record that a campaign reached an existing customer (e.g. a visit at the trade fair)."""
    return CampaignTouch.objects.create(
        campaign_id=campaign_id, customer_id=customer_id, touched_at=at or timezone.now(), note=note
    )


# --------------------------------------------------------------------------- import
LEAD_COLUMNS = ["company", "contact_name", "phone", "email", "tax_id", "industry", "note"]


@dataclass
class LeadImportResult:
    created: int
    duplicates: int  # imported leads that match existing leads or customers (see the report)
    lead_ids: list[int]


def campaign_leads_import(*, campaign_id: int, rows, user: User | None, file_name: str = "") -> LeadImportResult:
    """The business-card list of a campaign (columns LEAD_COLUMNS; company required). All or
    nothing: any bad row raises ImportFailed naming line and column, nothing is written. Two rows
    of the file with the same phone or e-mail are refused; matches with existing leads and
    customers are imported and listed in the duplicates report (merge or keep both there)."""
    from erp.exchange import ImportContext, ImportFailed

    ctx = ImportContext(user=user)
    ctx.file = file_name or _("campaign leads")
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status == CampaignStatus.CANCELLED:
        raise ValidationError(_("The campaign %(c)s is cancelled.") % {"c": campaign})
    if rows and "company" not in rows[0]:
        raise ImportFailed([_("%(file)s: missing column(s) %(cols)s") % {"file": ctx.file, "cols": "company"}])
    parsed = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        values = {
            "company": ctx.text(row, "company", max_length=200),
            "contact_name": ctx.text(row, "contact_name", required=False, max_length=100) or "",
            "phone": ctx.text(row, "phone", required=False, max_length=50) or "",
            "email": ctx.text(row, "email", required=False, max_length=254) or "",
            "tax_id": ctx.text(row, "tax_id", required=False, max_length=30) or "",
            "industry": ctx.text(row, "industry", required=False, max_length=60) or "",
            "note": ctx.text(row, "note", required=False) or "",
        }
        if values["email"] and not dedup.norm_email(values["email"]):
            ctx.error(row, "email", _("'%(value)s' is not an e-mail address") % {"value": values["email"]})
        keys = dedup.keys_of(phone=values["phone"], email=values["email"])
        for k, v in keys.items():
            if (k, v) in seen:
                ctx.error(
                    row,
                    k,
                    _("'%(value)s' appears on line %(line)s already") % {"value": row.get(k), "line": seen[(k, v)]},
                )
            seen.setdefault((k, v), row.line)
        parsed.append(values)
    if ctx.failed:
        raise ImportFailed(ctx.errors)
    with transaction.atomic():
        records = dedup.load_records()
        source = campaign.channel
        leads = bulk_create_with_history(
            [Lead(campaign=campaign, source=source, **{k: v or "" for k, v in values.items()}) for values in parsed],
            Lead,
            batch_size=2000,
            default_user=user,
        )
        duplicates = sum(
            1
            for values in parsed
            if dedup.find_matches(
                company=values["company"] or "",
                phone=values["phone"],
                email=values["email"],
                tax_id=values["tax_id"],
                records=records,
            )
        )
    return LeadImportResult(created=len(leads), duplicates=duplicates, lead_ids=[ld.pk for ld in leads])
