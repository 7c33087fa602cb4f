"""Costing pages for the cost accountant (成本会计, module "costing"): periods and close, cost
runs with progress, cost sheets, product cost summary, variances, inventory value
reconciliation, accrual balance, cost pools and reported hours."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.models import Period
from erp.periods import period_for
from erp.permissions import module_required
from erp.views import ListPage, run_action
from production.models import WorkOrder

from . import selectors
from .forms import CentreForm, HoursForm, PoolForm
from .models import CostEntry, CostPool, CostRun, ItemCost, RunStatus, WorkHours
from .services import periods as psvc
from .services import pools
from .services.runs import cost_run_start, fail_stale_cost_runs, latest_run, run_is_stale
from .tables import CostEntryTable, CostPoolTable, ItemCostTable, PeriodTable, WorkHoursTable

MODULE = "costing"
RUN = "costing.add_costrun"
CLOSE = "costing.close_period"
POOL = "costing.add_costpool"
HOURS = "costing.add_workhours"


def _errors(form) -> str:
    out = []
    for name, errs in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else ""
        out += [f"{label}: {e}" if label else str(e) for e in errs]
    return " ".join(out)


class PeriodList(ListPage):
    module = MODULE
    title = gettext_lazy("Periods and close")
    table_class = PeriodTable
    model = Period
    filterset_fields = ["status", "year"]

    def get_queryset(self):
        return Period.objects.select_related("closed_by").order_by("-year", "-month")


@module_required(MODULE)
def period_detail(request, pk):
    period = get_object_or_404(Period, pk=pk)
    run = latest_run(period)
    ctx = {
        "title": _("Period %(period)s") % {"period": period},
        "breadcrumbs": [(_("Periods and close"), reverse("costing:period_list")), (str(period), None)],
        "period": period,
        "checklist": psvc.period_checklist(period=period),
        "runs": selectors.runs_of(period),
        "latest": run,
        "stale": bool(run and run_is_stale(run)),
        "active": CostRun.objects.filter(period=period, status__in=["queued", "running"]).first(),
        "history": list(period.history.select_related("history_user")[:10]),
        "is_admin": request.user.is_superuser or request.user.groups.filter(name="管理员").exists(),
    }
    return render(request, "costing/period_detail.html", ctx)


@module_required(MODULE, action=RUN, methods=("POST",))
def run_start(request, pk):
    period = get_object_or_404(Period, pk=pk)
    try:
        run = cost_run_start(period_id=period.pk, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("costing:period_detail", pk=period.pk)
    messages.success(request, _("Cost run queued."))
    return redirect("costing:run_detail", pk=run.pk)


@module_required(MODULE)
def run_progress(request, pk):
    run = get_object_or_404(CostRun, pk=pk)
    if run.status == RunStatus.RUNNING and fail_stale_cost_runs(run_id=run.pk):
        run.refresh_from_db()
    response = render(request, "costing/_progress.html", {"run": run})
    if not run.is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@module_required(MODULE, action=CLOSE, methods=("POST",))
def period_close(request, pk):
    get_object_or_404(Period, pk=pk)
    ack = request.POST.get("acknowledge") == "1"
    return run_action(
        request,
        lambda: psvc.period_close(period_id=pk, acknowledge=ack, user=request.user),
        success=_("Period closed."),
        redirect_to=reverse("costing:period_detail", args=[pk]),
    )


@module_required(MODULE, action=CLOSE, methods=("POST",))
def period_close_start(request, pk):
    get_object_or_404(Period, pk=pk)
    return run_action(
        request,
        lambda: psvc.period_close_start(period_id=pk, user=request.user),
        success=_("Closing started: documents of the period are refused until it is closed or reopened."),
        redirect_to=reverse("costing:period_detail", args=[pk]),
    )


@module_required(MODULE, action=CLOSE, methods=("POST",))
def period_close_cancel(request, pk):
    get_object_or_404(Period, pk=pk)
    return run_action(
        request,
        lambda: psvc.period_close_cancel(period_id=pk, user=request.user),
        success=_("The period is open again."),
        redirect_to=reverse("costing:period_detail", args=[pk]),
    )


@module_required(MODULE, action=CLOSE, methods=("POST",))
def period_reopen(request, pk):
    get_object_or_404(Period, pk=pk)
    reason = (request.POST.get("reason") or "")[:300]
    return run_action(
        request,
        lambda: psvc.period_reopen(period_id=pk, reason=reason, user=request.user),
        success=_("Period reopened."),
        redirect_to=reverse("costing:period_detail", args=[pk]),
    )


@module_required(MODULE)
def run_detail(request, pk):
    run = get_object_or_404(CostRun.objects.select_related("period"), pk=pk)
    order_no = (request.GET.get("order") or "").strip()[:40]
    sheets = selectors.cost_sheets(run, order_no=order_no)
    if request.GET.get("_export") == "xlsx":
        return _sheets_xlsx(run, sheets)
    ctx = {
        "title": _("Cost run %(id)s · %(period)s") % {"id": run.pk, "period": run.period},
        "breadcrumbs": [
            (_("Periods and close"), reverse("costing:period_list")),
            (str(run.period), reverse("costing:period_detail", args=[run.period_id])),
            (_("Cost run %(id)s") % {"id": run.pk}, None),
        ],
        "run": run,
        "sheets": sheets[:200],
        "more": max(0, len(sheets) - 200),
        "order": order_no,
    }
    return render(request, "costing/run_detail.html", ctx)


def _xlsx(title: str, header: list, rows: list):
    """A typed xlsx download (erp.exports): numbers, dates, formula-like text kept as text."""
    from erp.exports import export_filename, xlsx_response

    return xlsx_response(export_filename(title), header, rows)


def _sheets_xlsx(run, sheets):
    header = [_("Order"), _("Item"), _("Cost element"), _("Opening WIP"), _("This period"), _("Finished goods")]
    header.append(_("Closing WIP"))
    rows = [
        [s.order_no, s.item, e.get_element_display(), e.opening_wip, e.this_period, e.fg, e.closing_wip]
        for s in sheets
        for e in s.elements
    ]
    return _xlsx(f"cost-sheets-{run.period}", header, rows)


class ItemCostList(ListPage):
    module = MODULE
    table_class = ItemCostTable
    model = ItemCost
    filterset_fields = ["warehouse"]

    def get(self, request, *args, **kwargs):
        self.run = get_object_or_404(CostRun, pk=self.kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Weighted averages · cost run %(id)s") % {"id": self.run.pk}

    def get_queryset(self):
        return ItemCost.objects.filter(run=self.run).select_related("item", "warehouse").order_by("item__code")


class CostEntryList(ListPage):
    module = MODULE
    title = gettext_lazy("Cost entries")
    table_class = CostEntryTable
    model = CostEntry
    filterset_fields = ["period", "kind", "debit"]

    def get_queryset(self):
        return CostEntry.objects.select_related("item", "warehouse", "work_order").order_by("-id")


@module_required(MODULE)
def product_summary(request):
    code = (request.GET.get("item") or "").strip()[:60]
    periods, rows = selectors.product_summary(item_code=code)
    chart = []
    if rows:
        first = rows[0]
        chart = [{"label": str(c["period"]), "value": c["unit"] or 0} for c in first["cells"]]
    if request.GET.get("_export") == "xlsx":
        header = [_("Item number"), _("Name")] + [str(p) for p in periods]
        data = [[r["code"], r["name"]] + [c["unit"] for c in r["cells"]] for r in rows]
        return _xlsx("product-cost-summary", header, data)
    ctx = {
        "title": _("Product cost summary"),
        "periods": periods,
        "rows": rows,
        "chart": chart,
        "chart_item": rows[0] if rows else None,
        "item": code,
    }
    return render(request, "costing/product_summary.html", ctx)


def _period_from_query(request):
    pid = request.GET.get("period")
    if pid:
        try:
            return get_object_or_404(Period, pk=int(pid))
        except ValueError:
            return get_object_or_404(Period, pk=0)
    return Period.objects.order_by("-year", "-month").first()


@module_required(MODULE)
def variance(request):
    period = _period_from_query(request)
    run = latest_run(period) if period else None
    rows = selectors.variances(run) if run else []
    if request.GET.get("_export") == "xlsx":
        header = [_("Item number"), _("Quantity"), _("Direct material"), _("Standard"), _("Variance")]
        header += [_("Conversion (labour, overhead, fee)"), _("Standard"), _("Variance")]
        header += [_("Unit cost"), _("Standard cost"), _("Variance"), _("Total")]
        data = [
            [
                r["item"].code,
                r["qty"],
                r["elements"].get("material"),
                r["material_std"],
                r["material_var"],
                r["conversion_actual"],
                r["conversion_std"],
                r["conversion_var"],
                r["unit"],
                r["standard"],
                r["variance"],
                r["variance_total"],
            ]
            for r in rows
        ]
        return _xlsx("variance", header, data)
    ctx = {
        "title": _("Variance to standard cost"),
        "period": period,
        "periods": Period.objects.order_by("-year", "-month")[:24],
        "run": run,
        "rows": rows,
    }
    return render(request, "costing/variance.html", ctx)


@module_required(MODULE)
def reconciliation(request):
    period = _period_from_query(request)
    rows, total = selectors.reconciliation(period) if period else ([], {})
    if request.GET.get("_export") == "xlsx":
        header = [_("Item number"), _("Ledger value"), _("Sum of balances"), _("Costed value")]
        data = [[r["item"].code, r["ledger"], r["balance"], r["costed"]] for r in rows]
        return _xlsx("inventory-reconciliation", header, data)
    ctx = {
        "title": _("Inventory value reconciliation"),
        "period": period,
        "periods": Period.objects.order_by("-year", "-month")[:24],
        "rows": rows,
        "total": total,
        "differences": [r for r in rows if r["difference"]],
    }
    return render(request, "costing/reconciliation.html", ctx)


@module_required(MODULE)
def accrual_balance(request):
    from procurement.selectors import accrual_balance_report

    period = _period_from_query(request)
    rows, total = accrual_balance_report(year=period.year, month=period.month) if period else ([], None)
    if request.GET.get("_export") == "xlsx":
        header = [_("Supplier"), _("Item"), _("Document"), _("Opening"), _("Accrued"), _("Reversed"), _("Closing")]
        data = [[r.supplier, r.item, r.source_number, r.opening, r.accrued, r.reversed, r.closing] for r in rows]
        return _xlsx("accrual-balance", header, data)
    ctx = {
        "title": _("Period-end accrual balance"),
        "period": period,
        "periods": Period.objects.order_by("-year", "-month")[:24],
        "rows": rows,
        "total": total,
    }
    return render(request, "costing/accrual_balance.html", ctx)


class PoolList(ListPage):
    module = MODULE
    title = gettext_lazy("Cost pools and hours")
    table_class = CostPoolTable
    model = CostPool
    filterset_fields = ["period", "cost_centre", "element"]
    template_name = "costing/pool_list.html"

    def get_queryset(self):
        return CostPool.objects.select_related("period", "cost_centre")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["pool_form"] = PoolForm() if user.has_perm(POOL) else None
        ctx["hours_form"] = (
            HoursForm(prefix="h", initial={"work_order": self.request.GET.get("wo", "")[:40]})
            if user.has_perm(HOURS)
            else None
        )
        ctx["centre_form"] = CentreForm(prefix="c") if user.has_perm("costing.add_costcentre") else None
        period_for(timezone.localdate())  # the current month is always offered
        ctx["periods"] = Period.objects.filter(status="open").order_by("-year", "-month")[:12]
        ctx["hours"] = WorkHoursTable(
            WorkHours.objects.select_related("work_order", "cost_centre").order_by("-work_date", "-id")[:50]
        )
        return ctx


@module_required(MODULE, action=POOL, methods=("POST",))
def pool_save(request):
    form = PoolForm(request.POST)
    period = (
        Period.objects.filter(pk=request.POST.get("period") or 0).first()
        if ((request.POST.get("period") or "").isdigit())
        else None
    )
    if not form.is_valid() or period is None:
        messages.error(request, _errors(form) or _("Choose the period."))
        return redirect("costing:pool_list")
    d = form.cleaned_data
    return run_action(
        request,
        lambda: pools.cost_pool_save(
            period_id=period.pk,
            cost_centre_id=d["cost_centre"].pk,
            element=d["element"],
            amount=d["amount"],
            basis=d["basis"],
            user=request.user,
        ),
        success=_("Cost pool saved."),
        redirect_to=reverse("costing:pool_list"),
    )


@module_required(MODULE, action="costing.add_costcentre", methods=("POST",))
def centre_add(request):
    form = CentreForm(request.POST, prefix="c")
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("costing:pool_list")
    return run_action(
        request,
        lambda: pools.cost_centre_get_or_create(code=form.cleaned_data["code"], name=form.cleaned_data["name"]),
        success=_("Cost centre saved."),
        redirect_to=reverse("costing:pool_list"),
    )


@module_required((MODULE, "production"), HOURS)
def hours_entry(request):
    """报工 from the work order (shop-floor leads and cost accountants): the form, prefilled
    with `?wo=`, and the order's reported hours; the POST goes to `hours_report`."""
    number = request.GET.get("wo", "")[:40]
    wo = get_object_or_404(WorkOrder, number=number) if number else None
    form = HoursForm(prefix="h", initial={"work_order": number, "work_date": timezone.localdate()})
    reported = (
        WorkHours.objects.filter(work_order=wo).select_related("cost_centre").order_by("-work_date", "-pk")[:50]
        if wo
        else []
    )
    return render(
        request,
        "costing/hours_entry.html",
        {"title": _("Report hours (报工)"), "form": form, "wo": wo, "reported": reported},
    )


@module_required((MODULE, "production"), action=HOURS, methods=("POST",))
def hours_report(request):
    form = HoursForm(request.POST, prefix="h")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("costing:pool_list")
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(back)
    d = form.cleaned_data
    wo = get_object_or_404(WorkOrder, number=d["work_order"].strip())
    return run_action(
        request,
        lambda: pools.work_hours_report(
            work_order_id=wo.pk,
            cost_centre_id=d["cost_centre"].pk,
            work_date=d["work_date"],
            actual_hours=d["actual_hours"],
            standard_hours=d["standard_hours"] or 0,
            user=request.user,
        ),
        success=_("Hours reported."),
        redirect_to=back,
    )
