"""Helpers shared by the portal services."""

from django.utils.translation import gettext as _

from erp.errors import StateError
from erp.types import User
from inventory.models import Supplier

from ..models import SupplierUser


def real_user(user: User | None) -> User | None:
    return user if getattr(user, "pk", None) else None


def supplier_for(user: User | None) -> Supplier:
    """The supplier of a portal user; a user of no supplier may not act in the portal."""
    pk = getattr(user, "pk", None)
    link = SupplierUser.objects.select_related("supplier").filter(user_id=pk).first() if pk else None
    if link is None:
        raise StateError(_("Your account does not belong to a supplier."), code="no_supplier")
    return link.supplier
