"""The warehouse sidebar entries open for roles with the warehouse module and refuse the others."""

import pytest
from django.urls import reverse

from erp.navigation import _registry
from erp.roles import ROLES

pytestmark = pytest.mark.django_db


def test_inventory_pages_by_role(login, client):
    entries = [
        (m, i.url_name)
        for m, items in _registry.items()
        for i in items
        if i.url_name.startswith("inventory:") and not i.also_module
    ]
    assert len(entries) == 12
    for url_name in [u for _m, u in entries]:
        response = client.get(reverse(url_name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for role, (modules, _apps, _extra) in ROLES.items():
        c = login(role, username=f"inv_{role}")
        for module, url_name in entries:
            expected = 200 if module in modules else 403
            assert c.get(reverse(url_name)).status_code == expected, (role, url_name)


def test_warehouse_keeper_cannot_post_without_document_permission(login, make_user):
    from tests import factories as f

    c = login("成本会计", username="acct")  # opens the warehouse module, may not change documents
    wh = f.warehouse("RM")
    resp = c.post(reverse("inventory:other_receipt_create"), {"warehouse": wh.pk})
    assert resp.status_code == 403
