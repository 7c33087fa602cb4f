"""The sidebar is kept rendered per permissions, language and page (erp.context_processors): each
user still sees only the modules of his roles, in his language, with the current page marked."""

import re

MODULES = re.compile(r'<details class="module mb-2" data-module="([^"]+)"')
ACTIVE = re.compile(r'<a class="d-block ps-2 active" href="([^"]+)">([^<]+)</a>')


def _sidebar(client, path):
    html = client.get(path).content.decode()
    return MODULES.findall(html), ACTIVE.findall(html)


def test_each_role_language_and_page_gets_its_own_sidebar(login, client):
    warehouse = login("仓库", username="clerk")
    warehouse.cookies["django_language"] = "en"
    modules, active = _sidebar(warehouse, "/inventory/items/")
    assert "warehouse" in modules and "sales" not in modules
    assert active == [("/inventory/items/", "Items")]
    # the same page again (kept HTML), then another page and the other language
    assert _sidebar(warehouse, "/inventory/items/") == (modules, active)
    assert {href for href, _label in _sidebar(warehouse, "/inventory/on-hand/")[1]} == {"/inventory/on-hand/"}
    warehouse.cookies["django_language"] = "zh-hans"
    assert _sidebar(warehouse, "/inventory/items/")[1] == [("/inventory/items/", "物料")]
    # a salesperson on the same page language sees the sales module, not the warehouse's
    client.logout()
    sales = login("销售", username="seller")
    sales.cookies["django_language"] = "zh-hans"
    modules, _active = _sidebar(sales, "/")
    assert "sales" in modules and "warehouse" not in modules
