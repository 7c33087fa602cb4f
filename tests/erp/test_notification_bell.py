"""The bell in the top bar: the number of the user's unread notifications on every page, in the
user's language, counted with one query per page."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from erp.models import Notification

BADGE = re.compile(
    r'id="notification-bell">[^<]*<span class="badge[^"]*" title="([^"]+)"><span aria-hidden="true">([^<]+)</span>'
)


def _bell(client, path="/"):
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(path).content.decode()
    counts = [q["sql"] for q in ctx.captured_queries if "erp_notification" in q["sql"] and "COUNT" in q["sql"]]
    m = BADGE.search(html)
    return (m.group(2), m.group(1)) if m else None, len(counts)


def test_the_bell_counts_the_users_unread_notifications_in_his_language(login, make_user):
    client = login("仓库", username="clerk")
    other = make_user("other", "仓库")
    for n in range(3):
        Notification.objects.create(user=client.user, title=f"picking {n}")
    Notification.objects.create(user=client.user, title="seen", read_at="2026-01-05T08:00:00Z")
    Notification.objects.create(user=other, title="not mine")
    client.cookies["django_language"] = "en"
    assert _bell(client) == (("3", "3 unread notifications"), 1)
    assert _bell(client, "/inventory/items/") == (("3", "3 unread notifications"), 1)
    client.cookies["django_language"] = "zh-hans"
    assert _bell(client) == (("3", "3 条未读通知"), 1)
    # when one is read by its hand-off being done, and then the user reads the rest
    Notification.objects.filter(title="picking 0").update(read_at="2026-01-06T08:00:00Z")
    client.cookies["django_language"] = "en"
    assert _bell(client) == (("2", "2 unread notifications"), 1)
    client.post("/notifications/read/")
    assert _bell(client) == (None, 1)
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1


def test_the_bell_shows_99_plus_beyond_99(login):
    client = login("仓库", username="clerk")
    Notification.objects.bulk_create([Notification(user=client.user, title=f"n{i}") for i in range(120)])
    client.cookies["django_language"] = "en"
    assert _bell(client) == (("99+", "120 unread notifications"), 1)
