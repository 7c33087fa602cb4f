"""Demand link pages (issue 19 item 5): product lines of an opportunity, the quotation made from
them, and 备货生产 from the pipeline (forecast entries weighted by probability, source kept).
Thin: parse through erp.input forms, check access (crm.access), call one service, redirect."""

import datetime
from collections import defaultdict

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.fields import ZERO
from erp.input import parse_int
from erp.permissions import module_required
from erp.views import run_action

from . import access, forms
from .models import Forecast, Opportunity, OpportunityLine
from .services import demand as svc
from .states import OPEN_STAGES

MODULE = "sales"
POST = ("POST",)
SALES = gettext_lazy("Sales / CRM")


def _form_errors(form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


@module_required(MODULE, action="crm.add_opportunityline", methods=POST)
def opportunity_line_add(request, pk):
    access.get_visible(Opportunity, request.user, pk=pk)
    back = reverse("crm:opportunity_detail", args=[pk]) + "#products"
    form = forms.OpportunityLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    d = form.cleaned_data
    return run_action(
        request,
        lambda: svc.opportunity_line_add(
            opportunity_id=pk, item_id=d["item"].pk, qty=d["qty"], unit_price=d["unit_price"], user=request.user
        ),
        success=_("Product line added."),
        redirect_to=back,
    )


@module_required(MODULE, action="crm.delete_opportunityline", methods=POST)
def opportunity_line_delete(request, pk, line_pk):
    opp = access.get_visible(Opportunity, request.user, pk=pk)
    get_object_or_404(opp.lines, pk=line_pk)
    return run_action(
        request,
        lambda: svc.opportunity_line_delete(opportunity_id=pk, line_id=line_pk, user=request.user),
        success=_("Product line removed."),
        redirect_to=reverse("crm:opportunity_detail", args=[pk]) + "#products",
    )


@module_required(MODULE, action="crm.add_quotation", methods=POST)
def opportunity_quotation(request, pk):
    """The quotation of the opportunity's products (the service returns the first one again)."""
    access.get_visible(Opportunity, request.user, pk=pk)
    try:
        q = svc.opportunity_quotation_create(opportunity_id=pk, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("crm:opportunity_detail", pk=pk)
    messages.success(request, _("Quotation %(no)s of the opportunity's products.") % {"no": q.number})
    return redirect("crm:quotation_detail", pk=q.pk)


def _default_month() -> datetime.date:
    today = timezone.localdate()
    return (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)  # first of next month


def _pipeline_rows(user, month: datetime.date):
    """The open opportunities with product lines that `user` may see, each with its weighted
    quantities per item and its entries already made for `month` (a fixed number of queries)."""
    opps = list(
        access.scope(Opportunity.objects.filter(stage__in=OPEN_STAGES, lines__isnull=False).distinct(), user)
        .select_related("customer")
        .prefetch_related(Prefetch("lines", queryset=OpportunityLine.objects.select_related("item")))
        .order_by("close_date", "pk")
    )
    done = defaultdict(list)
    for f in Forecast.objects.filter(
        opportunity_id__in=[o.pk for o in opps], date__year=month.year, date__month=month.month
    ).select_related("item"):
        done[f.opportunity_id].append(f)
    rows = []
    for o in opps:
        per_item: dict = {}
        for ln in o.lines.all():
            item, qty = per_item.get(ln.item_id, (ln.item, ZERO))
            per_item[ln.item_id] = (item, qty + ln.qty)
        products = [
            {"item": item, "qty": qty, "weighted": svc.weighted_qty(qty, o.probability)}
            for item, qty in sorted(per_item.values(), key=lambda t: t[0].code)
        ]
        rows.append({"opp": o, "products": products, "existing": done.get(o.pk, [])})
    return rows


@module_required(MODULE, "crm.add_forecast", action="crm.add_forecast")
def forecast_from_pipeline(request):
    """备货生产 from the pipeline: choose the month and the opportunities; the entries are created
    at once (all or nothing) and the forecast list is shown."""
    if request.method == "POST":
        form = forms.PipelineForecastForm(request.POST)
        back = reverse("crm:forecast_from_pipeline")
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect(back)
        month = svc.month_start(form.cleaned_data["month"])
        try:
            ids = [parse_int(v, label=_("opportunity"), min_value=1) for v in request.POST.getlist("opportunity")]
        except Exception as exc:  # django ValidationError from erp.input
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(f"{back}?month={month.isoformat()}")
        visible = set(access.scope(Opportunity.objects.filter(pk__in=ids), request.user).values_list("pk", flat=True))
        if set(ids) - visible:
            messages.error(request, _("Unknown opportunity."))
            return redirect(f"{back}?month={month.isoformat()}")
        try:
            created = svc.opportunity_forecasts_create(month=month, user=request.user, opportunity_ids=ids)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(f"{back}?month={month.isoformat()}")
        messages.success(
            request,
            _("%(n)s forecast entries for %(month)s created from the pipeline.")
            % {"n": len(created), "month": month.strftime("%Y-%m")},
        )
        return redirect("crm:forecast_list")
    form = forms.PipelineForecastForm(request.GET or None, initial={"month": _default_month()})
    month = _default_month()
    if request.GET and form.is_valid():
        month = svc.month_start(form.cleaned_data["month"])
    elif request.GET:
        messages.error(request, _form_errors(form))
    title = _("Forecast from the pipeline")
    return render(
        request,
        "crm/forecast_from_pipeline.html",
        {
            "title": title,
            "breadcrumbs": [(SALES, None), (_("Sales forecasts"), reverse("crm:forecast_list")), (title, None)],
            "month": month,
            "rows": _pipeline_rows(request.user, month),
        },
    )
