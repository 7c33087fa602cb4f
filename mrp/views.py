from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.permissions import module_required
from erp.views import ListPage

from . import selectors
from .filters import PlannedOrderFilter, RunFilter
from .forms import RunForm
from .models import MrpRun
from .services.runs import mrp_run_start
from .tables import PlannedOrderTable, RunTable


class RunList(ListPage):
    module = "planning"
    title = gettext_lazy("MRP runs")
    table_class = RunTable
    filterset_class = RunFilter
    template_name = "mrp/run_list.html"

    def get_queryset(self):
        return selectors.run_list()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = RunForm()
        return ctx


@require_POST
@module_required("planning", "mrp.add_mrprun")
def run_start(request):
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("mrp:run_list")
    try:
        run = mrp_run_start(
            run_date=form.cleaned_data["run_date"], horizon_days=form.cleaned_data["horizon_days"], user=request.user
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("mrp:run_list")
    messages.success(request, _("MRP run queued."))
    return redirect("mrp:run_detail", pk=run.pk)


class RunDetail(ListPage):
    module = "planning"
    table_class = PlannedOrderTable
    filterset_class = PlannedOrderFilter
    template_name = "mrp/run_detail.html"
    paginate_by = 50

    def get_title(self):
        return _("MRP run %(id)s") % {"id": self.kwargs["pk"]}

    def get_queryset(self):
        return selectors.planned_orders(self.kwargs["pk"])

    def get_breadcrumbs(self):
        from django.urls import reverse

        return [(_("MRP runs"), reverse("mrp:run_list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["run"] = get_object_or_404(MrpRun, pk=self.kwargs["pk"])
        ctx["exceptions"] = ctx["run"].messages.select_related("item")[:200]
        return ctx


@module_required("planning")
def run_progress(request, pk):
    """htmx partial polled while the run is active."""
    run = get_object_or_404(MrpRun, pk=pk)
    response = render(request, "mrp/_progress.html", {"run": run})
    if not run.is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response
