"""Customers, the shared pool (公海), leads, opportunities and follow-ups."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import to_decimal
from erp.locks import lock_rows
from erp.models import CompanySettings, Notification
from erp.numbering import next_number
from erp.permissions import has_module
from erp.types import User

from ..access import is_crm_admin, manages_team_of, may_manage, scope_user_ids
from ..models import Customer, FollowUp, Lead, Opportunity, StageChange
from ..states import OPEN_STAGES, STAGE_RANK, LeadStatus, Stage


# --------------------------------------------------------------------------- customers and pool
@transaction.atomic
def customer_set_credit_limit(*, customer_id: int, credit_limit, user: User) -> Customer:
    if not (user.is_superuser or user.has_perm("crm.change_credit_limit")):
        raise ValidationError(_("Only administrators may change credit limits."), code="forbidden")
    value = to_decimal(credit_limit)
    if value < 0:
        raise ValidationError(_("The credit limit cannot be negative."))
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    customer.credit_limit = value
    customer.save(update_fields=["credit_limit", "updated_at"])
    return customer


@transaction.atomic
def customer_claim(*, customer_id: int, user: User) -> Customer:
    """Take a customer from the shared pool (领取). Only pool customers can be claimed; one that
    belongs to someone else is refused (its owner's team manager or an administrator reassigns it)."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if customer.owner_id == user.pk:
        return customer
    if customer.owner_id is not None:
        raise StateError(
            _("%(customer)s is not in the shared pool: it belongs to %(owner)s.")
            % {"customer": customer, "owner": customer.owner}
        )
    if not customer.is_active:
        raise StateError(_("%(customer)s is inactive and cannot be claimed.") % {"customer": customer})
    customer.owner = user
    customer.claimed_at = timezone.now()
    customer.save(update_fields=["owner", "claimed_at", "updated_at"])
    return customer


def _may_assign(user: User | None, customer, owner: User | None) -> bool:
    """Administrators assign any customer to anyone; a team manager assigns the customers of
    their team (and pool customers) to members of their team, themselves included."""
    if user is None or is_crm_admin(user):
        return True
    ids = scope_user_ids(user)
    if ids is None:  # administrators (answered above)
        return True
    if len(ids) <= 1:  # manages no team
        return False
    current_ok = customer.owner_id is None or customer.owner_id in ids
    target_ok = owner is None or owner.pk in ids
    return current_ok and target_ok


@transaction.atomic
def customer_assign(*, customer_id: int, owner: User | None, user: User | None) -> Customer:
    """Give a customer to `owner` (None: back to the pool). `user` None = the system (imports)."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if not _may_assign(user, customer, owner):
        raise ValidationError(
            _("Only administrators and the team manager of the owner may assign customers."), code="forbidden"
        )
    if owner is not None and not owner.is_active:
        raise ValidationError(_("%(user)s is inactive.") % {"user": owner})
    if owner is not None and user is not None and not has_module(owner, "sales"):
        raise ValidationError(_("%(user)s does not work in sales.") % {"user": owner})
    if customer.owner_id == (owner.pk if owner else None):
        return customer
    if owner is None:
        customer.owner = None
    else:
        customer.owner = owner
        customer.claimed_at = timezone.now()
    customer.save(update_fields=["owner", "claimed_at", "updated_at"])
    return customer


@transaction.atomic
def customer_release(*, customer_id: int, user: User | None) -> Customer:
    """Put a customer back into the shared pool: its owner, the owner's team manager or an
    administrator (`user` None = the system)."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if customer.owner_id is None:
        return customer
    if user is not None and not may_manage(user, customer):
        raise ValidationError(
            _("Only the owner, the owner's team manager or an administrator may return %(customer)s to the pool.")
            % {"customer": customer},
            code="forbidden",
        )
    customer.owner = None
    customer.save(update_fields=["owner", "updated_at"])
    return customer


def idle_customers(*, now: datetime.datetime | None = None, days: int | None = None):
    """Owned customers whose last follow-up (or claim, or creation) is more than `days` old."""
    now = now or timezone.now()
    days = CompanySettings.get().pool_return_days if days is None else days
    cutoff = now - datetime.timedelta(days=days)
    return (
        Customer.objects.filter(owner__isnull=False)
        .annotate(
            last_touch=Greatest(
                Coalesce("last_followup_at", "created_at"),
                Coalesce("claimed_at", "created_at"),
            )
        )
        .filter(last_touch__lt=cutoff)
    )


@transaction.atomic
def customers_return_idle(*, now: datetime.datetime | None = None) -> list[int]:
    """Customers without follow-up for CompanySettings.pool_return_days go back to the pool;
    their owners get a notification. Returns the ids moved (idempotent: a second run moves none)."""
    days = CompanySettings.get().pool_return_days
    ids = list(idle_customers(now=now, days=days).values_list("pk", flat=True))
    moved = []
    for customer in lock_rows(Customer.objects.all(), ids).values():
        if customer.owner_id is None:
            continue
        Notification.objects.create(
            user_id=customer.owner_id,
            title=_("%(customer)s returned to the shared pool") % {"customer": customer},
            body=_("No follow-up for %(days)s days.") % {"days": days},
            url=f"/crm/customers/{customer.pk}/",
            kind="crm.pool",
        )
        customer.owner = None
        customer.save(update_fields=["owner", "updated_at"])
        moved.append(customer.pk)
    return moved


def _new_customer_code() -> str:
    return next_number("CU", width=5)


# --------------------------------------------------------------------------- leads and opportunities
@transaction.atomic
def lead_convert(
    *,
    lead_id: int,
    user: User | None,
    opportunity_name: str = "",
    amount=None,
    close_date=None,
    customer_id: int | None = None,
) -> Opportunity:
    """线索转化: a customer (new, or the given one) and an opportunity that keep the lead link."""
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if lead.status == LeadStatus.CONVERTED:
        existing = lead.opportunities.order_by("pk").first()
        if existing:
            return existing
    if lead.status == LeadStatus.DISCARDED:
        raise StateError(_("The lead %(lead)s was discarded and cannot be converted.") % {"lead": lead})
    if customer_id:
        customer = Customer.objects.get(pk=customer_id)
    else:
        customer = Customer.objects.create(
            code=_new_customer_code(),
            name=lead.company,
            contact=lead.contact_name,
            phone=lead.phone,
            email=lead.email,
            source=lead.source,
            industry=lead.industry,
            tax_id=lead.tax_id,
            owner=lead.owner or user,
            claimed_at=timezone.now(),
        )
    now = timezone.now()
    opp = Opportunity.objects.create(
        name=opportunity_name or lead.company,
        customer=customer,
        lead=lead,
        owner=lead.owner or user,
        amount=to_decimal(amount),
        close_date=close_date,
        stage=Stage.INITIAL,
        probability=10,
        reached_rank=1,
        campaign_id=lead.campaign_id,  # marketing (issue 19): the opportunity keeps the lead's campaign and source
        source=lead.source,
    )
    StageChange.objects.create(opportunity=opp, from_stage="", to_stage=Stage.INITIAL, user=user)
    lead.status = LeadStatus.CONVERTED
    lead.customer = customer
    lead.converted_at = now
    lead.save(update_fields=["status", "customer", "converted_at", "updated_at"])
    return opp


PROBABILITY = {
    Stage.INITIAL: 10,
    Stage.NEEDS: 30,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.WON: 100,
    Stage.LOST: 0,
}


@transaction.atomic
def opportunity_move(*, opportunity_id: int, stage: str, user: User | None, lost_reason: str = "") -> Opportunity:
    """Move an opportunity to another stage. Won and lost are final."""
    if stage not in Stage.values:
        raise ValidationError(_("Unknown stage: %(stage)s") % {"stage": stage})
    stage = Stage(stage)
    opp = Opportunity.objects.select_for_update().get(pk=opportunity_id)
    if opp.stage == stage:
        return opp
    if opp.stage not in OPEN_STAGES:
        raise StateError(
            _("%(opp)s is already %(stage)s and cannot move.") % {"opp": opp, "stage": opp.get_stage_display()}
        )
    if stage == Stage.LOST and not lost_reason.strip():
        raise ValidationError(_("Give the reason the opportunity was lost."), code="lost_reason")
    previous = opp.stage
    opp.stage = stage
    opp.probability = PROBABILITY[stage]
    if stage in STAGE_RANK:
        opp.reached_rank = max(opp.reached_rank, STAGE_RANK[stage])
    if stage == Stage.LOST:
        opp.lost_reason = lost_reason.strip()
    if stage in (Stage.WON, Stage.LOST):
        opp.closed_at = timezone.now()
    opp.save()
    StageChange.objects.create(opportunity=opp, from_stage=previous, to_stage=stage, user=user)
    return opp


@transaction.atomic
def followup_add(
    *,
    user: User,
    content: str,
    customer_id: int | None = None,
    lead_id: int | None = None,
    opportunity_id: int | None = None,
    method: str = "phone",
    next_date: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> FollowUp:
    """跟进记录. A follow-up on a customer (or its opportunity) resets its pool clock."""
    if not (content or "").strip():
        raise ValidationError(_("Write what was discussed."))
    if not (customer_id or lead_id or opportunity_id):
        raise ValidationError(_("A follow-up belongs to a customer, a lead or an opportunity."))
    at = at or timezone.now()
    if opportunity_id and not customer_id:
        customer_id = Opportunity.objects.values_list("customer_id", flat=True).get(pk=opportunity_id)
    if next_date and next_date < timezone.localtime(at).date():
        raise ValidationError(_("The next follow-up date lies in the past."))
    fu = FollowUp.objects.create(
        customer_id=customer_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        user=user,
        at=at,
        method=method,
        content=content.strip(),
        next_date=next_date,
    )
    if customer_id:
        Customer.objects.filter(pk=customer_id).filter(
            Q(last_followup_at__isnull=True) | Q(last_followup_at__lt=at)
        ).update(last_followup_at=at)
    return fu


@transaction.atomic
def followup_done(*, followup_id: int, user: User | None) -> FollowUp:
    """Mark a reminder done: its author, the author's team manager or an administrator."""
    fu = FollowUp.objects.select_for_update().get(pk=followup_id)
    if user is not None and fu.user_id != user.pk and not manages_team_of(user, fu.user_id):
        raise ValidationError(_("This reminder belongs to another user."), code="forbidden")
    if not fu.reminder_done:
        fu.reminder_done = True
        fu.save(update_fields=["reminder_done"])
    return fu
