"""Supplier accounts: a buyer invites a supplier's contact by a link that expires; the contact
chooses a user name and a password (the same password rules as staff) and gets role 供应商,
linked to that supplier only."""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.locks import lock_row
from erp.types import User
from inventory.models import Supplier

from ..models import Invitation, SupplierUser
from .common import real_user

PORTAL_ROLE = "供应商"


def mail_enabled() -> bool:
    """E-mail from the portal only where configured (setting PORTAL_EMAIL = True; off by default)."""
    return bool(getattr(settings, "PORTAL_EMAIL", False))


@transaction.atomic
def invitation_create(
    *, supplier_id: int, email: str, days: int = 7, user: User | None, accept_url: str = ""
) -> Invitation:
    if not Supplier.objects.filter(pk=supplier_id).exists():
        raise ValidationError(_("Unknown supplier."), code="unknown_supplier")
    if not 1 <= days <= 30:
        raise ValidationError(_("An invitation is valid for 1 to 30 days."), code="days")
    inv = Invitation.objects.create(
        supplier_id=supplier_id,
        email=email.strip(),
        token=secrets.token_urlsafe(32),
        expires_at=timezone.now() + datetime.timedelta(days=days),
        created_by=real_user(user),
    )
    if mail_enabled() and accept_url:
        link = accept_url.replace("TOKEN", inv.token)
        transaction.on_commit(
            lambda: send_mail(
                _("Invitation to the Tiangong supplier portal"),
                _("Open this link to create your account (valid until %(until)s): %(link)s")
                % {"until": inv.expires_at.strftime("%Y-%m-%d %H:%M"), "link": link},
                None,
                [inv.email],
                fail_silently=True,
            )
        )
    return inv


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str, full_name: str = "") -> User:
    """Create the supplier's account from an open invitation (once)."""
    inv_id = Invitation.objects.filter(token=token).values_list("pk", flat=True).get()
    inv = lock_row(Invitation, inv_id)
    if inv.accepted_at is not None:
        raise StateError(_("This invitation was already used."), code="used")
    if inv.expires_at <= timezone.now():
        raise StateError(_("This invitation has expired: ask your buyer for a new one."), code="expired")
    username = (username or "").strip()
    model = get_user_model()
    if not username or len(username) > 150:
        raise ValidationError(_("Choose a user name (at most 150 characters)."), code="username")
    if model.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("This user name is taken: choose another."), code="username_taken")
    candidate = model(username=username, email=inv.email, first_name=(full_name or "").strip()[:150])
    try:
        password_validation.validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(exc.messages), code="password") from None
    candidate.set_password(password)
    candidate.save()
    candidate.groups.add(Group.objects.get(name=PORTAL_ROLE))
    SupplierUser.objects.create(user=candidate, supplier_id=inv.supplier_id)
    inv.accepted_at = timezone.now()
    inv.user = candidate
    inv.save()
    return candidate
