"""MRP pages: runs, start a run, planned orders of a run, progress.

Access (issue #10): the planning module opens the pages; starting a run needs
`mrp.add_mrprun` (the planner and the administrator). The run date and horizon are parsed by
erp.input (a message naming the field, nothing queued); a repeated submission of the same form
returns the first run (erp.submit), and the database allows one active run per scope.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.permissions import module_required
from erp.views import ListPage

from . import selectors
from .filters import PlannedOrderFilter, RunFilter
from .forms import RunForm
from .models import MrpRun
from .services.runs import mrp_run_start
from .tables import PlannedOrderTable, RunTable

MODULE = "planning"
RUN_MRP = "mrp.add_mrprun"


def _form_errors(form) -> str:
    """The form's errors as one line, each naming its field (label first unless already named)."""
    out = []
    for name, errs in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else ""
        for e in errs:
            text = str(e)
            out.append(text if not label or text.lower().startswith(label.lower()) else f"{label}: {text}")
    return " ".join(out)


class RunList(ListPage):
    module = MODULE
    title = gettext_lazy("MRP runs")
    table_class = RunTable
    filterset_class = RunFilter
    template_name = "mrp/run_list.html"

    def get_queryset(self):
        return selectors.run_list()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = RunForm() if self.request.user.has_perm(RUN_MRP) else None
        return ctx


@module_required(MODULE, action=RUN_MRP, methods=("POST",))
def run_start(request):
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
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
    module = MODULE
    table_class = PlannedOrderTable
    filterset_class = PlannedOrderFilter
    template_name = "mrp/run_detail.html"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        self.run = get_object_or_404(MrpRun, pk=self.kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("MRP run %(id)s") % {"id": self.kwargs["pk"]}

    def get_queryset(self):
        return selectors.planned_orders(self.run.pk)

    def get_breadcrumbs(self):
        return [(_("MRP runs"), reverse("mrp:run_list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["run"] = self.run
        ctx["exceptions"] = selectors.run_exceptions(self.run)
        return ctx


@module_required(MODULE)
def run_progress(request, pk):
    """htmx partial polled while the run is active."""
    run = get_object_or_404(MrpRun, pk=pk)
    response = render(request, "mrp/_progress.html", {"run": run})
    if not run.is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response
