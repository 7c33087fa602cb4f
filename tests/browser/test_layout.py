"""Layout at 1,366 px (issue 18 item 6): every list page of the sidebar, as each role, with the
demo data, in headless Chromium: the page never scrolls sideways (tables wrap), table headers
are sticky, and the sidebar collapses on a narrow screen. One browser, one page per role.
Screenshots: artifacts/screenshots/layout/."""

import io

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from erp.access_table import routes
from erp.navigation import menu_for
from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# demo user of each role (erp/demo.py and the apps' demo.py)
DEMO_USERS = {
    "管理员": "admin",
    "销售": "sales",
    "采购": "buyer",
    "仓库": "warehouse",
    "计划": "planner",
    "生产": "production",
    "成本会计": "accountant",
    "市场": "marketing",
    "会计": "bookkeeper",
    "审计": "auditor",
    "供应商": "supplier",
}
WIDTH = 1366
# English pages that were once too wide, checked by name (the English walk must include them)
ONCE_TOO_WIDE_EN = {"/mrp/analysis/shortage/", "crm:order_detail"}
OVERFLOW_JS = """() => {
  const s = document.scrollingElement;
  if (s.scrollWidth <= s.clientWidth) return null;
  // the widest elements, to say what overflows
  const wide = [];
  for (const el of document.querySelectorAll("main *")) {
    const r = el.getBoundingClientRect();
    if (r.right > s.clientWidth + 1 && el.children.length < 50) wide.push([r.right, el.tagName + "." + el.className]);
  }
  wide.sort((a, b) => a[0] - b[0]);
  return {scrollWidth: s.scrollWidth, clientWidth: s.clientWidth, first: wide.slice(0, 3)};
}"""


def _login_cookie(context, user, base_url):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}])


def _list_pages(user) -> list[str]:
    """The sidebar pages of `user`, plus (for the administrator) every other page without an id
    in its URL that answers GET with HTML."""
    urls = [item["url"] for module in menu_for(user) for item in module["items"]]
    if user.is_superuser or user.groups.filter(name="管理员").exists():
        for r in routes():
            if "<" in r.path or (r.methods and "GET" not in r.methods) or r.url in urls:
                continue
            if r.url.endswith((".xlsx", ".csv", ".pdf", "/progress/", "/export/")) or r.url.startswith("/system/"):
                continue
            urls.append(r.url)
    return list(dict.fromkeys(urls))


def _add_linked(linked: dict[str, str], href: str, seen: list[str]) -> None:
    """Remember the first page of each URL pattern with an id (a document, a run's lists)."""
    if not href or not href.startswith("/") or href.endswith(("/print/", "/pdf/", ".xlsx", ".csv")):
        return
    path = href.split("?")[0].split("#")[0]
    try:
        match = resolve(path)
    except Resolver404:
        return
    if match.kwargs and match.view_name not in linked and path not in seen and not path.startswith("/admin/"):
        linked[match.view_name] = path
        seen.append(path)  # visited after the lists


def test_no_list_page_scrolls_sideways_at_1366_px_for_any_role(browser, live_server):
    call_command("seed_demo", stdout=io.StringIO())
    shots = SCREENSHOTS / "layout"
    shots.mkdir(parents=True, exist_ok=True)
    users = get_user_model().objects
    overflowing, errors, visited = {}, {}, 0
    linked: dict[str, str] = {}  # view name -> first page with an id linked from a list (admin)
    for role, username in DEMO_USERS.items():
        user = users.get(username=username)
        context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 900})
        _login_cookie(context, user, live_server.url)
        page = context.new_page()
        page.set_default_timeout(20000)
        urls = _list_pages(user)
        lists = set(urls)
        admin = role == "管理员"
        for url in urls:
            response = page.goto(live_server.url + url, wait_until="domcontentloaded")
            visited += 1
            if response is None or response.status >= 400:
                errors[(role, url)] = response.status if response else None
                continue
            found = page.evaluate(OVERFLOW_JS)
            name = f"{username}{url.replace('/', '_')}".rstrip("_")
            if found:
                overflowing[(role, url)] = found
                page.screenshot(path=str(shots / f"overflow_{name}.png"))
            elif admin:
                page.screenshot(path=str(shots / f"{name}.png"))
            if admin and url in lists:  # then the pages with an id they link to (run lists, documents)
                for href in page.eval_on_selector_all("main a[href]", "els => els.map(a => a.getAttribute('href'))"):
                    _add_linked(linked, href, urls)
        context.close()
    # English words are longer: the administrator's list pages and the pages with an id they link
    # to (documents, runs) once more in English
    user = users.get(username="admin")
    context = browser.new_context(locale="en-US", viewport={"width": WIDTH, "height": 900})
    _login_cookie(context, user, live_server.url)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20000)
    en_urls = list(dict.fromkeys(_list_pages(user) + list(linked.values())))
    assert {u for u in ONCE_TOO_WIDE_EN if u.startswith("/")} <= set(en_urls)
    assert {v for v in ONCE_TOO_WIDE_EN if ":" in v} <= set(linked), sorted(linked)
    for url in en_urls:
        page.goto(live_server.url + url, wait_until="domcontentloaded")
        found = page.evaluate(OVERFLOW_JS)
        if found:
            overflowing[("admin en", url)] = found
            page.screenshot(path=str(shots / f"overflow_en{url.replace('/', '_')}.png"))
        elif url in ONCE_TOO_WIDE_EN or resolve(url).view_name in ONCE_TOO_WIDE_EN:
            page.screenshot(path=str(shots / f"en{url.replace('/', '_')}.png"), full_page=True)
    context.close()
    assert visited > 150
    assert not errors, errors
    assert not overflowing, f"{len(overflowing)} pages scroll sideways at {WIDTH} px: {overflowing}"


def test_sticky_headers_search_box_and_sidebar_collapse(browser, live_server):
    call_command("seed_demo", stdout=io.StringIO())
    user = get_user_model().objects.get(username="admin")
    context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 600})
    _login_cookie(context, user, live_server.url)
    page = context.new_page()
    page.goto(live_server.url + "/inventory/items/")
    # the header row stays at the top of the window when the page scrolls
    assert page.locator("table thead th").first.evaluate("th => getComputedStyle(th).position") == "sticky"
    page.mouse.wheel(0, 400)
    page.wait_for_function("() => window.scrollY > 100")
    top = page.locator("table thead th").first.evaluate("th => th.getBoundingClientRect().top")
    assert 0 <= top < 2
    page.screenshot(path=str(SCREENSHOTS / "layout" / "sticky_header_items.png"))
    # wide screen: the sidebar is shown; the toggle hides it and the choice is remembered
    page.evaluate("() => window.scrollTo(0, 0)")
    assert page.locator("#sidebar").is_visible()
    page.click("[data-sidebar-toggle]")
    assert not page.locator("#sidebar").is_visible()
    page.reload()
    assert not page.locator("#sidebar").is_visible()
    page.click("[data-sidebar-toggle]")
    assert page.locator("#sidebar").is_visible()
    # narrow screen: closed by default, opens over the page, nothing scrolls sideways
    page.set_viewport_size({"width": 800, "height": 900})
    page.reload()
    assert not page.locator("#sidebar").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "layout" / "narrow_items.png"), full_page=True)
    assert page.evaluate(OVERFLOW_JS.replace("main *", "body *")) is None
    page.click("[data-sidebar-toggle]")
    assert page.locator("#sidebar").is_visible()
    assert page.locator("[data-sidebar-toggle]").get_attribute("aria-expanded") == "true"
    page.screenshot(path=str(SCREENSHOTS / "layout" / "narrow_sidebar_open.png"))
    page.mouse.click(700, 300)  # a click beside the open menu closes it
    assert not page.locator("#sidebar").is_visible()
    # global search: "/" puts the cursor in the box, results drop down grouped by kind, the arrow
    # keys and Enter open one; Ctrl+K works from anywhere, Escape closes the list
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(live_server.url + "/")
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "global-search-input"
    page.keyboard.type("BK-1")
    page.wait_for_selector('#global-search-results [data-kind="item"].search-hit')
    groups = page.locator("#global-search-results .search-group").all_inner_texts()
    assert groups[0] == "物料"
    page.screenshot(path=str(SCREENSHOTS / "layout" / "search_dropdown_zh.png"))
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.classList.contains('search-hit')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/inventory/items/" in page.url and page.locator("h1").inner_text().startswith("BK-100")
    page.keyboard.press("Control+k")
    assert page.evaluate("() => document.activeElement.id") == "global-search-input"
    page.keyboard.type("SO-2026")
    page.wait_for_selector('#global-search-results [data-kind="sales_order"]')
    page.keyboard.press("Escape")
    assert page.locator("#global-search-results .search-hit").count() == 0
    context.close()
