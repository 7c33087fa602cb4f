"""The generated access test (issue #10): every URL × every role × GET and POST, compared with
docs/permissions.md (the access table, generated from the views' declarations and the roles).
Object ids in URLs point at nothing, so an allowed request ends in 404 or a form error, never a
change; a refused one is 403 (role) or 405 (read-only page); anonymous users always go to login."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from erp.access_table import parse_markdown, render_markdown, role_names, routes

TABLE = Path(settings.BASE_DIR) / "docs" / "permissions.md"


def _expected():
    return parse_markdown(TABLE.read_text(encoding="utf-8"))


def _outcome(response) -> str:
    if response.status_code == 403:
        return "–"
    if response.status_code == 405:
        return "405"
    if response.status_code in (301, 302) and "/accounts/login/" in response.get("Location", ""):
        return "login"
    assert response.status_code < 500, response.status_code
    return "ok"


def test_access_table_is_current(db):
    assert TABLE.read_text(encoding="utf-8") == render_markdown(), (
        "docs/permissions.md is out of date: run `python manage.py access_table` and review the diff"
    )


def test_every_url_declares_its_access():
    undeclared = [r.path for r in routes() if not r.declared]
    assert not undeclared, f"views without module/action declaration: {undeclared}"


def test_anonymous_users_are_sent_to_login_for_every_url_and_method(db):
    client = Client(raise_request_exception=False)
    wrong = []
    for r in routes():
        for method in ("get", "post"):
            response = getattr(client, method)(r.url)
            if _outcome(response) != "login":
                wrong.append((method.upper(), r.path, response.status_code))
    assert not wrong


@pytest.mark.parametrize("role", role_names())
def test_every_url_answers_each_role_as_the_table_says(role, make_user):
    user = make_user(f"access_{abs(hash(role))}", role)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    table = _expected()
    wrong = []
    for r in routes():
        cell = table[r.path][role]
        get_part, _, post_part = cell.partition("/")
        got = _outcome(client.get(r.url))
        want = {"R": "ok", "–": "–", "·": "405"}[get_part]
        if got != want:
            wrong.append(("GET", r.path, want, got))
        got = _outcome(client.post(r.url, {}))
        want = {"W": "ok", "–": "–", "": "405"}[post_part]
        if got != want:
            wrong.append(("POST", r.path, want, got))
    assert not wrong, f"{len(wrong)} answers differ from docs/permissions.md: {wrong[:40]}"


def test_cost_accountant_is_read_only_in_the_warehouse(db):
    """The access table itself: the cost accountant opens warehouse pages but may act on none
    of the stock, receiving or picking documents."""
    table = _expected()
    modules = {r.path: r.modules for r in routes()}
    warehouse_posts = [
        (path, cells["成本会计"])
        for path, cells in table.items()
        if "warehouse" in modules[path] and cells["成本会计"].endswith("/W")
    ]
    assert not warehouse_posts
    assert sum("warehouse" in m for m in modules.values()) > 20  # the warehouse pages are in the table
