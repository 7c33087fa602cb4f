"""Production pages: thin callers of the services and selectors.

Access (issue #10): every view declares its module(s) and, when it changes anything, the
permission of its action (`erp.permissions.module_required`); form pages need it for GET too.
Who holds which action is in production/roles.py (the planner creates and releases work orders,
the production lead reports, the warehouse clerk posts pickings and receipts). Documents are
reached with `get_object_or_404`, lines only through their own document (a line of another
document is a 404). Every number, date and id typed by the user goes through `erp.input`: a
refused input is a message naming the field, and nothing is written.
"""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError as InputError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.input import errors_text, parse_date, parse_int, parse_quantity
from erp.permissions import has_any_module, in_scope, module_required
from erp.views import CreatePage, ListPage, run_action

from . import selectors
from .filters import PickingFilter, ReceiptFilter, WorkOrderFilter
from .forms import KitForm, ReceiptForm, WorkOrderForm
from .models import FGReceipt, Picking, WorkOrder
from .services import picking as picking_svc
from .services import receipts as rc
from .services import work_orders as wos
from .states import IssueMethod, PickingMode, WorkOrderStatus
from .tables import PickingTable, ReceiptTable, WorkOrderTable, warning_badges

MODULE = "production"
PRODUCTION_OR_WAREHOUSE = ("production", "warehouse")
POST = ("POST",)

# action permissions (production/roles.py grants them to roles outside the app)
ADD_WO = "production.add_workorder"  # create by hand, from a sales-order line, child orders
RELEASE_WO = "production.release_workorder"
CANCEL_WO = "production.cancel_workorder"
REPLAN_WO = "production.replan_workorder"  # 变更: quantity and dates after release
REPORT_WO = "production.change_workorder"  # start, scrap, close
CHANGE_MATERIAL = "production.change_workordermaterial"
ADD_PICKING = "production.add_picking"  # propose kit, batch, merged pickings, returns, supplements
POST_PICKING = "production.post_picking"  # post or reverse them (warehouse)
ADD_RECEIPT = "production.add_fgreceipt"  # report finished goods (draft receipt)
POST_RECEIPT = "production.post_fgreceipt"  # post or reverse it (warehouse)
QTY_PICK_MODES = (PickingMode.BATCH, PickingMode.RETURN, PickingMode.SUPPLEMENT)


def _refused(request, exc, back: str):
    messages.error(request, errors_text(exc) if isinstance(exc, InputError) else str(exc))
    return redirect(back)


def _form_errors(form) -> str:
    """Every error of a form, each naming its field."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        for error in errors:
            text = str(error)
            parts.append(text if not label or label.lower() in text.lower() else f"{label}: {text}")
    return " ".join(parts)


def _safe_next(request, default: str) -> str:
    """`next` only to a path of this site (never another host or scheme)."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _date_or_today(request, name: str, label) -> datetime.date:
    """An optional date from POST (blank: today); a bad one raises a ValidationError naming `label`."""
    return parse_date(request.POST.get(name), label=str(label), required=False) or timezone.localdate()


def _own_line_qtys(request, prefix: str, lines, label, *, skip_zero: bool) -> dict[int, Decimal]:
    """{line pk: quantity} from the fields `<prefix><pk>` of the document's own `lines` (blank:
    left out). A field naming a line of another document is a 404: nothing is done with it."""
    own = {ln.pk: ln for ln in lines}
    out = {}
    for key in request.POST:
        if not key.startswith(prefix):
            continue
        suffix = key[len(prefix) :]
        if not suffix.isdigit() or int(suffix) not in own:
            raise Http404
        raw = (request.POST.get(key) or "").strip()
        if not raw:
            continue
        value = parse_quantity(raw, label=label(own[int(suffix)]), min_value=Decimal(0))
        if value or not skip_zero:
            out[int(suffix)] = value
    return out


# --- work orders --------------------------------------------------------------------------------


class WorkOrderList(ListPage):
    module = "production"
    title = gettext_lazy("Production tracking")
    table_class = WorkOrderTable
    filterset_class = WorkOrderFilter
    create_url_name = "production:wo_create"
    create_label = gettext_lazy("New work order")
    template_name = "production/wo_list.html"

    def get_queryset(self):
        return selectors.work_order_list_queryset().order_by("-planned_start", "-number")

    def get_table_data(self):
        data = super().get_table_data()
        warning = self.request.GET.get("warning", "")
        if not warning and not self.request.GET.get("_export"):
            return data  # tracking is computed for the displayed page only (get_table)
        if warning == "overdue" and hasattr(data, "overdue"):
            data = data.overdue(timezone.localdate())  # the same rule as the tracking's 已逾期
        rows = selectors.attach_tracking(list(data))
        if warning == "any":
            rows = [wo for wo in rows if wo.tracking.warnings]
        elif warning:
            rows = [wo for wo in rows if warning in wo.tracking.warnings]
        return rows

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        page = getattr(table, "page", None)
        records = [row.record for row in page.object_list] if page is not None else list(table.data)
        if records and not hasattr(records[0], "tracking"):
            selectors.attach_tracking(records)
        return table


class WarehouseWorkOrderList(WorkOrderList):
    """The released and started orders the warehouse picks for: it opens each read-only and starts
    kit or batch picking there (issue 18)."""

    module = "warehouse"
    title = gettext_lazy("Work orders to pick")
    create_url_name = None
    template_name = "erp/list.html"
    empty_text = gettext_lazy("No released work orders: production releases them, then their material is picked here.")

    def get_queryset(self):
        return super().get_queryset().filter(status__in=(WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED))


class WorkOrderCreate(CreatePage):
    module = MODULE
    permission_required = ADD_WO
    action_permission = ADD_WO
    title = gettext_lazy("New work order")
    form_class = WorkOrderForm
    breadcrumbs = [(gettext_lazy("Production tracking"), "/production/")]

    def get_initial(self):
        today = timezone.localdate()
        return {"planned_start": today, "planned_finish": today + datetime.timedelta(days=7)}

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            wo = wos.work_order_create(
                item_id=d["item"].pk,
                qty=d["qty"],
                planned_start=d["planned_start"],
                planned_finish=d["planned_finish"],
                warehouse_id=d["warehouse"].pk if d["warehouse"] else None,
                receipt_tolerance_pct=d["receipt_tolerance_pct"],
                issue_tolerance_pct=d["issue_tolerance_pct"],
                over_issue_forbidden=d["over_issue_forbidden"],
                cap_by_issued_sets=d["cap_by_issued_sets"],
                note=d["note"],
                user=self.request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Work order %(wo)s created.") % {"wo": wo.number})
        return redirect("production:wo_detail", wo.pk)


@module_required((MODULE, "warehouse", "sales"))
def wo_detail(request, pk):
    """The work order; read-only for the warehouse (the order it picks for) and for sales (an
    order made for one of its own sales orders): their actions show only with the permission."""
    order = get_object_or_404(WorkOrder, pk=pk)
    if not has_any_module(request.user, (MODULE, "warehouse")) and not (
        order.sales_order_line_id and in_scope("crm.salesorderline", request.user, order.sales_order_line_id)
    ):
        raise Http404
    page = selectors.work_order_page(pk)
    wo, kit = page["wo"], page["kit"]
    if page["kit_error"]:
        messages.warning(request, page["kit_error"])
    today = timezone.localdate()
    ctx = {
        **page,
        "title": _("Work order %(wo)s") % {"wo": wo.number},
        "breadcrumbs": [(_("Production tracking"), reverse("production:wo_list")), (wo.number, None)],
        "kit_form": KitForm(initial={"target_sets": kit["max_sets"] if kit else None, "pick_date": today}),
        "receipt_form": ReceiptForm(
            initial={"qty": page["receivable"], "receipt_date": today, "warehouse": wo.warehouse}
        ),
        "warning_badges": warning_badges(wo),
        "issue_methods": IssueMethod.choices,
        "today": today,
        "can_pick": wo.in_production,
    }
    return render(request, "production/wo_detail.html", ctx)


def _wo_back(wo) -> str:
    return reverse("production:wo_detail", args=[wo.pk])


def _wo_action(request, pk, fn, success):
    wo = get_object_or_404(WorkOrder, pk=pk)
    return run_action(request, fn, success=success, redirect_to=_wo_back(wo))


@module_required(MODULE, action=RELEASE_WO, methods=POST)
def wo_release(request, pk):
    return _wo_action(request, pk, lambda: wos.work_order_release(work_order_id=pk, user=request.user), _("Released."))


@module_required(MODULE, action=REPORT_WO, methods=POST)
def wo_start(request, pk):
    return _wo_action(request, pk, lambda: wos.work_order_start(work_order_id=pk, user=request.user), _("Started."))


@module_required(MODULE, action=REPORT_WO, methods=POST)
def wo_close(request, pk):
    return _wo_action(request, pk, lambda: wos.work_order_close(work_order_id=pk, user=request.user), _("Closed."))


@module_required(MODULE, action=CANCEL_WO, methods=POST)
def wo_cancel(request, pk):
    return _wo_action(request, pk, lambda: wos.work_order_cancel(work_order_id=pk, user=request.user), _("Cancelled."))


@module_required(MODULE, action=REPORT_WO, methods=POST)
def wo_scrap(request, pk):
    wo = get_object_or_404(WorkOrder, pk=pk)
    try:
        qty = parse_quantity(request.POST.get("qty"), label=_("Scrap quantity"), positive=True)
    except InputError as exc:
        return _refused(request, exc, _wo_back(wo))
    return _wo_action(
        request,
        pk,
        lambda: wos.work_order_report_scrap(work_order_id=wo.pk, qty=qty, user=request.user),
        _("Scrap recorded."),
    )


@module_required(MODULE, action=REPLAN_WO, methods=POST)
def wo_change(request, pk):
    """变更: quantity and dates with a reason; then the shortage analysis of the order in one click."""
    from django.utils.html import format_html

    wo = get_object_or_404(WorkOrder, pk=pk)
    try:
        qty = parse_quantity(request.POST.get("qty"), label=_("Quantity"), positive=True, required=False)
        start = parse_date(request.POST.get("planned_start"), label=_("Planned start"), required=False)
        finish = parse_date(request.POST.get("planned_finish"), label=_("Planned finish"), required=False)
        wos.work_order_change(
            work_order_id=wo.pk,
            qty=qty,
            planned_start=start,
            planned_finish=finish,
            reason=request.POST.get("reason", "")[:80],
            user=request.user,
        )
    except (InputError, DomainError) as exc:
        return _refused(request, exc, _wo_back(wo))
    url = reverse("mrp:shortage") + f"?orders=wo:{wo.pk}"
    messages.success(
        request,
        format_html(
            '{} <a href="{}" id="shortage-link">{}</a>',
            _("Work order %(wo)s changed.") % {"wo": wo.number},
            url,
            _("Shortage analysis of this order"),
        ),
    )
    return redirect(_wo_back(wo))


@module_required(MODULE, action=ADD_WO, methods=POST)
def wo_children(request, pk):
    return _wo_action(
        request,
        pk,
        lambda: wos.work_order_create_children(work_order_id=pk, user=request.user),
        _("Child work orders created."),
    )


@module_required(MODULE, action=CHANGE_MATERIAL, methods=POST)
def wo_material_update(request, pk, material_id):
    wo = get_object_or_404(WorkOrder, pk=pk)
    material = get_object_or_404(wo.materials, pk=material_id)  # a line only through its own order
    try:
        required = parse_quantity(
            request.POST.get("required"),
            label=_("Line %(n)s required quantity") % {"n": material.line_no},
            min_value=Decimal(0),
            required=False,
        )
    except InputError as exc:
        return _refused(request, exc, _wo_back(wo))
    method = request.POST.get("issue_method") or None
    return _wo_action(
        request,
        pk,
        lambda: wos.work_order_material_update(
            material_id=material.pk, required=required, issue_method=method, user=request.user
        ),
        _("Material line saved."),
    )


def _picking_redirect(request, wo, make):
    try:
        picking = make()
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(_wo_back(wo))
    messages.success(request, _("Picking %(pk)s proposed: check the quantities and confirm.") % {"pk": picking.number})
    return redirect("production:picking_detail", picking.pk)


@module_required(PRODUCTION_OR_WAREHOUSE, action=ADD_PICKING, methods=POST)
def wo_kit_pick(request, pk):
    wo = get_object_or_404(WorkOrder, pk=pk)
    form = KitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_wo_back(wo))
    d = form.cleaned_data
    return _picking_redirect(
        request,
        wo,
        lambda: picking_svc.picking_create_kit(
            work_order_id=wo.pk,
            target_sets=d["target_sets"],
            key_parts_only=d["key_parts_only"],
            pick_date=d["pick_date"] or timezone.localdate(),
            user=request.user,
        ),
    )


@module_required(PRODUCTION_OR_WAREHOUSE, action=ADD_PICKING, methods=POST)
def wo_qty_pick(request, pk):
    """Batch picking, return (退料) or supplement (补料): quantities per material line of this order."""
    wo = get_object_or_404(WorkOrder, pk=pk)
    mode = request.POST.get("mode") or PickingMode.BATCH
    if mode not in QTY_PICK_MODES:
        messages.error(request, _("Mode: choose batch picking, return or supplement."))
        return redirect(_wo_back(wo))
    try:
        pick_date = _date_or_today(request, "pick_date", _("Picking date"))
        qtys = _own_line_qtys(
            request,
            "qty_",
            wo.materials.all(),
            lambda m: _("Line %(n)s quantity") % {"n": m.line_no},
            skip_zero=True,
        )
    except InputError as exc:
        return _refused(request, exc, _wo_back(wo))
    reason = request.POST.get("reason", "")

    def make():
        if mode == PickingMode.RETURN:
            return picking_svc.picking_create_return(
                work_order_id=wo.pk, qtys=qtys, reason=reason, pick_date=pick_date, user=request.user
            )
        if mode == PickingMode.SUPPLEMENT:
            return picking_svc.picking_create_supplement(
                work_order_id=wo.pk, qtys=qtys, reason=reason, pick_date=pick_date, user=request.user
            )
        return picking_svc.picking_create_batch(work_order_id=wo.pk, qtys=qtys, pick_date=pick_date, user=request.user)

    return _picking_redirect(request, wo, make)


@module_required(MODULE, action=ADD_RECEIPT, methods=POST)
def wo_receive(request, pk):
    wo = get_object_or_404(WorkOrder, pk=pk)
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_wo_back(wo))
    d = form.cleaned_data
    try:
        receipt = rc.fg_receipt_create(
            work_order_id=wo.pk,
            qty=d["qty"],
            receipt_date=d["receipt_date"],
            warehouse_id=d["warehouse"].pk if d["warehouse"] else None,
            user=request.user,
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(_wo_back(wo))
    messages.success(
        request, _("Receipt %(r)s drafted: confirm it to post (backflush included).") % {"r": receipt.number}
    )
    return redirect("production:receipt_detail", receipt.pk)


@module_required(MODULE, action=ADD_WO, methods=POST)
def wo_from_sales_line(request, line_id):
    """以销定产: a work order for the open quantity of one confirmed sales-order line."""
    from crm.selectors import sales_order_lines

    line = get_object_or_404(sales_order_lines(), pk=line_id)
    try:
        wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(_safe_next(request, reverse("production:sales_lines")))
    messages.success(request, _("Work order %(wo)s created from the sales order.") % {"wo": wo.number})
    return redirect("production:wo_detail", wo.pk)


@module_required(MODULE)
def sales_lines(request):
    return render(
        request,
        "production/sales_lines.html",
        {
            "title": _("Make to order (以销定产)"),
            "breadcrumbs": [(_("Make to order (以销定产)"), None)],
            "lines": selectors.sales_lines_to_make(),
        },
    )


@module_required(MODULE)
def timeline(request):
    qs = selectors.work_order_queryset()
    if request.GET.get("all") != "1":
        qs = qs.open()
    data = selectors.timeline(qs=qs)
    return render(
        request,
        "production/timeline.html",
        {"title": _("Timeline"), "breadcrumbs": [(_("Timeline"), None)], "data": data},
    )


# --- pickings -----------------------------------------------------------------------------------


class PickingList(ListPage):
    module = MODULE
    title = gettext_lazy("Pickings")
    table_class = PickingTable
    filterset_class = PickingFilter

    def get_queryset(self):
        return Picking.objects.prefetch_related("work_orders").order_by("-id")


class WarehousePickingList(PickingList):
    module = "warehouse"
    title = gettext_lazy("Production pickings")


@module_required(PRODUCTION_OR_WAREHOUSE)
def picking_detail(request, pk):
    get_object_or_404(Picking, pk=pk)
    page = selectors.picking_page(pk)
    number = page["picking"].number
    return render(
        request,
        "production/picking_detail.html",
        {
            **page,
            "title": _("Picking %(pk)s") % {"pk": number},
            "breadcrumbs": [(_("Pickings"), reverse("production:picking_list")), (number, None)],
        },
    )


@module_required(PRODUCTION_OR_WAREHOUSE, action=POST_PICKING, methods=POST)
def picking_confirm(request, pk):
    """Post the picking; `issue_<line>` may issue less than proposed (blank: as proposed)."""
    picking = get_object_or_404(Picking, pk=pk)
    back = reverse("production:picking_detail", args=[picking.pk])
    try:
        qtys = _own_line_qtys(
            request,
            "issue_",
            picking.lines.all(),
            lambda ln: _("Line %(n)s issue quantity") % {"n": ln.line_no},
            skip_zero=False,
        )
    except InputError as exc:
        return _refused(request, exc, back)
    return run_action(
        request,
        lambda: picking_svc.picking_confirm(picking_id=picking.pk, issue_qtys=qtys, user=request.user),
        success=_("Picking posted."),
        redirect_to=back,
    )


@module_required(PRODUCTION_OR_WAREHOUSE, action=POST_PICKING, methods=POST)
def picking_cancel(request, pk):
    picking = get_object_or_404(Picking, pk=pk)
    return run_action(
        request,
        lambda: picking_svc.picking_cancel(picking_id=picking.pk, user=request.user),
        success=_("Picking cancelled."),
        redirect_to=reverse("production:picking_detail", args=[picking.pk]),
    )


@module_required(MODULE, ADD_PICKING, action=ADD_PICKING)
def merged_pick(request):
    if request.method == "POST":
        back = reverse("production:merged_pick")
        try:
            ids = [parse_int(raw, label=_("Work order"), min_value=1) for raw in request.POST.getlist("work_orders")]
            pick_date = _date_or_today(request, "pick_date", _("Picking date"))
        except InputError as exc:
            return _refused(request, exc, back)
        try:
            picking = picking_svc.picking_create_merged(work_order_ids=ids, pick_date=pick_date, user=request.user)
        except DomainError as exc:
            return _refused(request, exc, back)
        messages.success(request, _("Merged picking %(pk)s proposed.") % {"pk": picking.number})
        return redirect("production:picking_detail", picking.pk)
    orders = selectors.merged_pick_orders()
    return render(
        request,
        "production/merged_pick.html",
        {
            "title": _("Merged picking"),
            "breadcrumbs": [(_("Merged picking"), None)],
            "orders": orders,
            "today": timezone.localdate(),
        },
    )


# --- receipts -----------------------------------------------------------------------------------


class ReceiptList(ListPage):
    module = MODULE
    title = gettext_lazy("Finished-goods receipts")
    table_class = ReceiptTable
    filterset_class = ReceiptFilter

    def get_queryset(self):
        return FGReceipt.objects.select_related("work_order", "work_order__item", "warehouse").order_by("-id")


class WarehouseReceiptList(ReceiptList):
    module = "warehouse"


@module_required(PRODUCTION_OR_WAREHOUSE)
def receipt_detail(request, pk):
    get_object_or_404(FGReceipt, pk=pk)
    page = selectors.receipt_page(pk)
    number = page["receipt"].number
    return render(
        request,
        "production/receipt_detail.html",
        {
            **page,
            "title": _("Receipt %(r)s") % {"r": number},
            "breadcrumbs": [(_("Finished-goods receipts"), reverse("production:receipt_list")), (number, None)],
        },
    )


@module_required(PRODUCTION_OR_WAREHOUSE, action=POST_RECEIPT, methods=POST)
def receipt_confirm(request, pk):
    receipt = get_object_or_404(FGReceipt, pk=pk)
    return run_action(
        request,
        lambda: rc.fg_receipt_confirm(receipt_id=receipt.pk, user=request.user),
        success=_("Receipt posted."),
        redirect_to=reverse("production:receipt_detail", args=[receipt.pk]),
    )


@module_required(PRODUCTION_OR_WAREHOUSE, action=POST_RECEIPT, methods=POST)
def receipt_cancel(request, pk):
    receipt = get_object_or_404(FGReceipt, pk=pk)
    return run_action(
        request,
        lambda: rc.fg_receipt_cancel(receipt_id=receipt.pk, user=request.user),
        success=_("Receipt cancelled."),
        redirect_to=reverse("production:receipt_detail", args=[receipt.pk]),
    )
