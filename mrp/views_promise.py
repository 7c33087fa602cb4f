"""Capable to promise (planner's what-if) and net-change pages (docs/mrp.md §5).

The what-if page writes nothing: it is a GET form (item, quantity, date) answered by
`mrp.services.promise.ctp_promise`. The net-change page lists the plan updates of the current plan
with their cause and latency, and the changes still pending.
"""

from django.core.exceptions import ValidationError as InputError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import DomainError
from erp.input import errors_text, parse_date, parse_quantity
from erp.permissions import module_required
from inventory.models import Item, PlanningChange

from . import selectors_netchange
from .services.promise import ctp_promise

MODULE = "planning"


@module_required(MODULE)
def promise(request):
    """What if: the earliest date a new demand of the item can be promised, and why."""
    today = timezone.localdate()
    params = {
        "item": (request.GET.get("item") or "").strip(),
        "qty": request.GET.get("qty") or "",
        "date": request.GET.get("date") or today.isoformat(),
    }
    result, error, item = None, "", None
    if params["item"]:
        try:
            qty = parse_quantity(params["qty"], label=_("quantity"), positive=True)
            d0 = parse_date(params["date"], label=_("run date"))
            item = Item.objects.filter(code=params["item"], is_active=True).first()
            if item is None:
                error = _("%(code)s is not an active item.") % {"code": params["item"]}
            else:
                result = ctp_promise(item_id=item.pk, qty=qty, d0=d0, use_plan=True)
        except InputError as exc:
            error = errors_text(exc)
        except DomainError as exc:
            error = str(exc)
    return render(
        request,
        "mrp/promise_whatif.html",
        {
            "title": _("Capable to promise (what if)"),
            "params": params,
            "result": result,
            "item": item,
            "error": error,
            "breadcrumbs": [(_("Capable to promise (what if)"), None)],
        },
    )


@module_required(MODULE)
def netchange(request):
    """Plan updates of the current plan (net change) and the changes still pending."""
    info = selectors_netchange.plan_freshness()
    run = info["run"]
    return render(
        request,
        "mrp/netchange_list.html",
        {
            "title": _("Net change"),
            "info": info,
            "updates": selectors_netchange.recent_updates(run),
            "stats": selectors_netchange.latency_stats(run),
            "pending": PlanningChange.objects.filter(processed_at__isnull=True).order_by("id")[:50],
            "breadcrumbs": [(_("Net change"), None)],
        },
    )
