"""The one place that decides what a portal user may see: every portal view reads documents
through `scoped(user, queryset)` or `get_scoped_or_404(user, queryset, pk=...)`, which narrow the
query to the user's own supplier (SupplierUser). A user without a supplier link (an internal
admin opening the portal) sees nothing; another supplier's id is a 404, the same as a missing one.

`portal_view(...)` wraps a view: login, module "portal", the action permission on POST
(erp.permissions.module_required, so the idempotent submit token applies), and a rate limit
on the portal's POSTs per user (PORTAL_POSTS_PER_MINUTE, default 60; refused with 429)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from erp.permissions import module_required
from inventory.models import Supplier
from procurement.models import OutsourcingMaterial, OutsourcingOrder, PurchaseOrder, PurchaseOrderLine

from .models import Invitation, LineAnswer, ProgressReport, ShippingNotice, ShippingNoticeLine, SupplierUser

# model -> the path from it to its supplier
SCOPES: dict[type[Model], str] = {
    PurchaseOrder: "supplier",
    PurchaseOrderLine: "order__supplier",
    OutsourcingOrder: "supplier",
    OutsourcingMaterial: "order__supplier",
    ShippingNotice: "supplier",
    ShippingNoticeLine: "notice__supplier",
    LineAnswer: "supplier",
    ProgressReport: "supplier",
    Invitation: "supplier",
    SupplierUser: "supplier",
}


def supplier_of(user) -> Supplier | None:
    """The supplier a portal user belongs to (cached on the user object), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_portal_supplier"):
        link = SupplierUser.objects.select_related("supplier").filter(user=user).first()
        user._portal_supplier = link.supplier if link else None
    return user._portal_supplier


def scoped(user, queryset: QuerySet | type[Model]) -> QuerySet:
    """`queryset` narrowed to the rows of the user's supplier (none without a link)."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    path = SCOPES[qs.model]
    supplier = supplier_of(user)
    if supplier is None:
        return qs.none()
    return qs.filter(**{f"{path}_id" if path == "supplier" else f"{path}__id": supplier.pk})


def get_scoped_or_404(user, queryset: QuerySet | type[Model], **lookup):
    obj = scoped(user, queryset).filter(**lookup).first()
    if obj is None:
        raise Http404(_("Not found."))
    return obj


def _rate_limited(request) -> bool:
    limit = getattr(settings, "PORTAL_POSTS_PER_MINUTE", 60)
    key = f"portal-rate:{request.user.pk}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=60)
        count = 1
    return count > limit


def portal_view(*, action=None, methods=None):
    """A supplier-facing view: module "portal" (+ action on POST), rate-limited POSTs."""

    def decorator(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method == "POST" and _rate_limited(request):
                return HttpResponse(_("Too many requests: wait a minute and try again."), status=429)
            return view(request, *args, **kwargs)

        return module_required("portal", action=action, methods=methods)(limited)

    return decorator
