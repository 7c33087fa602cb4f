from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": []}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    return {"nav_menu": menu_for(user), "nav_current": current}
