"""Kitting analysis (齐套分析) and shortage analysis (足缺料分析) pages.

Access: the planning module opens both (the planner runs them); recording the kitting result on
the work orders needs `mrp.add_mrprun` (the planner), turning shortages into a purchase
requisition needs `procurement.add_requisition` (the planner through procurement/roles.py, the
buyer). Every option is parsed by erp.input: a refused value is a message naming the field and
nothing runs. Selections over 500 work orders are recorded by a Celery task with progress.
"""

from __future__ import annotations

import datetime
import re

from django.contrib import messages
from django.core.exceptions import ValidationError as InputError
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.exports import export_filename, xlsx_response
from erp.input import errors_text, parse_date, parse_int, parse_quantity
from erp.permissions import module_required
from inventory.models import Item
from production.models import WorkOrder

from .models import KittingRun
from .services import analysis as svc

MODULE = "planning"
RECORD_KITTING = "mrp.add_mrprun"
CREATE_REQUISITION = "procurement.add_requisition"
POST = ("POST",)

STATUS_LABELS = {
    "complete": gettext_lazy("Complete (齐套)"),
    "partial": gettext_lazy("Partial (部分)"),
    "short": gettext_lazy("Short (缺料)"),
}
STATUS_COLORS = {"complete": "success", "partial": "warning", "short": "danger"}
DEMAND_LABELS = {
    "work_orders": gettext_lazy("Work orders"),
    "sales_orders": gettext_lazy("Sales-order lines"),
    "items": gettext_lazy("Item and quantity typed in"),
}
SCOPE_LABELS = {
    "all": gettext_lazy("All lines"),
    "no_backflush": gettext_lazy("Excluding backflush lines"),
    "key_parts": gettext_lazy("Key parts only"),
}
PRIORITY_LABELS = {
    "start": gettext_lazy("Planned start"),
    "finish": gettext_lazy("Planned finish"),
    "manual": gettext_lazy("Manual order"),
}
LEVEL_LABELS = {"first": gettext_lazy("First level (as listed)"), "lowest": gettext_lazy("Lowest level (最底层)")}


def _choice(params, name: str, allowed, default: str, label) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise InputError(_("%(label)s: choose one of the listed values.") % {"label": label})
    return value


def _ids(params, name: str, label) -> list[int]:
    return [parse_int(v, label=str(label), min_value=1) for v in params.getlist(name) if v.strip()]


def _typed(text: str) -> list[tuple[int, object]]:
    """'CODE qty' per line -> [(item id, qty)]; unknown codes and bad quantities are refused."""
    pairs = []
    for raw in (text or "").splitlines():
        parts = raw.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise InputError(_("Items: write one item code and one quantity per line (%(line)s).") % {"line": raw})
        pairs.append((parts[0], parse_quantity(parts[1], label=_("Quantity"), positive=True)))
    items = {i.code: i.pk for i in Item.objects.filter(code__in=[c for c, _q in pairs])}
    for code, _q in pairs:
        if code not in items:
            raise InputError(_("Items: '%(code)s' is not an item.") % {"code": code})
    return [(items[c], q) for c, q in pairs]


def _manual_order(text: str, demands: str) -> list[int]:
    """Document numbers in the planner's order (one per line, or separated by commas/spaces)."""
    numbers = [n for n in re.split(r"[\s,;]+", text or "") if n]
    if not numbers:
        return []
    if demands == "work_orders":
        found = dict(WorkOrder.objects.filter(number__in=numbers).values_list("number", "pk"))
        missing = [n for n in numbers if n not in found]
        if missing:
            raise InputError(_("Manual order: unknown work orders %(numbers)s.") % {"numbers": ", ".join(missing)})
        return [found[n] for n in numbers]
    from crm.selectors import sales_order_lines

    wanted = []
    for n in numbers:
        order, _s, line = n.rpartition("/")
        if not order or not line.isdigit():
            raise InputError(_("Manual order: write sales-order lines as ORDER/LINE (%(value)s).") % {"value": n})
        wanted.append((order, int(line)))
    rows = (
        sales_order_lines()
        .filter(order__number__in=[w[0] for w in wanted])
        .values_list("order__number", "line_no", "pk")
    )
    found = {(o, ln): pk for o, ln, pk in rows}
    missing = [f"{o}/{ln}" for o, ln in wanted if (o, ln) not in found]
    if missing:
        raise InputError(_("Manual order: unknown sales-order lines %(numbers)s.") % {"numbers": ", ".join(missing)})
    return [found[w] for w in wanted]


def kitting_options(params) -> dict:
    """The analysis options from a query string (GET of the page, POST of the record button)."""
    demands = _choice(params, "demands", svc.DEMANDS, "work_orders", _("Demands"))
    opts = {
        "on_date": parse_date(params.get("date"), label=_("Date"), required=False) or timezone.localdate(),
        "demands": demands,
        "receipts_until": parse_date(params.get("receipts_until"), label=_("Receipts until"), required=False)
        if params.get("stock") == "receipts"
        else None,
        "scope": _choice(params, "scope", svc.SCOPES, "all", _("Material scope")),
        "priority": _choice(params, "priority", svc.PRIORITIES, "start", _("Priority")),
        "level": _choice(params, "level", svc.LEVELS, "first", _("Level")),
        "multi_level": params.get("single") != "1",
        "ids": _ids(params, "id", _("Selection")) or None,
    }
    if params.get("stock") == "receipts" and opts["receipts_until"] is None:
        raise InputError(_("Receipts until: give the date up to which scheduled receipts count."))
    if demands == "items":
        opts["typed"] = _typed(params.get("items", ""))
        if not opts["typed"]:
            raise InputError(_("Items: type at least one item code and quantity."))
    if opts["priority"] == "manual" and demands != "items":
        opts["manual_order"] = _manual_order(params.get("order", ""), demands)
    return opts


def _kitting_xlsx(report: svc.KittingReport) -> HttpResponse:
    """Typed cells (erp.exports): quantities as numbers, dates as dates."""
    return xlsx_response(export_filename("kitting"), svc.KITTING_COLUMNS, svc.kitting_csv_rows(report))


@module_required(MODULE)
def kitting(request):
    params = request.GET
    report, error = None, ""
    if params.get("run") or params.get("_export"):
        try:
            opts = kitting_options(params)
            report = svc.kitting_analyse(**opts, write_back=False)
        except InputError as exc:
            error = errors_text(exc)
        except DomainError as exc:
            error = str(exc)
        if error:
            messages.error(request, error)
        elif params.get("_export") == "xlsx":
            return _kitting_xlsx(report)
        else:
            chosen = set(params.getlist("id"))
            for d in report.demands:
                d.selected = str(d.id) in chosen
    query = params.copy()
    query.pop("_export", None)
    return render(
        request,
        "mrp/analysis_kitting.html",
        {
            "title": _("Kitting analysis (齐套分析)"),
            "breadcrumbs": [(_("Kitting analysis (齐套分析)"), None)],
            "p": params,
            "typed_text": params.get("items", ""),
            "report": report,
            "counts": report.counts if report else None,
            "query": query.urlencode(),
            "labels": STATUS_LABELS,
            "colors": STATUS_COLORS,
            "demand_choices": DEMAND_LABELS.items(),
            "scope_choices": SCOPE_LABELS.items(),
            "priority_choices": PRIORITY_LABELS.items(),
            "level_choices": LEVEL_LABELS.items(),
            "async_threshold": svc.ASYNC_THRESHOLD,
            "last_run": KittingRun.objects.order_by("-pk").first(),
            "today": timezone.localdate(),
        },
    )


@module_required(MODULE, action=RECORD_KITTING, methods=POST)
def kitting_record(request):
    """Run the analysis of the page's options and write the result back on the work orders;
    over 500 work orders it runs in a Celery task whose progress the page shows."""
    query = request.POST.get("query", "")
    params = QueryDict(query)
    back = reverse("mrp:kitting") + ("?" + query if query else "")
    try:
        opts = kitting_options(params)
        if opts["demands"] != "work_orders":
            raise InputError(_("Only the result of work orders is recorded (on the orders)."))
        count = len(opts["ids"]) if opts["ids"] else WorkOrder.objects.open().count()
        if count > svc.ASYNC_THRESHOLD:
            run = svc.kitting_run_start(options=opts, user=request.user)
            messages.success(request, _("Kitting analysis of %(n)s work orders queued.") % {"n": count})
            return redirect(reverse("mrp:kitting_run", args=[run.pk]))
        report = svc.kitting_analyse(**opts, write_back=True)
    except InputError as exc:
        messages.error(request, errors_text(exc))
        return redirect(back)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    c = report.counts
    messages.success(
        request,
        _("Kitting recorded on %(n)s work orders: %(complete)s complete, %(partial)s partial, %(short)s short.")
        % {"n": len(report.demands), **c},
    )
    return redirect(back)


@module_required(MODULE)
def kitting_run(request, pk):
    run = get_object_or_404(KittingRun, pk=pk)
    ctx = {
        "title": _("Kitting analysis (齐套分析)"),
        "breadcrumbs": [(_("Kitting analysis (齐套分析)"), reverse("mrp:kitting")), (f"#{run.pk}", None)],
        "run": run,
    }
    if request.headers.get("HX-Request"):
        return render(request, "mrp/_analysis_run.html", ctx)
    return render(request, "mrp/analysis_run.html", ctx)


# --- shortage ------------------------------------------------------------------------------------


def _shortage_filters(params) -> dict:
    out: dict = {
        "start_from": parse_date(params.get("start_from"), label=_("Start from"), required=False),
        "start_to": parse_date(params.get("start_to"), label=_("Start to"), required=False),
        "planner_id": parse_int(params.get("planner"), label=_("Planner"), min_value=1, required=False),
        "only_short": params.get("only_short") == "1",
        "item_id": None,
        "order_ids": None,
    }
    code = (params.get("item") or "").strip()
    if code:
        item = Item.objects.filter(code=code).first()
        if item is None:
            raise InputError(_("Item: '%(code)s' is not an item.") % {"code": code})
        out["item_id"] = item.pk
    orders = [o for o in re.split(r"[\s,]+", params.get("orders", "")) if o]
    if orders:
        keys = set()
        for o in orders:
            kind, _s, pk = o.partition(":")
            if kind not in ("wo", "oo") or not pk.isdigit():
                raise InputError(_("Orders: '%(value)s' is not an order.") % {"value": o})
            keys.add((kind, int(pk)))
        out["order_ids"] = keys
    so_line = parse_int(params.get("so_line"), label=_("Sales-order line"), min_value=1, required=False)
    if so_line:  # the make-to-order work and outsourcing orders of a changed sales-order line
        from procurement.models import OutsourcingOrder

        keys = out["order_ids"] or set()
        keys |= {
            ("wo", pk) for pk in WorkOrder.objects.filter(sales_order_line_id=so_line).values_list("pk", flat=True)
        }
        keys |= {
            ("oo", pk)
            for pk in OutsourcingOrder.objects.filter(sales_order_line_id=so_line).values_list("pk", flat=True)
        }
        out["order_ids"] = keys
    return out


def _shortage_xlsx(report: svc.ShortageReport, rows) -> HttpResponse:
    """Typed cells (erp.exports): quantities as numbers, dates as dates."""
    all_rows = svc.shortage_csv_rows(
        svc.ShortageReport(report.on_date, report.include_outsourcing, rows, report.analysed_at)
    )
    return xlsx_response(export_filename("shortage"), svc.SHORTAGE_COLUMNS, all_rows)


@module_required(MODULE)
def shortage(request):
    params = request.GET
    include_oo = params.get("outsourcing", "1") == "1"
    rows, report = [], None
    try:
        on_date = parse_date(params.get("date"), label=_("Date"), required=False) or timezone.localdate()
        filters = _shortage_filters(params)
    except InputError as exc:
        messages.error(request, errors_text(exc))
        on_date, filters = timezone.localdate(), None
    if filters is not None:
        report = svc.shortage_analyse(on_date=on_date, include_outsourcing=include_oo)
        rows = svc.shortage_filter(report.rows, **filters)
        if params.get("_export") == "xlsx":
            return _shortage_xlsx(report, rows)
        svc.attach_requisitions(rows)
    planners = (
        WorkOrder.objects.open()
        .filter(planner__isnull=False)
        .values_list("planner_id", "planner__username")
        .distinct()
        .order_by("planner__username")
    )
    query = params.copy()
    query.pop("_export", None)
    return render(
        request,
        "mrp/analysis_shortage.html",
        {
            "title": _("Shortage analysis (足缺料分析)"),
            "breadcrumbs": [(_("Shortage analysis (足缺料分析)"), None)],
            "p": params,
            "include_oo": include_oo,
            "rows": rows,
            "report": report,
            "on_date": on_date,
            "planners": list(planners),
            "query": query.urlencode(),
            "can_request": request.user.has_perm(CREATE_REQUISITION),
        },
    )


@module_required(MODULE, action=CREATE_REQUISITION, methods=POST)
def shortage_requisition(request):
    """Selected shortage lines -> one purchase requisition keeping each source (按源单生成采购申请)."""
    query = request.POST.get("query", "")
    back = reverse("mrp:shortage") + ("?" + query if query else "")
    basis = request.POST.get("basis", "short")
    if basis not in svc.BASES:
        messages.error(request, _("Quantity: choose short or net short."))
        return redirect(back)
    try:
        on_date = parse_date(QueryDict(query).get("date"), label=_("Date"), required=False) or timezone.localdate()
        req = svc.shortage_requisition_create(
            on_date=on_date,
            keys=request.POST.getlist("key"),
            basis=basis,
            merge=request.POST.get("merge") == "1",
            user=request.user,
        )
    except InputError as exc:
        messages.error(request, errors_text(exc))
        return redirect(back)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(
        request,
        _("Purchase requisition %(req)s created with %(n)s lines, each keeping its source order and line.")
        % {"req": req.number, "n": req.lines.count()},
    )
    return redirect(back)


def shortage_url_for(orders: list[tuple[str, int]], *, on_date: datetime.date | None = None) -> str:
    """The shortage page of some orders (offered in one click after a change)."""
    q = QueryDict(mutable=True)
    q["orders"] = ",".join(f"{k}:{pk}" for k, pk in orders)
    if on_date:
        q["date"] = on_date.isoformat()
    return reverse("mrp:shortage") + "?" + q.urlencode()
