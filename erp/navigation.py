"""Sidebar: modules and their pages. Apps add their pages in AppConfig.ready():

from erp.navigation import register
register("warehouse", _("Items"), "inventory:item_list", order=10)
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from .roles import MODULES


@dataclass
class NavItem:
    label: str
    url_name: str
    order: int = 100
    perm: str | None = None
    also_module: str | None = None  # a shortcut (e.g. under 报表) to a page of another module


@dataclass
class NavModule:
    code: str
    label: str
    items: list[NavItem] = field(default_factory=list)


_registry: dict[str, list[NavItem]] = {code: [] for code, _label in MODULES}


def register(
    module: str, label, url_name: str, *, order: int = 100, perm: str | None = None, also_module: str | None = None
) -> None:
    """Add a sidebar entry. `also_module`: the page belongs to that module (shortcuts under
    报表 to other modules' reports are shown only to users who may open that module too)."""
    items = _registry[module]
    if not any(i.url_name == url_name for i in items):
        items.append(NavItem(label, url_name, order, perm, also_module))
        items.sort(key=lambda i: i.order)


def may_open(user, item: NavItem, module: str, perms: set[str] | None = None) -> bool:
    if user.is_superuser:
        return True
    perms = user.get_all_permissions() if perms is None else perms
    modules_ok = f"erp.access_{module}" in perms and (
        item.also_module is None or f"erp.access_{item.also_module}" in perms
    )
    return modules_ok and (not item.perm or item.perm in perms)


_urls: dict[tuple, str | None] = {}


def _url(url_name: str) -> str | None:
    """`reverse(url_name)`, remembered per URLconf and script prefix (the sidebar reverses every
    page of every module on each request otherwise); None when the name does not resolve."""
    key = (get_urlconf(), get_script_prefix(), url_name)
    if key not in _urls:
        try:
            _urls[key] = reverse(url_name)
        except NoReverseMatch:
            _urls[key] = None
    return _urls[key]


def menu_for(user) -> list[dict]:
    """Modules (and pages) the user may open, in sidebar order."""
    if not user.is_authenticated:
        return []
    # superusers open everything: no permission set (for them one query over every permission)
    perms = set() if user.is_superuser else user.get_all_permissions()
    menu = []
    for code, label in MODULES:
        if not (user.is_superuser or f"erp.access_{code}" in perms):
            continue
        entries = []
        for item in _registry[code]:
            if not may_open(user, item, code, perms):
                continue
            url = _url(item.url_name)
            if url is not None:
                entries.append({"label": item.label, "url": url, "url_name": item.url_name})
        if entries:  # a module with nothing this user may open is not shown
            menu.append({"code": code, "label": label, "items": entries})
    return menu
