"""Every page requires login and the permission of its module (erp.access_<module>)."""

from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def has_module(user, module: str) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_perm(f"erp.access_{module}"))


class ModuleRequiredMixin(AccessMixin):
    """Class-based views: set `module = "warehouse"`; optional `permission_required` (str or tuple)."""

    module: str = ""
    permission_required: str | tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_module(request.user, self.module):
            raise PermissionDenied
        perms = (self.permission_required,) if isinstance(self.permission_required, str) else self.permission_required
        if perms and not request.user.has_perms(perms):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def module_required(module: str, *perms: str):
    """Function views: @module_required("sales", "crm.add_salesorder")."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_module(request.user, module):
                raise PermissionDenied
            if perms and not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.module = module
        return wrapped

    return decorator
