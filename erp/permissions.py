"""Access: every page requires login and its module (erp.access_<module>); every change (POST)
requires the permission of its action. One decorator (function views) and one mixin (class-based
views) check both, in this order: login, method, module, action permission. A view that declares
no action is read-only: it answers POST with 405 (after the login check).

    @module_required("warehouse", action="procurement.add_purchasereceipt")
    def receive(request, pk): ...

    @module_required(("purchasing", "warehouse"))       # any of the modules opens it
    def receipt_detail(request, pk): ...

The POST of a view with an action runs inside `erp.submit.idempotent`: a form carrying a
one-time submission token that was already used returns the first result (docs/conventions.md).
The generated test (tests/erp/test_url_access.py) reads `view.module`, `view.modules`,
`view.action` and `view.methods` of every URL and checks them against the roles of erp/roles.py.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def has_module(user, module: str) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_perm(f"erp.access_{module}"))


def has_any_module(user, modules) -> bool:
    return any(has_module(user, m) for m in modules)


def _as_tuple(value) -> tuple[str, ...]:
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def may_act(user, action) -> bool:
    perms = _as_tuple(action)
    return bool(perms) and user.is_authenticated and user.has_perms(perms)


def check_access(request, *, modules, perms=(), action=(), methods=None):
    """None when the request may proceed, else the response to send (login, 405) or PermissionDenied."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    allowed = tuple(methods) if methods else (SAFE_METHODS + ("POST",) if action else SAFE_METHODS)
    if request.method not in allowed and not (request.method == "HEAD" and "GET" in allowed):
        return HttpResponseNotAllowed([m for m in allowed if m not in ("HEAD", "OPTIONS")])
    if not has_any_module(request.user, modules):
        raise PermissionDenied
    if perms and not request.user.has_perms(perms):
        raise PermissionDenied
    if request.method not in SAFE_METHODS and not request.user.has_perms(action):
        raise PermissionDenied
    return None


def module_required(module, *perms: str, action=None, methods=None):
    """Function views: login, module (a code or a tuple of codes: any opens), `perms` for every
    method, `action` (permission or tuple) for POST. `methods` narrows the methods (e.g. ("POST",))."""
    modules = _as_tuple(module)
    action = _as_tuple(action)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            refusal = check_access(request, modules=modules, perms=perms, action=action, methods=methods)
            if refusal is not None:
                return refusal
            if request.method not in SAFE_METHODS:
                from .submit import idempotent

                return idempotent(request, lambda: view(request, *args, **kwargs))
            return view(request, *args, **kwargs)

        wrapped.module = modules[0]
        wrapped.modules = modules
        wrapped.perms = tuple(perms)
        wrapped.action = action
        wrapped.methods = tuple(methods) if methods else None
        return wrapped

    return decorator


class ModuleRequiredMixin(AccessMixin):
    """Class-based views: `module = "warehouse"` (or `modules = (...)`), optional
    `permission_required` for every method and `action_permission` for POST. Create and update
    pages derive their action from the model (`app.add_model` / `app.change_model`) unless set."""

    module: str = ""
    modules: tuple[str, ...] = ()
    permission_required: str | tuple[str, ...] = ()
    action_permission: str | tuple[str, ...] = ()
    allowed_methods: tuple[str, ...] | None = None

    @classmethod
    def get_modules(cls) -> tuple[str, ...]:
        return tuple(cls.modules) or (cls.module,)

    @classmethod
    def get_action_permission(cls) -> tuple[str, ...]:
        return _as_tuple(cls.action_permission)

    def dispatch(self, request, *args, **kwargs):
        refusal = check_access(
            request,
            modules=self.get_modules(),
            perms=_as_tuple(self.permission_required),
            action=self.get_action_permission(),
            methods=self.allowed_methods,
        )
        if refusal is not None:
            return refusal
        if request.method not in SAFE_METHODS:
            from .submit import idempotent

            return idempotent(request, lambda: super(ModuleRequiredMixin, self).dispatch(request, *args, **kwargs))
        return super().dispatch(request, *args, **kwargs)


def view_access(view) -> dict:
    """What a resolved view declares: {"modules", "perms", "action", "methods"} (for the URL test)."""
    cls = getattr(view, "view_class", None)
    if cls is not None and issubclass(cls, ModuleRequiredMixin):
        return {
            "modules": cls.get_modules(),
            "perms": _as_tuple(cls.permission_required),
            "action": cls.get_action_permission(),
            "methods": cls.allowed_methods,
        }
    if hasattr(view, "modules"):
        return {"modules": view.modules, "perms": view.perms, "action": view.action, "methods": view.methods}
    return {}


def login_only(view=None, *, methods=None):
    """Pages every signed-in user may open (dashboard, own notifications): login, then method."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            allowed = tuple(methods) if methods else SAFE_METHODS
            if request.method not in allowed and not (request.method == "HEAD" and "GET" in allowed):
                return HttpResponseNotAllowed([m for m in allowed if m not in ("HEAD", "OPTIONS")])
            return view(request, *args, **kwargs)

        wrapped.modules = ()
        wrapped.perms = ()
        wrapped.action = ()
        wrapped.methods = tuple(methods) if methods else None
        wrapped.login_only = True
        return wrapped

    return decorator(view) if view is not None else decorator


def may_open(user, url) -> bool:
    """Whether `user` may open (GET) the page at `url` (a path, optionally with a query string):
    what the resolved view declares (module, permissions; login-only pages). Links to pages the
    user may not open are hidden or shown as text (`{% link %}`, `|may_open:user`), so that
    following a link never ends on a 403 page. Unknown or foreign URLs: True (not ours to judge)."""
    from urllib.parse import urlsplit

    from django.urls import Resolver404, resolve

    if not url or user is None or not getattr(user, "is_authenticated", False):
        return False
    path = urlsplit(str(url)).path
    if not path.startswith("/"):
        return True
    if user.is_superuser:
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return True
    view = match.func
    if getattr(view, "login_only", False):
        return True
    access = view_access(view)
    if not access:
        return True
    methods = access.get("methods")
    if methods and "GET" not in methods:
        return False
    modules = tuple(access.get("modules") or ())
    if modules and not has_any_module(user, modules):
        return False
    perms = tuple(access.get("perms") or ())
    if getattr(getattr(view, "view_class", None), "permission_verb", ""):
        perms += tuple(access.get("action") or ())  # form pages need their action to open
    return not perms or user.has_perms(perms)


# Object scopes (issue 18): an app that owns records with per-user visibility (crm: owner, team)
# answers "may this user see record N" for other apps' read-only views, without those apps
# importing it (the kernel knows no domain). Unregistered scopes allow.
_object_scopes: dict[str, object] = {}


def register_scope(name: str, may_see) -> None:
    """`may_see(user, pk) -> bool`, e.g. register_scope("crm.salesorderline", ...)."""
    _object_scopes[name] = may_see


def in_scope(name: str, user, pk) -> bool:
    may_see = _object_scopes.get(name)
    return True if may_see is None else bool(may_see(user, pk))  # type: ignore[operator]
