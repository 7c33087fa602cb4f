"""Ownership of CRM records (issue #10): who sees and who acts on what.

- A record belongs to its owner: customers, leads, opportunities, quotations and sales orders
  by their `owner`; records without an owner by their customer's owner; deliveries and returns
  by their sales order; invoices, receipts and tickets by their customer (a ticket also by its
  assignee); follow-ups by the user who wrote them.
- Its owner, the manager of a sales team the owner belongs to (`SalesTeam`) and administrators
  (superusers and the 管理员 role) may see and act on it. For anyone else it does not exist:
  pages and actions answer 404 (`get_visible`), lists leave it out (`scope`).
- The shared pool (公海): customers without owner (and records that hang on them) are seen by
  everyone in sales; anyone may claim them, only the owner's side may act on an owned customer
  (`may_manage`). Unowned leads are open to every salesperson as well.
"""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404

ADMIN_ROLE = "管理员"


def is_crm_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_crm_admin", None)
    if cached is None:
        cached = user.groups.filter(name=ADMIN_ROLE).exists()
        user._crm_admin = cached
    return cached


def scope_user_ids(user) -> set[int] | None:
    """The users whose records `user` acts on: self and the members of the teams they manage.
    None: every record (administrators)."""
    if is_crm_admin(user):
        return None
    cached = getattr(user, "_crm_scope", None)
    if cached is None:
        from .models import SalesTeam

        cached = {user.pk} | set(
            SalesTeam.members.through.objects.filter(salesteam__manager=user).values_list("user_id", flat=True)
        )
        user._crm_scope = cached
    return cached


def manages_team_of(user, owner_id: int | None) -> bool:
    """`user` is the manager of a team `owner_id` belongs to (or an administrator)."""
    ids = scope_user_ids(user)
    return ids is None or (owner_id is not None and owner_id != user.pk and owner_id in ids)


def _owner_or_pool(prefix: str, ids) -> Q:
    return Q(**{f"{prefix}owner_id__in": ids}) | Q(**{f"{prefix}owner__isnull": True})


def _owned_document(prefix: str, ids) -> Q:
    """Owned by the document's owner; without owner, by its customer's owner (or the pool)."""
    return Q(**{f"{prefix}owner_id__in": ids}) | (
        Q(**{f"{prefix}owner__isnull": True}) & _owner_or_pool(f"{prefix}customer__", ids)
    )


def visible_q(model, user) -> Q | None:
    """The filter of the records of `model` that `user` may see; None: all of them."""
    from . import models as m

    ids = scope_user_ids(user)
    if ids is None:
        return None
    ids = sorted(ids)
    if model in (m.Customer, m.Lead):
        return _owner_or_pool("", ids)
    if model in (m.Opportunity, m.Quotation, m.SalesOrder):
        return _owned_document("", ids)
    if model is m.Delivery:
        return _owned_document("order__", ids)
    if model is m.SalesReturn:
        return _owned_document("delivery__order__", ids)
    if model in (m.SalesInvoice, m.Receipt):
        return _owner_or_pool("customer__", ids)
    if model is m.ServiceTicket:
        return _owner_or_pool("customer__", ids) | Q(assigned_to_id__in=ids)
    if model is m.FollowUp:
        return Q(user_id__in=ids)
    if model is m.PaymentPlan:
        return _owned_document("order__", ids)
    raise LookupError(f"no ownership rule for {model.__name__}")


def scope(queryset, user):
    """`queryset` narrowed to what `user` may see."""
    q = visible_q(queryset.model, user)
    return queryset if q is None else queryset.filter(q)


def get_visible(model_or_queryset, user, **lookup):
    """The record, or 404 when it does not exist or is someone else's."""
    qs = model_or_queryset if hasattr(model_or_queryset, "model") else model_or_queryset._default_manager.all()
    return get_object_or_404(scope(qs, user), **lookup)


def may_manage(user, customer) -> bool:
    """Act on an owned customer (edit, release, follow up, sell to): its owner, the owner's team
    manager, administrators. A pool customer must be claimed first (administrators excepted)."""
    ids = scope_user_ids(user)
    if ids is None:
        return True
    return customer.owner_id is not None and customer.owner_id in ids


def customers_for(user, *, active_only: bool = True):
    """Customers `user` may sell to, raise tickets and receipts for (owned side, not the pool)."""
    from .models import Customer

    qs = Customer.objects.filter(is_active=True) if active_only else Customer.objects.all()
    ids = scope_user_ids(user)
    return qs if ids is None else qs.filter(owner_id__in=sorted(ids))
