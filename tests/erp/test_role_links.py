"""No dead ends between roles (issue 18): as each demo role, open the dashboard, every page of the
sidebar and the pages they link to (the first of each kind: a list's first detail), and follow
every link on them. None answers 403 (a link the role may not open is not shown, or opens a
read-only view) and none fails."""

import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from erp.navigation import menu_for

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/admin", "/accounts/", "/i18n/", "/static/", "/media/", "/healthz")
ROLES = ["sales", "buyer", "warehouse", "planner", "production", "accountant", "marketing", "bookkeeper", "auditor"]


def _key(url: str):
    try:
        match = resolve(url.split("?")[0])
    except Resolver404:
        return None
    return (match.view_name, "?" in url)


def _links(html: str) -> list[str]:
    out = []
    for href in HREF.findall(html):
        href = href.replace("&amp;", "&")
        if href.startswith(SKIP) or "_export=" in href or href.rstrip("/").endswith("/pdf"):
            continue
        out.append(href)
    return out


def _crawl(client: Client, user) -> tuple[int, list[tuple[str, int, str]]]:
    """Level 0: dashboard and sidebar pages; level 1: every kind of page they link to (first of
    each); level 2: every link on those, opened but not followed further."""
    start = ["/"] + [item["url"] for module in menu_for(user) for item in module["items"]]
    seen: set[str] = set()
    kinds: Counter = Counter()
    bad: list[tuple[str, int, str]] = []
    level = [(url, "-") for url in start]
    opened = 0
    for depth in range(3):
        following = []
        for url, referrer in level:
            if url in seen:
                continue
            seen.add(url)
            key = _key(url)
            if key is None:
                continue
            kinds[key] += 1
            if depth and kinds[key] > 1:
                continue  # one page of each kind (a list's first detail)
            response = client.get(url)
            opened += 1
            if response.status_code == 403 or response.status_code >= 500:
                bad.append((url, response.status_code, referrer))
                continue
            if depth < 2 and response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                following += [(link, url) for link in _links(response.content.decode())]
        level = following
    return opened, bad


def test_every_link_a_role_sees_opens():
    call_command("seed_demo", verbosity=0)
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=ROLES)}
    assert set(users) == set(ROLES)
    report = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        client.force_login(users[role])
        opened, bad = _crawl(client, users[role])
        assert opened > 10, (role, opened)
        report[role] = bad
    dead = {role: bad for role, bad in report.items() if bad}
    assert not dead, f"links ending on 403/500 (url, status, found on): {dead}"
