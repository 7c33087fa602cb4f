"""Who may do what in purchasing and outsourcing (docs/procurement.md, "Permissions").

- Buyers (role 采购: modules purchasing + outsourcing) run everything here.
- Warehouse clerks (module warehouse) post purchase receipts: the receive form of an order and
  the receipt pages accept either module; the receiving list has one URL per module.
- Reports (期末暂估余额表, payables ageing) also open from the reports module (own URL names).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from erp.permissions import has_module

RECEIVING = ("purchasing", "warehouse")


def any_module_required(*modules: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_module(request.user, m) for m in modules):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.module = modules[0]
        return wrapped

    return decorator
