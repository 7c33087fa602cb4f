"""Production pages: thin callers of the services and selectors."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.fields import to_decimal
from erp.permissions import has_module, module_required
from erp.views import CreatePage, ListPage, run_action

from . import selectors
from .filters import PickingFilter, ReceiptFilter, WorkOrderFilter
from .forms import KitForm, ReceiptForm, WorkOrderForm
from .models import FGReceipt, Picking
from .services import picking as picking_svc
from .services import receipts as rc
from .services import work_orders as wos
from .states import IssueMethod, LineType, PickingMode, WorkOrderStatus
from .tables import PickingTable, ReceiptTable, WorkOrderTable, warning_badges

PRODUCTION_OR_WAREHOUSE = ("production", "warehouse")


def _require_any(request, modules=PRODUCTION_OR_WAREHOUSE):
    if not any(has_module(request.user, m) for m in modules):
        raise PermissionDenied


def any_module_required(*modules):
    def decorator(view):
        inner = module_required(modules[0])(view)

        def wrapped(request, *args, **kwargs):
            if request.user.is_authenticated and not has_module(request.user, modules[0]):
                _require_any(request, modules)
                return view(request, *args, **kwargs)
            return inner(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        return wrapped

    return decorator


def _date(value, default=None):
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


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
        return selectors.work_order_queryset().order_by("-planned_start", "-number")

    def get_table_data(self):
        data = super().get_table_data()
        warning = self.request.GET.get("warning", "")
        if not warning and not self.request.GET.get("_export"):
            return data  # tracking is computed for the displayed page only (get_table)
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


class WorkOrderCreate(CreatePage):
    module = "production"
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


@module_required("production")
def wo_detail(request, pk):
    wo = get_object_or_404(selectors.work_order_queryset(), pk=pk)
    selectors.attach_tracking([wo])
    materials = list(wo.materials.select_related("component", "component__uom", "warehouse"))
    kit = None
    if wo.status in (WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED):
        try:
            kit = picking_svc.kit_figures(wo)
        except DomainError as exc:
            messages.warning(request, str(exc))
    today = timezone.localdate()
    room, sets = rc.receivable_qty(wo)
    ctx = {
        "title": _("Work order %(wo)s") % {"wo": wo.number},
        "breadcrumbs": [(_("Production tracking"), reverse("production:wo_list")), (wo.number, None)],
        "wo": wo,
        "materials": materials,
        "components": [m for m in materials if m.line_type == LineType.COMPONENT],
        "outputs": [m for m in materials if m.line_type != LineType.COMPONENT],
        "kit": kit,
        "kit_form": KitForm(initial={"target_sets": kit["max_sets"] if kit else None, "pick_date": today}),
        "receipt_form": ReceiptForm(initial={"qty": room, "receipt_date": today, "warehouse": wo.warehouse}),
        "receivable": room,
        "pickings": wo.pickings.all().order_by("-id"),
        "receipts": wo.receipts.select_related("warehouse").order_by("-id"),
        "children": wo.children.select_related("item"),
        "warning_badges": warning_badges(wo),
        "issue_methods": IssueMethod.choices,
        "today": today,
        "can_pick": wo.status in (WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED),
    }
    return render(request, "production/wo_detail.html", ctx)


def _wo_action(request, pk, fn, success):
    return run_action(request, fn, success=success, redirect_to=reverse("production:wo_detail", args=[pk]))


@module_required("production")
@require_POST
def wo_release(request, pk):
    return _wo_action(request, pk, lambda: wos.work_order_release(work_order_id=pk, user=request.user), _("Released."))


@module_required("production")
@require_POST
def wo_start(request, pk):
    return _wo_action(request, pk, lambda: wos.work_order_start(work_order_id=pk, user=request.user), _("Started."))


@module_required("production")
@require_POST
def wo_close(request, pk):
    return _wo_action(request, pk, lambda: wos.work_order_close(work_order_id=pk, user=request.user), _("Closed."))


@module_required("production")
@require_POST
def wo_cancel(request, pk):
    return _wo_action(request, pk, lambda: wos.work_order_cancel(work_order_id=pk, user=request.user), _("Cancelled."))


@module_required("production")
@require_POST
def wo_scrap(request, pk):
    return _wo_action(
        request,
        pk,
        lambda: wos.work_order_report_scrap(
            work_order_id=pk, qty=to_decimal(request.POST.get("qty", "").strip() or "0"), user=request.user
        ),
        _("Scrap recorded."),
    )


@module_required("production")
@require_POST
def wo_children(request, pk):
    return _wo_action(
        request,
        pk,
        lambda: wos.work_order_create_children(work_order_id=pk, user=request.user),
        _("Child work orders created."),
    )


@module_required("production")
@require_POST
def wo_material_update(request, pk, material_id):
    required = request.POST.get("required", "").strip()
    method = request.POST.get("issue_method") or None
    return _wo_action(
        request,
        pk,
        lambda: wos.work_order_material_update(
            material_id=material_id,
            required=to_decimal(required) if required else None,
            issue_method=method,
            user=request.user,
        ),
        _("Material line saved."),
    )


def _picking_redirect(request, pk, make):
    try:
        picking = make()
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("production:wo_detail", pk)
    messages.success(request, _("Picking %(pk)s proposed: check the quantities and confirm.") % {"pk": picking.number})
    return redirect("production:picking_detail", picking.pk)


@module_required("production")
@require_POST
def wo_kit_pick(request, pk):
    target = request.POST.get("target_sets", "").strip()
    return _picking_redirect(
        request,
        pk,
        lambda: picking_svc.picking_create_kit(
            work_order_id=pk,
            target_sets=to_decimal(target) if target else None,
            key_parts_only=bool(request.POST.get("key_parts_only")),
            pick_date=_date(request.POST.get("pick_date"), timezone.localdate()),
            user=request.user,
        ),
    )


@module_required("production")
@require_POST
def wo_qty_pick(request, pk):
    mode = request.POST.get("mode", PickingMode.BATCH)
    pick_date = _date(request.POST.get("pick_date"), timezone.localdate())

    def make():
        qtys = picking_svc.to_qty_map(request.POST)
        reason = request.POST.get("reason", "")
        if mode == PickingMode.RETURN:
            return picking_svc.picking_create_return(
                work_order_id=pk, qtys=qtys, reason=reason, pick_date=pick_date, user=request.user
            )
        if mode == PickingMode.SUPPLEMENT:
            return picking_svc.picking_create_supplement(
                work_order_id=pk, qtys=qtys, reason=reason, pick_date=pick_date, user=request.user
            )
        return picking_svc.picking_create_batch(work_order_id=pk, qtys=qtys, pick_date=pick_date, user=request.user)

    return _picking_redirect(request, pk, make)


@module_required("production")
@require_POST
def wo_receive(request, pk):
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the receipt quantity and date."))
        return redirect("production:wo_detail", pk)
    d = form.cleaned_data
    try:
        receipt = rc.fg_receipt_create(
            work_order_id=pk,
            qty=d["qty"],
            receipt_date=d["receipt_date"],
            warehouse_id=d["warehouse"].pk if d["warehouse"] else None,
            user=request.user,
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("production:wo_detail", pk)
    messages.success(
        request, _("Receipt %(r)s drafted: confirm it to post (backflush included).") % {"r": receipt.number}
    )
    return redirect("production:receipt_detail", receipt.pk)


@module_required("production")
@require_POST
def wo_from_sales_line(request, line_id):
    try:
        wo = wos.work_order_from_sales_line(sales_order_line_id=line_id, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(request.POST.get("next") or "production:wo_list")
    messages.success(request, _("Work order %(wo)s created from the sales order.") % {"wo": wo.number})
    return redirect("production:wo_detail", wo.pk)


@module_required("production")
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


@module_required("production")
def timeline(request):
    qs = selectors.work_order_queryset()
    if request.GET.get("all") != "1":
        qs = qs.filter(status__in=["planned", "released", "started"])
    data = selectors.timeline(qs=qs)
    return render(
        request,
        "production/timeline.html",
        {"title": _("Timeline"), "breadcrumbs": [(_("Timeline"), None)], "data": data},
    )


# --- pickings -----------------------------------------------------------------------------------


class PickingList(ListPage):
    module = "production"
    title = gettext_lazy("Pickings")
    table_class = PickingTable
    filterset_class = PickingFilter

    def get_queryset(self):
        return Picking.objects.prefetch_related("work_orders").order_by("-id")


class WarehousePickingList(PickingList):
    module = "warehouse"
    title = gettext_lazy("Production pickings")


@any_module_required(*PRODUCTION_OR_WAREHOUSE)
def picking_detail(request, pk):
    picking = get_object_or_404(Picking.objects.prefetch_related("work_orders"), pk=pk)
    lines = list(
        picking.lines.select_related("item", "item__uom", "warehouse").prefetch_related(
            "allocations__material__work_order"
        )
    )
    from inventory.selectors import on_hand_by_item_warehouse

    stock = on_hand_by_item_warehouse({ln.item_id for ln in lines})
    for ln in lines:
        ln.on_hand = stock.get((ln.item_id, ln.warehouse_id), 0)
    return render(
        request,
        "production/picking_detail.html",
        {
            "title": _("Picking %(pk)s") % {"pk": picking.number},
            "breadcrumbs": [(_("Pickings"), reverse("production:picking_list")), (picking.number, None)],
            "picking": picking,
            "lines": lines,
        },
    )


@any_module_required(*PRODUCTION_OR_WAREHOUSE)
@require_POST
def picking_confirm(request, pk):
    def do():
        qtys = {}
        for key, value in request.POST.items():
            if key.startswith("issue_") and value.strip() != "":
                qtys[int(key[6:])] = to_decimal(value.strip())
        picking_svc.picking_confirm(picking_id=pk, issue_qtys=qtys, user=request.user)

    return run_action(
        request, do, success=_("Picking posted."), redirect_to=reverse("production:picking_detail", args=[pk])
    )


@any_module_required(*PRODUCTION_OR_WAREHOUSE)
@require_POST
def picking_cancel(request, pk):
    return run_action(
        request,
        lambda: picking_svc.picking_cancel(picking_id=pk, user=request.user),
        success=_("Picking cancelled."),
        redirect_to=reverse("production:picking_detail", args=[pk]),
    )


@module_required("production")
def merged_pick(request):
    if request.method == "POST":
        ids = request.POST.getlist("work_orders")
        try:
            picking = picking_svc.picking_create_merged(
                work_order_ids=ids,
                pick_date=_date(request.POST.get("pick_date"), timezone.localdate()),
                user=request.user,
            )
        except (DomainError, ValueError) as exc:
            messages.error(request, str(exc))
            return redirect("production:merged_pick")
        messages.success(request, _("Merged picking %(pk)s proposed.") % {"pk": picking.number})
        return redirect("production:picking_detail", picking.pk)
    orders = list(
        selectors.work_order_queryset()
        .filter(status__in=[WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED])
        .order_by("planned_start", "number")
    )
    selectors.attach_tracking(orders)
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
    module = "production"
    title = gettext_lazy("Finished-goods receipts")
    table_class = ReceiptTable
    filterset_class = ReceiptFilter

    def get_queryset(self):
        return FGReceipt.objects.select_related("work_order", "work_order__item", "warehouse").order_by("-id")


class WarehouseReceiptList(ReceiptList):
    module = "warehouse"


@any_module_required(*PRODUCTION_OR_WAREHOUSE)
def receipt_detail(request, pk):
    receipt = get_object_or_404(FGReceipt.objects.select_related("work_order", "work_order__item", "warehouse"), pk=pk)
    wo = receipt.work_order
    preview = []
    if receipt.status == "draft":
        from .engine import backflush as bf

        for m in wo.materials.select_related("component", "component__uom"):
            if m.line_type == LineType.COMPONENT and m.issue_method == IssueMethod.BACKFLUSH:
                qty = bf.backflush_qty(
                    receipt_qty=receipt.qty,
                    per=m.qty_per,
                    received_before=wo.received_qty,
                    order_qty=wo.qty,
                    required=m.required,
                    flushed_before=m.backflushed_qty,
                )
                preview.append({"kind": _("Backflush"), "item": m.component, "qty": -qty})
            elif m.line_type != LineType.COMPONENT:
                preview.append({"kind": m.get_line_type_display(), "item": m.component, "qty": receipt.qty * m.qty_per})
    return render(
        request,
        "production/receipt_detail.html",
        {
            "title": _("Receipt %(r)s") % {"r": receipt.number},
            "breadcrumbs": [(_("Finished-goods receipts"), reverse("production:receipt_list")), (receipt.number, None)],
            "receipt": receipt,
            "lines": receipt.lines.select_related("item", "item__uom", "warehouse"),
            "preview": preview,
        },
    )


@any_module_required(*PRODUCTION_OR_WAREHOUSE)
@require_POST
def receipt_confirm(request, pk):
    return run_action(
        request,
        lambda: rc.fg_receipt_confirm(receipt_id=pk, user=request.user),
        success=_("Receipt posted."),
        redirect_to=reverse("production:receipt_detail", args=[pk]),
    )


@any_module_required(*PRODUCTION_OR_WAREHOUSE)
@require_POST
def receipt_cancel(request, pk):
    return run_action(
        request,
        lambda: rc.fg_receipt_cancel(receipt_id=pk, user=request.user),
        success=_("Receipt cancelled."),
        redirect_to=reverse("production:receipt_detail", args=[pk]),
    )
