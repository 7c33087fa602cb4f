"""Shared tools for the hardening tests (issue #10): the bad inputs every form and action view
must refuse with a message, a snapshot of everything a refused action must not write, and
concurrent identical submits.

    before = snapshot()
    response = client.post(url, {**good, "qty": bad}, follow=True)
    assert_refused(response, before)
"""

from __future__ import annotations

import re
import threading

from django.apps import apps
from django.db import connection

# Every class of bad number found by the hostile-user probe; each must give a message, never a 500.
BAD_NUMBERS = [
    "abc",
    "1,5",
    "12,5",
    "1e30",
    "NaN",
    "Infinity",
    "-Infinity",
    "9" * 500,
    "0.0000001",
    "999999999999999",
]
# Over-precise money (3 decimals) must be refused too, never rounded.
BAD_MONEY = [*BAD_NUMBERS, "0.001"]
BAD_DATES = ["0001-01-01", "9999-12-31", "abc", "2026-02-30", "2026/13/01"]
BAD_IDS = ["abc", "-1", "999999999", "1e3", "9" * 40]

DOMAIN_APPS = ("erp", "inventory", "bom", "mrp", "production", "procurement", "crm", "costing")


def snapshot() -> dict[str, int]:
    """Row counts of every table of our apps (documents, lines, ledgers, audit rows, sequences)
    plus the sum of issued numbers: a refused action must leave this unchanged."""
    out: dict[str, int] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in DOMAIN_APPS or not model._meta.managed:
            continue
        if model._meta.model_name in ("submittoken", "notification"):
            continue
        out[model._meta.label] = model._default_manager.count()
    Sequence = apps.get_model("erp", "Sequence")
    out["erp.Sequence.last"] = sum(Sequence.objects.values_list("last", flat=True))
    return out


def changed(before: dict[str, int]) -> dict[str, tuple[int, int]]:
    after = snapshot()
    return {k: (before.get(k, 0), v) for k, v in after.items() if before.get(k, 0) != v}


def messages_of(response) -> list[str]:
    """Flash messages and inline form errors shown on the (followed) response."""
    found = (
        [str(m) for m in response.context["messages"]] if response.context and "messages" in response.context else []
    )
    html = response.content.decode("utf-8", "replace")
    found += re.findall(r'class="[^"]*(?:invalid-feedback|errorlist|alert-danger)[^"]*"[^>]*>(.*?)</', html, re.S)
    return [m.strip() for m in found if m.strip()]


def assert_refused(response, before: dict[str, int], *, field: str | None = None) -> None:
    """Not a 500, a message for the user (naming `field` when given), nothing written."""
    assert response.status_code in (200, 400, 404), response.status_code
    if response.status_code != 404:
        shown = messages_of(response)
        assert shown, "no message shown for a refused input"
        if field:
            assert any(field.lower() in m.lower() for m in shown), shown
    diff = changed(before)
    assert not diff, f"a refused action wrote rows: {diff}"


def client_for(user, lang: str = "en"):
    """A test client logged in as `user`, UI in `lang`, that answers a server error as a 500
    response (so tests can assert "never 500") instead of raising."""
    from django.test import Client

    c = Client(raise_request_exception=False)
    c.force_login(user)
    c.cookies["django_language"] = lang
    return c


def form_token(client, url: str) -> str:
    """The one-time submission token of the first POST form on the page at `url`."""
    html = client.get(url).content.decode()
    match = re.search(r'name="_submit_token" value="([^"]+)"', html)
    assert match, f"no submission token on {url}"
    return match.group(1)


def post_concurrently(user, url: str, data: dict, n: int = 2) -> list:
    """POST the same data (same submission token) `n` times at once from `n` threads, each with
    its own client and database connection (use in `django_db(transaction=True)` tests)."""
    from django.test import Client

    barrier = threading.Barrier(n)
    responses: list = [None] * n
    errors: list = []

    def run(i):
        try:
            c = Client()
            c.force_login(user)
            barrier.wait(timeout=10)
            responses[i] = c.post(url, data)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return responses
