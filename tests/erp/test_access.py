"""Login and permissions: every URL requires login; each role opens only its modules."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from erp.roles import ROLES

# the supplier portal's invitation link is public: its one-time token is the access
PUBLIC = {"login", "healthz", "set_language", "logout", "password_reset", "favicon", "portal:invitation_accept"}


def _walk(patterns, prefix="", ns=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            new_ns = ns
            if p.namespace:
                new_ns = f"{ns}:{p.namespace}" if ns else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), new_ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{ns}:{p.name}" if ns and p.name else p.name), p


def _concrete(route: str) -> str:
    import re

    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<slug:[^>]+>|<str:[^>]+>|<[^>]+>", "x", route)
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    return "/" + route


def app_urls():
    for route, name, _p in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or name in PUBLIC or (name or "").startswith("django_"):
            continue
        if "(?P" in route or route.startswith("static"):
            continue
        yield _concrete(route), name


@pytest.mark.django_db
def test_every_page_requires_login(client):
    checked = 0
    for url, name in app_urls():
        response = client.get(url)
        assert response.status_code in (302, 405), f"{name} {url} answered {response.status_code} to anonymous"
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], f"{name} {url} redirects elsewhere"
        checked += 1
    assert checked >= 4


@pytest.mark.django_db
def test_admin_requires_staff_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_role_module_matrix(login):
    """Each role opens the pages of its modules (200) and is refused others (403)."""
    from erp.navigation import _registry, may_open

    for role, (modules, _apps, _extra) in ROLES.items():
        client = login(role, username=f"m_{role}")
        # a page may sit in two modules' menus (campaigns: marketing and sales)
        offered = {i.url_name for m, its in _registry.items() for i in its if may_open(client.user, i, m)}
        for module, items in _registry.items():
            for item in items:
                response = client.get(reverse(item.url_name))
                listed = may_open(client.user, item, module)
                if listed:  # what the menu offers opens
                    assert response.status_code == 200, f"{role} {item.url_name}: {response.status_code}"
                elif item.also_module is None and item.url_name not in offered:  # what it does not offer is refused
                    assert response.status_code == 403, f"{role} {item.url_name}: {response.status_code}"
        system = client.get(reverse("company_settings"))
        assert system.status_code == (200 if "system" in modules else 403)


@pytest.mark.django_db
def test_menu_shows_only_the_roles_modules(login):
    client = login("销售", username="s1")
    html = client.get("/").content.decode()
    assert 'data-module="sales"' in html
    assert 'data-module="warehouse"' not in html
    assert 'data-module="costing"' not in html
    client = login("仓库", username="w1")
    html = client.get("/").content.decode()
    assert 'data-module="warehouse"' in html and 'data-module="sales"' not in html


@pytest.mark.django_db
def test_anonymous_redirected_to_login(client):
    response = client.get(reverse("company_settings"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/system/company/")


@pytest.mark.django_db
def test_login_throttled_after_five_failures(client, make_user):
    make_user("victim")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "victim", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        "/accounts/login/", {"username": "victim", "password": "Test-pass-2026"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_works_with_right_password(client, make_user):
    make_user("alice", "销售")
    response = client.post("/accounts/login/", {"username": "alice", "password": "Test-pass-2026"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_buyer_creates_a_supplier_and_warehouse_clerk_cannot(login):
    from inventory.models import Supplier

    buyer = login("采购", username="buyer1")
    response = buyer.post(
        "/inventory/suppliers/new/", {"code": "S-77", "name": "宁波钢管", "payment_terms_days": 30, "is_active": "on"}
    )
    assert response.status_code == 302
    assert Supplier.objects.get(code="S-77").name == "宁波钢管"
    clerk = login("仓库", username="clerk1")
    assert clerk.post("/inventory/suppliers/new/", {"code": "S-78", "name": "x"}).status_code == 403
    assert not Supplier.objects.filter(code="S-78").exists()


@pytest.mark.django_db
def test_reports_menu_offers_only_reports_the_role_may_open(login):
    from erp.navigation import menu_for

    def reports_of(role):
        client = login(role, username=f"rep_{role}")
        menu = {m["code"]: [i["url_name"] for i in m["items"]] for m in menu_for(client.user)}
        return menu.get("reports", [])

    assert reports_of("销售") == ["crm:funnel", "crm:ageing"]
    assert reports_of("仓库") == ["inventory:on_hand", "inventory:value_by_category", "inventory:dead_stock"]
    assert reports_of("成本会计") == [
        "inventory:on_hand",
        "inventory:value_by_category",
        "inventory:dead_stock",
        "costing:product_summary",
        "procurement:report_accruals",
        "procurement:report_ageing",
    ]
