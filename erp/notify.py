"""Hand-off notifications (issue 18): when a document waits for another role (a picking draft for
the warehouse, a requisition for the buyer, a receipt for invoice matching), the users of that
role's module get a notification in the bell and, where e-mail is configured, an e-mail. When the
work is done the service resolves the notification (marked read). The role's dashboard shows the
same work as a to-do list, counted live (erp.dashboard.register_todo).

    notify_module(module="warehouse", key=f"picking:{p.pk}", title=..., url=...)
    notifications_resolve(key=f"picking:{p.pk}")

A notification that must read in each reader's language is stored with a `code` and `params`
(language-neutral data) and the app registers the renderer: `register_text(code, render)`, where
`render(params)` returns (title, body) in the current language; pages show
`Notification.display_title` / `display_body`. The stored title and body are the sender's (e-mail).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

KEY_PREFIX = "handoff:"
NO_MAIL_BACKENDS = ("django.core.mail.backends.dummy.EmailBackend",)

# code → renderer(params) → (title, body) in the current language: a notification stored with a
# code is shown in the reader's language (the stored title and body are the sender's, for e-mail)
_texts: dict[str, Callable[[dict], tuple[str, str]]] = {}


def register_text(code: str, render: Callable[[dict], tuple[str, str]]) -> None:
    """Notifications stored with `code` are rendered by `render(params)` for each reader."""
    _texts[code] = render


def notification_text(notification) -> tuple[str, str]:
    """(title, body) of a notification in the current language: rendered from its code and params
    when a renderer is registered, else as stored."""
    render = _texts.get(notification.code) if notification.code else None
    if render is not None:
        try:
            return render(notification.params or {})
        except (KeyError, TypeError, ValueError):  # params of an older shape: the text as sent
            logger.warning("notification %s: params not renderable", notification.pk, exc_info=True)
    return notification.title, notification.body


def module_users(module: str):
    """Active users whose roles open `module` (superusers are not flooded: they see everything)."""
    codename = f"access_{module}"
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .filter(
            Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label="erp")
            | Q(user_permissions__codename=codename, user_permissions__content_type__app_label="erp")
        )
        .distinct()
        .order_by("pk")
    )


def mail_configured() -> bool:
    backend = getattr(settings, "EMAIL_BACKEND", "")
    return bool(backend) and backend not in NO_MAIL_BACKENDS and getattr(settings, "NOTIFY_BY_EMAIL", True)


def notify_module(*, module: str, key: str, title: str, body: str = "", url: str = "", kind: str = "handoff") -> int:
    """One notification per user of `module`, once per `key` (a repeat is ignored); e-mail after
    commit to those with an address when e-mail is configured (a mail failure is logged, never
    raised). Returns the number of notifications written."""
    from .models import Notification

    dedupe = f"{KEY_PREFIX}{key}"
    # the users and whether they have it already, in one read
    users = list(
        module_users(module).annotate(
            notified=Exists(Notification.objects.filter(user=OuterRef("pk"), dedupe_key=dedupe))
        )
    )
    new = [u for u in users if not u.notified]
    if not new:
        return 0
    Notification.objects.bulk_create(
        [Notification(user=u, title=title[:200], body=body, url=url[:300], kind=kind, dedupe_key=dedupe) for u in new],
        ignore_conflicts=True,
    )
    recipients = [u.email for u in new if u.email]
    if recipients and mail_configured():
        transaction.on_commit(lambda: _send_mail(title, body, url, recipients))
    return len(new)


def _send_mail(title: str, body: str, url: str, recipients: list[str]) -> None:
    from django.core.mail import send_mail

    base = getattr(settings, "SITE_URL", "").rstrip("/")
    text = "\n\n".join(part for part in (body, f"{base}{url}" if url else "") if part)
    try:
        send_mail(title, text or title, None, recipients, fail_silently=False)
    except Exception:  # a mail server that is down must not fail the hand-off
        logger.warning("hand-off mail not sent", extra={"title": title, "recipients": len(recipients)}, exc_info=True)


def notifications_resolve(*, key: str) -> int:
    """The work is done: the hand-off notifications of `key` are marked read for everybody."""
    from .models import Notification

    return Notification.objects.filter(dedupe_key=f"{KEY_PREFIX}{key}", read_at__isnull=True).update(
        read_at=timezone.now()
    )
