from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": []}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    menu = menu_for(user)
    for module in menu:
        # few modules: all open; many (admins): only the module of the current page
        module["open"] = len(menu) <= 4 or any(i["url_name"] == current for i in module["items"])
    return {"nav_menu": menu, "nav_current": current}
