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
from .filters import MessageFilter, PlannedOrderFilter, RunFilter
from .forms import RunForm
from .models import MrpRun, OrderType
from .services.runs import mrp_run_start
from .tables import MessageTable, PlannedOrderTable, RunTable

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


class RunDetailTable(ListPage):  # the former page (django-tables2); kept for its export
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
    selectors.fail_stale_if_running(run)
    response = render(request, "mrp/_progress.html", {"run": run})
    if not run.is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


# --- workbench (issue 12): planned orders → documents, pegging, MRP record, messages ---------

CONVERT = "mrp.change_plannedorder"


def _run_or_404(pk) -> MrpRun:
    return get_object_or_404(MrpRun, pk=pk)


@module_required(MODULE)
def run_detail(request, pk):
    """The run's planned orders: filters, keyset pages (any page, one indexed query), a capped
    count, totals for an item; select orders (or all that match) and convert them."""
    run = _run_or_404(pk)
    selectors.fail_stale_if_running(run)
    page = selectors.planned_order_page(run, request.GET)
    current = selectors.current_run()
    ctx = {
        "title": _("MRP run %(id)s") % {"id": run.pk},
        "breadcrumbs": [(_("MRP runs"), reverse("mrp:run_list")), (_("MRP run %(id)s") % {"id": run.pk}, None)],
        "run": run,
        "page": page,
        "exceptions": selectors.run_exceptions(run, limit=20),
        "is_current": current is not None and current.pk == run.pk,
        "can_convert": request.user.has_perm(CONVERT),
        "query": request.GET.copy(),
        "type_choices": OrderType.choices,
        "planners": selectors.item_planners(),
    }
    q = request.GET.copy()
    q.pop("after", None)
    ctx["first_url"] = f"?{q.urlencode()}"
    if page["next_after"]:
        q["after"] = page["next_after"]
        ctx["next_url"] = f"?{q.urlencode()}"
    return render(request, "mrp/workbench.html", ctx)


@module_required(MODULE, action=CONVERT, methods=("POST",))
def planned_convert(request, pk):
    """Convert the selected planned orders (or all open ones matching the posted filters)."""
    from .services.conversion import MAX_CONVERT, planned_orders_convert

    run = _run_or_404(pk)
    if request.POST.get("all") == "1":
        ids = selectors.planned_order_ids(run, request.POST, MAX_CONVERT)
    else:
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()]
    try:
        out = planned_orders_convert(ids=ids, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("mrp:run_detail", pk=run.pk)
    docs = [r.number for r in out.requisitions] + [w.number for w in out.work_orders]
    docs += [o.number for o in out.outsourcing_orders]
    messages.success(
        request,
        _("%(n)s planned orders converted: %(docs)s.") % {"n": out.converted, "docs": ", ".join(docs) or "-"},
    )
    if out.skipped:
        messages.warning(
            request,
            _("%(n)s planned orders were skipped (already converted, or not of the current plan).")
            % {"n": out.skipped},
        )
    for err in out.errors:
        messages.error(request, err)
    return redirect("mrp:run_detail", pk=run.pk)


@module_required(MODULE)
def planned_order_detail(request, pk):
    from .models import PlannedOrder

    p = get_object_or_404(PlannedOrder.objects.select_related("item", "run", "item__uom"), pk=pk)
    current = selectors.current_run()
    ctx = {
        "title": _("Planned order %(run)s/%(seq)s") % {"run": p.run_id, "seq": p.seq},
        "breadcrumbs": [
            (_("MRP runs"), reverse("mrp:run_list")),
            (_("MRP run %(id)s") % {"id": p.run_id}, reverse("mrp:run_detail", args=[p.run_id])),
            (_("Planned order %(run)s/%(seq)s") % {"run": p.run_id, "seq": p.seq}, None),
        ],
        "p": p,
        "pegs": selectors.pegs_of_planned_order(p),
        "editable": p.status == "open" and current is not None and current.pk == p.run_id,
        "can_convert": request.user.has_perm(CONVERT),
        "document_url": selectors.document_url(p.document_type, p.document_id),
    }
    return render(request, "mrp/planned_order.html", ctx)


@module_required(MODULE, action=CONVERT, methods=("POST",))
def planned_order_action(request, pk, action):
    """firm / unfirm / edit / delete / convert one planned order."""
    from django.core.exceptions import ValidationError as InputError
    from django.http import Http404

    from erp.input import errors_text, parse_date, parse_quantity

    from .models import PlannedOrder
    from .services import conversion

    p = get_object_or_404(PlannedOrder, pk=pk)
    back = redirect("mrp:planned_order", pk=p.pk)
    try:
        if action in ("firm", "unfirm"):
            conversion.planned_order_firm(planned_order_id=p.pk, firm=action == "firm", user=request.user)
            messages.success(request, _("Planned order firmed.") if action == "firm" else _("Firm flag removed."))
        elif action == "edit":
            try:
                qty = parse_quantity(request.POST.get("qty"), label=_("quantity"))
                release = parse_date(request.POST.get("release_date"), label=_("release date"))
                due = parse_date(request.POST.get("due_date"), label=_("due date"))
            except InputError as exc:
                messages.error(request, errors_text(exc))
                return back
            conversion.planned_order_update(
                planned_order_id=p.pk, qty=qty, release_date=release, due_date=due, user=request.user
            )
            messages.success(request, _("Planned order changed; it is firm now."))
        elif action == "delete":
            run_id = p.run_id
            conversion.planned_order_delete(planned_order_id=p.pk, user=request.user)
            messages.success(request, _("Planned order deleted."))
            return redirect("mrp:run_detail", pk=run_id)
        elif action == "convert":
            out = conversion.planned_orders_convert(ids=[p.pk], user=request.user)
            for err in out.errors:
                messages.error(request, err)
            if out.converted:
                messages.success(request, _("Planned order converted."))
            elif not out.errors:
                messages.warning(request, _("Nothing converted: the order is converted already or not current."))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, str(exc))
    return back


@module_required(MODULE)
def item_record(request, pk, item_id):
    from inventory.models import Item

    run = _run_or_404(pk)
    get_object_or_404(Item, pk=item_id)
    bucket = "week" if request.GET.get("bucket") == "week" else "day"
    rec = selectors.item_record(run, item_id, bucket)
    ctx = {
        "title": _("MRP record of %(item)s") % {"item": rec["item"].code},
        "breadcrumbs": [
            (_("MRP runs"), reverse("mrp:run_list")),
            (_("MRP run %(id)s") % {"id": run.pk}, reverse("mrp:run_detail", args=[run.pk])),
            (_("MRP record of %(item)s") % {"item": rec["item"].code}, None),
        ],
        "run": run,
        "rec": rec,
        "planned": selectors.planned_by_seq(
            run.pk, [g.supply_ref for r in rec["rows"] for g in r["docs"]["gross"] if g.supply_kind == "planned"]
        ),
    }
    return render(request, "mrp/item_record.html", ctx)


@module_required(MODULE)
def supply_tree(request, pk):
    """A demand's multi-level supply tree: ?so=ORDER/LINE (or ?wo=WO number)."""
    run = _run_or_404(pk)
    so = (request.GET.get("so") or "").strip()[:60]
    wo = (request.GET.get("wo") or "").strip()[:60]
    rows = []
    if so:
        rows = selectors.supply_tree(run.pk, "sales", so)
    elif wo:
        rows = selectors.supply_tree(run.pk, "order_material", wo)
    ctx = {
        "title": _("Supply tree"),
        "breadcrumbs": [
            (_("MRP runs"), reverse("mrp:run_list")),
            (_("MRP run %(id)s") % {"id": run.pk}, reverse("mrp:run_detail", args=[run.pk])),
            (_("Supply tree"), None),
        ],
        "run": run,
        "so": so,
        "wo": wo,
        "rows": rows,
    }
    return render(request, "mrp/supply_tree.html", ctx)


class MessageList(ListPage):
    """Action messages of a run: filters by kind and item, xlsx export."""

    module = MODULE
    table_class = MessageTable
    filterset_class = MessageFilter
    template_name = "erp/list.html"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        self.run = get_object_or_404(MrpRun, pk=self.kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Action messages of MRP run %(id)s") % {"id": self.kwargs["pk"]}

    def get_breadcrumbs(self):
        return [
            (_("MRP runs"), reverse("mrp:run_list")),
            (_("MRP run %(id)s") % {"id": self.kwargs["pk"]}, reverse("mrp:run_detail", args=[self.kwargs["pk"]])),
            (self.get_title(), None),
        ]

    def get_queryset(self):
        return selectors.message_queryset(self.run.pk)
