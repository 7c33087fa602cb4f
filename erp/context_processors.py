from collections import OrderedDict
from contextlib import suppress

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.translation import get_language

from .navigation import menu_for

# Rendered sidebars by (who may open what, language, current page): the same HTML for every
# request with the same key (the menu is a function of the permissions and the static registry).
# Bounded, least recently used first out.
SIDEBAR_CACHE_SIZE = 1024
_sidebars: OrderedDict = OrderedDict()


def navigation(request):
    """The sidebar, the dashboard's module list and the bell. Computed once per request (a page
    whose table is rendered with the request runs the context processors a second time) and only
    when a template shows them: `nav_menu`, `nav_sidebar` and `nav_unread` are called by the
    template engine when used."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": []}
    cached = getattr(request, "_navigation", None)
    if cached is None:
        cached = request._navigation = _navigation(request, user)
    return cached


def _navigation(request, user) -> dict:
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    menu: list[dict] = []

    def nav_menu() -> list[dict]:
        if not menu:
            menu.extend(menu_for(user))
            for module in menu:
                # few modules: all open; many (admins): only the module of the current page
                module["open"] = len(menu) <= 4 or any(i["url_name"] == current for i in module["items"])
        return menu

    def nav_sidebar() -> str:
        perms = "superuser" if user.is_superuser else frozenset(user.get_all_permissions())
        key = (perms, get_language(), current, get_script_prefix())
        html = _sidebars.get(key)
        if html is None:
            html = render_to_string("erp/_sidebar.html", {"nav_menu": nav_menu(), "nav_current": current})
            _sidebars[key] = html
            while len(_sidebars) > SIDEBAR_CACHE_SIZE:
                _sidebars.popitem(last=False)
        else:
            with suppress(KeyError):  # dropped meanwhile by another thread: rendered again next time
                _sidebars.move_to_end(key)
        return html

    return {
        "nav_menu": nav_menu,
        "nav_current": current,
        "nav_sidebar": nav_sidebar,
        "nav_unread": lambda: unread_notifications(request),
    }


def unread_notifications(request) -> int:
    """The bell's number: the user's unread notifications, one COUNT on a partial index, once per
    request and only when a page shows the bell (a template calls `nav_unread`)."""
    count = getattr(request, "_unread_notifications", None)
    if count is None:
        from .models import Notification

        count = Notification.objects.filter(user_id=request.user.pk, read_at__isnull=True).count()
        request._unread_notifications = count
    return count
