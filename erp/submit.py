"""Idempotent submits (issue #10): every POST form carries a one-time token (`_submit_token`,
put into each rendered `<form method="post">` by `SubmitTokenMiddleware`). The first POST with a
token runs the view in one transaction together with the token row; a concurrent or later POST
with the same token waits for the first to finish and is redirected where the first went, so a
double click or a replayed request never creates a second document.

A POST without a token (API clients, tests) runs as usual. A POST whose view answers without a
redirect (a form re-shown with errors) releases its token: nothing was done, the user may retry.
"""

from __future__ import annotations

import re
import secrets

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

FIELD = "_submit_token"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def delete_old_tokens(*, hours: int | None = None) -> int:
    """Delete tokens older than `hours` (setting SUBMIT_TOKEN_HOURS); returns how many."""
    import datetime

    from django.conf import settings
    from django.utils import timezone

    from .models import SubmitToken

    hours = settings.SUBMIT_TOKEN_HOURS if hours is None else hours
    cutoff = timezone.now() - datetime.timedelta(hours=hours)
    deleted, _rows = SubmitToken.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def idempotent(request, run):
    from .models import SubmitToken

    key = request.POST.get(FIELD, "") if request.method == "POST" else ""
    if not key or not _TOKEN_RE.match(key) or not request.user.is_authenticated:
        return run()
    with transaction.atomic():
        try:
            with transaction.atomic():
                token = SubmitToken.objects.create(key=key, user=request.user, path=request.path[:300])
        except IntegrityError:
            token = None
        if token is None:
            first = SubmitToken.objects.filter(key=key, user=request.user).first()
            messages.info(request, _("This form was already submitted; here is the result of the first submission."))
            target = (first.result_url if first else "") or request.META.get("HTTP_REFERER") or "/"
            from django.utils.http import url_has_allowed_host_and_scheme

            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/"
            return HttpResponseRedirect(target)
        response = run()
        location = response.get("Location") or response.get("HX-Redirect") or ""
        if 300 <= response.status_code < 400 or location:
            token.result_url = location[:500]
            token.save(update_fields=["result_url"])
        else:
            token.delete()
        return response


_FORM_RE = re.compile(rb"<form\b[^>]*\bmethod\s*=\s*[\"']?post[\"']?[^>]*>", re.IGNORECASE)


class SubmitTokenMiddleware:
    """Adds a fresh hidden `_submit_token` input to every POST form of an HTML page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(response, "streaming", False)
            or not response.get("Content-Type", "").startswith("text/html")
            or not getattr(request, "user", None)
            or not request.user.is_authenticated
        ):
            return response
        content = response.content
        if b"<form" not in content and b"<FORM" not in content:
            return response

        def add(match):
            return (
                match.group(0)
                + b'<input type="hidden" name="'
                + FIELD.encode()
                + b'" value="'
                + new_token().encode()
                + b'">'
            )

        new = _FORM_RE.sub(add, content)
        if new is not content:
            response.content = new
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(new))
        return response
