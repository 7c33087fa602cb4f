"""Purchasing and outsourcing pages. Thin: writes go through procurement.services, reads
through procurement.selectors.

Access (issue #10): every view declares its module(s) and, if it changes anything, the
permission of its action (`erp.permissions.module_required`, constants in
procurement/permissions.py, who holds them in procurement/roles.py); form pages require it for
GET as well. Lines are reached only through their own document (a foreign or missing line is a
404). Every number, date and id typed by the user goes through `erp.input`; a refused input is a
message naming the line and field, nothing is written. A successful POST answers with a
redirect, so the one-time submission token (erp.submit) makes a double submit harmless.
"""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError as InputError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.exports import export_filename, xlsx_response
from erp.fields import fmt_decimal
from erp.input import date_bounds, errors_text, parse_int, parse_price, parse_quantity
from erp.models import CompanySettings
from erp.permissions import has_module, module_required
from erp.views import CreatePage, ListPage, UpdatePage, document_action, run_action

from . import permissions as acl
from . import selectors, services
from .forms import (
    InvoiceHeaderForm,
    LineChangeForm,
    MaterialMoveForm,
    OutsourcingReceiveForm,
    PaymentForm,
    ReceiveForm,
    ReturnForm,
    SupplierPriceForm,
    not_before,
)
from .models import (
    InvoiceKind,
    OutsourcingOrder,
    PurchaseOrder,
    PurchaseReceipt,
    Requisition,
    SupplierInvoice,
    SupplierPrice,
)
from .states import OrderStatus
from .tables import (
    InvoiceFilter,
    InvoiceTable,
    OutsourcingFilter,
    OutsourcingTable,
    PriceFilter,
    PriceTable,
    PurchaseOrderFilter,
    PurchaseOrderTable,
    ReceiptFilter,
    ReceiptTable,
    RequisitionFilter,
    RequisitionTable,
)

LIST = "erp/list.html"
POST = ("POST",)


def _page(request, template, title, ctx, crumbs=()):
    ctx.update({"title": title, "breadcrumbs": [*crumbs, (title, None)]})
    return render(request, template, ctx)


def _form_errors(form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _refused(request, exc, back: str):
    messages.error(request, errors_text(exc) if isinstance(exc, InputError) else str(exc))
    return redirect(back)


def _line_qtys(request, prefix: str, lines, label) -> list[tuple[int, Decimal]]:
    """[(line id, qty)] from the inputs `<prefix><id>` of the document's own `lines` (blank or 0:
    skipped; inputs naming other lines are never read). `label(line)` names the field in the
    message of a bad number (django's ValidationError)."""
    out = []
    for ln in lines:
        raw = (request.POST.get(f"{prefix}{ln.pk}") or "").strip()
        if not raw:
            continue
        value = parse_quantity(raw, label=label(ln), min_value=Decimal(0))
        if value:
            out.append((ln.pk, value))
    return out


def _line_label(what: str):
    return lambda ln: _("Line %(n)s %(what)s") % {"n": ln.line_no, "what": what}


# --- requisitions ----------------------------------------------------------------------------


class RequisitionList(ListPage):
    template_name = LIST
    module = "purchasing"
    title = gettext_lazy("Purchase requisitions")
    table_class = RequisitionTable
    filterset_class = RequisitionFilter
    create_url_name = "procurement:requisition_create"

    def get_queryset(self):
        return selectors.requisition_list()


@module_required("purchasing")
def requisition_detail(request, pk):
    req = get_object_or_404(Requisition, pk=pk)
    req = selectors.requisition_with_lines(req.pk)
    return _page(
        request,
        "procurement/requisition_detail.html",
        _("Purchase requisition %(number)s") % {"number": req.number},
        {"req": req, "lines": list(req.lines.all())},
        [(_("Purchase requisitions"), reverse("procurement:requisition_list"))],
    )


requisition_approve = module_required("purchasing", action=acl.APPROVE_REQUISITION, methods=POST)(
    document_action(
        Requisition,
        services.requisition_approve,
        id_kwarg="requisition_id",
        success=gettext_lazy("Approved."),
        detail_url="procurement:requisition_detail",
    )
)
requisition_cancel = module_required("purchasing", action=acl.CHANGE_REQUISITION, methods=POST)(
    document_action(
        Requisition,
        services.requisition_cancel,
        id_kwarg="requisition_id",
        success=gettext_lazy("Cancelled."),
        detail_url="procurement:requisition_detail",
    )
)
requisition_close = module_required("purchasing", action=acl.CHANGE_REQUISITION, methods=POST)(
    document_action(
        Requisition,
        services.requisition_close,
        id_kwarg="requisition_id",
        success=gettext_lazy("Closed."),
        detail_url="procurement:requisition_detail",
    )
)


@module_required("purchasing", action=acl.ADD_PO, methods=POST)
def requisition_convert(request, pk):
    """下推: the selected lines of this requisition (only its own lines) become purchase orders."""
    req = get_object_or_404(Requisition, pk=pk)
    back = reverse("procurement:requisition_detail", args=[pk])
    try:
        ids = {parse_int(v, label=_("Requisition line"), min_value=1) for v in request.POST.getlist("line")}
    except InputError as exc:
        return _refused(request, exc, back)
    if req.lines.filter(pk__in=ids).count() != len(ids):
        raise Http404("a line of another requisition")
    try:
        orders = services.requisition_lines_to_orders(line_ids=sorted(ids), user=request.user)
    except DomainError as exc:
        return _refused(request, exc, back)
    messages.success(
        request, _("Purchase orders created: %(numbers)s") % {"numbers": ", ".join(o.number for o in orders)}
    )
    return redirect("procurement:po_detail", orders[0].pk) if len(orders) == 1 else redirect("procurement:po_list")


# --- purchase orders -------------------------------------------------------------------------


class PurchaseOrderList(ListPage):
    template_name = LIST
    module = "purchasing"
    title = gettext_lazy("Purchase orders")
    table_class = PurchaseOrderTable
    filterset_class = PurchaseOrderFilter
    create_url_name = "procurement:po_create"

    def get_queryset(self):
        return selectors.purchase_order_list()


@module_required("purchasing")
def po_detail(request, pk):
    po = selectors.order_with_lines(pk)  # 404 when there is none
    return _page(
        request,
        "procurement/po_detail.html",
        _("Purchase order %(number)s") % {"number": po.number},
        {
            "po": po,
            "lines": list(po.lines.all()),
            "receipts": po.receipts.order_by("-number"),
            "can_receive": po.status == OrderStatus.CONFIRMED,
        },
        [(_("Purchase orders"), reverse("procurement:po_list"))],
    )


po_confirm = module_required("purchasing", action=acl.CHANGE_PO, methods=POST)(
    document_action(
        PurchaseOrder,
        services.purchase_order_confirm,
        id_kwarg="order_id",
        success=gettext_lazy("Confirmed."),
        detail_url="procurement:po_detail",
    )
)
po_close = module_required("purchasing", action=acl.CHANGE_PO, methods=POST)(
    document_action(
        PurchaseOrder,
        services.purchase_order_close,
        id_kwarg="order_id",
        success=gettext_lazy("Closed."),
        detail_url="procurement:po_detail",
    )
)
po_cancel = module_required("purchasing", action=acl.CHANGE_PO, methods=POST)(
    document_action(
        PurchaseOrder,
        services.purchase_order_cancel,
        id_kwarg="order_id",
        success=gettext_lazy("Cancelled."),
        detail_url="procurement:po_detail",
    )
)


@module_required("purchasing", action=acl.CHANGE_PO, methods=POST)
def po_line_change(request, pk):
    """变更 of one line of this order (a line of another order is a 404)."""
    po = get_object_or_404(PurchaseOrder, pk=pk)
    back = reverse("procurement:po_detail", args=[pk])
    try:
        line_id = parse_int(request.POST.get("line"), label=_("Line"), min_value=1)
    except InputError as exc:
        return _refused(request, exc, back)
    line = get_object_or_404(po.lines, pk=line_id)
    form = LineChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    d = form.cleaned_data
    message = not_before(d["due_date"], po.order_date, later_label=_("Due date"), earlier_label=_("order date"))
    if message:
        messages.error(request, message)
        return redirect(back)
    return run_action(
        request,
        lambda: services.purchase_order_line_change(
            line_id=line.pk, qty=d["qty"], unit_price=d["unit_price"], due_date=d["due_date"], user=request.user
        ),
        success=_("Line changed."),
        redirect_to=back,
    )


def _receiving_url(user) -> str:
    return "procurement:receiving" if has_module(user, "purchasing") else "procurement:warehouse_receiving"


@module_required(acl.RECEIVING, acl.ADD_RECEIPT, action=acl.ADD_RECEIPT)
def po_receive(request, pk):
    """The receive form of one order (buyers and warehouse clerks)."""
    po = selectors.order_with_lines(pk)  # 404 when there is none
    lines = selectors.lines_to_receive(po)
    form = ReceiveForm(request.POST or None, initial={"warehouse": po.warehouse_id})
    if request.method == "POST" and form.is_valid():
        try:
            qtys = _line_qtys(request, "qty_", lines, _line_label(_("received quantity")))
            gr = services.purchase_receipt_post(
                order_id=po.pk,
                lines=qtys,
                receipt_date=form.cleaned_data["receipt_date"],
                warehouse_id=form.cleaned_data["warehouse"].pk if form.cleaned_data["warehouse"] else None,
                user=request.user,
            )
        except InputError as exc:
            messages.error(request, errors_text(exc))
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(doc)s posted.") % {"doc": gr.number})
            return redirect("procurement:receipt_detail", gr.pk)
    return _page(
        request,
        "procurement/po_receive.html",
        _("Receive %(number)s") % {"number": po.number},
        {"po": po, "lines": lines, "form": form},
        [(_("Receiving"), reverse(_receiving_url(request.user)))],
    )


def _receiving(request):
    """Open purchase order lines to receive (收货), for buyers and the warehouse."""
    lines = selectors.receiving_lines()
    return _page(request, "procurement/receiving.html", _("Receiving"), {"lines": lines, "today": timezone.localdate()})


class ReceiptList(ListPage):
    template_name = LIST
    module = "purchasing"
    title = gettext_lazy("Purchase receipts")
    table_class = ReceiptTable
    filterset_class = ReceiptFilter

    def get_queryset(self):
        return selectors.receipt_list()


@module_required(acl.RECEIVING)
def receipt_detail(request, pk):
    get_object_or_404(PurchaseReceipt, pk=pk)
    gr = selectors.receipt_with_lines(pk)
    crumbs = (
        [(_("Purchase receipts"), reverse("procurement:receipt_list"))]
        if has_module(request.user, "purchasing")
        else [(_("Receiving"), reverse("procurement:warehouse_receiving"))]
    )
    return _page(
        request,
        "procurement/receipt_detail.html",
        _("Purchase receipt %(number)s") % {"number": gr.number},
        {"gr": gr, "lines": list(gr.lines.all()), "today": timezone.localdate()},
        crumbs,
    )


@module_required(acl.RECEIVING, action=acl.ADD_RETURN, methods=POST)
def receipt_return(request, pk):
    """退货 of lines of this receipt (inputs naming other receipts' lines are not read)."""
    gr = get_object_or_404(PurchaseReceipt, pk=pk)
    back = reverse("procurement:receipt_detail", args=[pk])
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    try:
        lines = _line_qtys(request, "ret_", gr.lines.order_by("pk"), _line_label(_("returned quantity")))
    except InputError as exc:
        return _refused(request, exc, back)
    return run_action(
        request,
        lambda: services.purchase_return_post(
            receipt_id=gr.pk,
            lines=lines,
            return_date=form.cleaned_data["return_date"],
            user=request.user,
            reason=form.cleaned_data["reason"],
        ),
        success=_("Return posted."),
        redirect_to=back,
    )


# --- invoices --------------------------------------------------------------------------------


class InvoiceList(ListPage):
    template_name = LIST
    module = "purchasing"
    title = gettext_lazy("Supplier invoices")
    table_class = InvoiceTable
    filterset_class = InvoiceFilter
    create_url_name = "procurement:invoice_create"
    kind = None

    def get_queryset(self):
        return selectors.invoice_list(kind=self.kind)


class FeeInvoiceList(InvoiceList):
    module = "outsourcing"
    title = gettext_lazy("Outsourcing fee invoices")
    kind = InvoiceKind.OUTSOURCING


def _invoice_lines(request, candidates, key: str) -> tuple[list[dict], list[str]]:
    """The typed quantity and price of each candidate line: ([line dicts], [messages]). A line
    with a quantity needs its own valid price (never replaced by the receipt price)."""
    lines, errors = [], []
    for c in candidates:
        raw_qty = (request.POST.get(f"qty_{c.id}") or "").strip()
        if not raw_qty:
            continue
        try:
            qty = parse_quantity(raw_qty, label=_("%(doc)s invoiced quantity") % {"doc": c.doc}, min_value=Decimal(0))
            if not qty:
                continue
            price = parse_price(
                request.POST.get(f"price_{c.id}"),
                label=_("%(doc)s unit price") % {"doc": c.doc},
                min_value=Decimal(0),
            )
        except InputError as exc:
            errors.append(errors_text(exc))
            continue
        lines.append({key: c.id, "qty": qty, "unit_price": price})
    return lines, errors


@module_required("purchasing", acl.ADD_INVOICE, action=acl.ADD_INVOICE)
def invoice_create(request):
    """Pick the supplier, then enter quantity and price on its receipt lines not yet invoiced."""
    data = request.POST if request.method == "POST" else (request.GET if request.GET.get("supplier") else None)
    form = InvoiceHeaderForm(data)
    candidates = []
    if form.is_bound and form.is_valid():
        supplier, kind = form.cleaned_data["supplier"], form.cleaned_data["kind"]
        candidates = selectors.invoice_candidates(supplier_id=supplier.pk, kind=kind)
        if request.method == "POST" and "save" in request.POST:
            key = "receipt_line_id" if kind == InvoiceKind.PURCHASE else "outsourcing_receipt_id"
            lines, errors = _invoice_lines(request, candidates, key)
            for message in errors:
                messages.error(request, message)
            if not errors:
                try:
                    inv = services.supplier_invoice_create(
                        supplier_id=supplier.pk,
                        invoice_date=form.cleaned_data["invoice_date"],
                        kind=kind,
                        supplier_invoice_no=form.cleaned_data["supplier_invoice_no"],
                        lines=lines,
                        user=request.user,
                    )
                except DomainError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, _("%(doc)s saved.") % {"doc": inv.number})
                    return redirect("procurement:invoice_detail", inv.pk)
    return _page(
        request,
        "procurement/invoice_form.html",
        _("New supplier invoice"),
        {"form": form, "candidates": candidates},
        [(_("Supplier invoices"), reverse("procurement:invoice_list"))],
    )


@module_required("purchasing")
def invoice_detail(request, pk):
    get_object_or_404(SupplierInvoice, pk=pk)
    inv = selectors.invoice_with_lines(pk)
    return _page(
        request,
        "procurement/invoice_detail.html",
        _("Supplier invoice %(number)s") % {"number": inv.number},
        {"inv": inv, "lines": list(inv.lines.all())},
        [(_("Supplier invoices"), reverse("procurement:invoice_list"))],
    )


@module_required("purchasing", action=acl.CONFIRM_INVOICE, methods=POST)
def invoice_confirm(request, pk):
    """审核/钩稽: the buyer posts and matches the invoice (procurement/roles.py)."""
    get_object_or_404(SupplierInvoice, pk=pk)
    return run_action(
        request,
        lambda: services.supplier_invoice_confirm(invoice_id=pk, user=request.user),
        success=_("Invoice posted and matched."),
        redirect_to=reverse("procurement:invoice_detail", args=[pk]),
    )


@module_required("purchasing", action=acl.CHANGE_INVOICE, methods=POST)
def invoice_cancel(request, pk):
    get_object_or_404(SupplierInvoice, pk=pk)
    return run_action(
        request,
        lambda: services.supplier_invoice_cancel(invoice_id=pk, user=request.user),
        success=_("Cancelled."),
        redirect_to=reverse("procurement:invoice_detail", args=[pk]),
    )


@module_required("purchasing", action=acl.PAY_INVOICE, methods=POST)
def invoice_pay(request, pk):
    get_object_or_404(SupplierInvoice, pk=pk)
    back = reverse("procurement:invoice_detail", args=[pk])
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    return run_action(
        request,
        lambda: services.supplier_invoice_pay(invoice_id=pk, amount=form.cleaned_data["amount"], user=request.user),
        success=_("Payment recorded."),
        redirect_to=back,
    )


# --- price list ------------------------------------------------------------------------------


class PriceList(ListPage):
    template_name = LIST
    module = "purchasing"
    title = gettext_lazy("Supplier price list")
    table_class = PriceTable
    filterset_class = PriceFilter
    create_url_name = "procurement:price_create"

    def get_queryset(self):
        return selectors.price_list()


class PriceCreate(CreatePage):
    module = "purchasing"
    permission_required = "procurement.add_supplierprice"
    model = SupplierPrice
    form_class = SupplierPriceForm
    title = gettext_lazy("New supplier price")

    def get_success_url(self):
        return reverse("procurement:price_list")


class PriceEdit(UpdatePage):
    module = "purchasing"
    permission_required = "procurement.change_supplierprice"
    model = SupplierPrice
    form_class = SupplierPriceForm
    title = gettext_lazy("Supplier price")

    def get_success_url(self):
        return reverse("procurement:price_list")


# --- reports ---------------------------------------------------------------------------------


@module_required("purchasing")
def supplier_performance(request):
    rows = selectors.supplier_performance()
    chart = [{"label": r.supplier[:24], "value": r.on_time_pct, "display": f"{r.on_time_pct}%"} for r in rows]
    return _page(request, "procurement/performance.html", _("Supplier performance"), {"rows": rows, "chart": chart})


def _parse_period(data, *, required: bool) -> tuple[int | None, int | None]:
    """Year and month of a period (django's ValidationError naming the field when bad)."""
    low, high = date_bounds()
    year = parse_int(data.get("year"), label=_("Year"), min_value=low, max_value=high, required=required)
    month = parse_int(data.get("month"), label=_("Month"), min_value=1, max_value=12, required=required)
    return year, month


def _year_month(request):
    """The period of the query string; a bad year or month is a warning and this month is shown."""
    today = timezone.localdate()
    try:
        year, month = _parse_period(request.GET, required=False)
    except InputError as exc:
        messages.warning(request, errors_text(exc))
        return today.year, today.month
    return year or today.year, month or today.month


def _accrual_report(request):
    year, month = _year_month(request)
    rows, total = selectors.accrual_balance_report(year=year, month=month)
    if request.GET.get("_export") == "xlsx":
        header = [_("Supplier"), _("Item"), _("Receipt"), _("Opening"), _("Accrued"), _("Reversed"), _("Closing")]
        data = [[r.supplier, r.item, r.source_number, r.opening, r.accrued, r.reversed, r.closing] for r in rows]
        return _xlsx(f"accruals-{year}-{month:02d}", header, data)
    chart = [
        {"label": _("Opening"), "value": total.opening},
        {"label": _("Accrued"), "value": total.accrued},
        {"label": _("Reversed"), "value": total.reversed},
        {"label": _("Closing"), "value": total.closing},
    ]
    settings = CompanySettings.get()
    return _page(
        request,
        "procurement/accrual_report.html",
        _("Accrual balance (期末暂估余额表)"),
        {
            "rows": rows,
            "total": total,
            "year": year,
            "month": month,
            "chart": chart,
            "mode": settings.get_accrual_mode_display(),
            "next_period_mode": settings.accrual_mode == "next_period",
            "months": range(1, 13),
        },
    )


@module_required("purchasing", action=acl.ROLL_ACCRUALS, methods=POST)
def accrual_roll(request):
    """月初冲回 (`which=start`) or 月末重估 (`which=end`) of one period."""
    report = reverse("procurement:accrual_report")
    try:
        year, month = _parse_period(request.POST, required=True)
    except InputError as exc:
        return _refused(request, exc, report)
    back = report + f"?year={year}&month={month}"
    which = request.POST.get("which")
    if which == "end":
        return run_action(
            request,
            lambda: services.accruals_period_end(year=year, month=month, user=request.user),
            success=_("Re-accrued at period end."),
            redirect_to=back,
        )
    if which == "start":
        return run_action(
            request,
            lambda: services.accruals_period_start(on_date=datetime.date(year, month, 1), user=request.user),
            success=_("Accruals reversed at period start."),
            redirect_to=back,
        )
    messages.error(request, _("Choose whether to reverse at period start or re-accrue at period end."))
    return redirect(back)


def _payables_ageing(request):
    rows, totals = selectors.payables_ageing()
    buckets = [k for _d, k in selectors.AGEING_BUCKETS]
    labels = {
        "not_due": _("Not due"),
        "1-30": _("1–30 days"),
        "31-60": _("31–60 days"),
        "61-90": _("61–90 days"),
        "90+": _("Over 90 days"),
    }
    chart = [
        {"label": labels[k], "value": totals[k], "color": "#dc3545" if k in ("61-90", "90+") else "#0d6efd"}
        for k in buckets
    ]
    table = [{"supplier": r.supplier, "cells": [r.buckets[k] for k in buckets], "total": r.total} for r in rows]
    return _page(
        request,
        "procurement/ageing.html",
        _("Payables ageing"),
        {
            "rows": table,
            "totals": [totals[k] for k in buckets],
            "grand": totals["total"],
            "headers": [labels[k] for k in buckets],
            "chart": chart,
        },
    )


def _xlsx(name: str, header: list, rows: list[list]) -> HttpResponse:
    """A typed xlsx download (erp.exports): numbers, dates, formula-like text kept as text."""
    return xlsx_response(export_filename(name), header, rows)


# --- outsourcing -----------------------------------------------------------------------------


class OutsourcingList(ListPage):
    template_name = LIST
    module = "outsourcing"
    title = gettext_lazy("Outsourcing orders")
    table_class = OutsourcingTable
    filterset_class = OutsourcingFilter
    create_url_name = "procurement:outsourcing_create"

    def get_queryset(self):
        return selectors.outsourcing_list()


class WarehouseOutsourcingList(OutsourcingList):
    """The confirmed outsourcing orders, for the warehouse (material issue, receipt)."""

    module = "warehouse"
    title = gettext_lazy("Outsourcing: issue and receive")
    create_url_name = None

    def get_queryset(self):
        return super().get_queryset().filter(status=OrderStatus.CONFIRMED)


@module_required(acl.OUTSOURCING_FLOOR)
def outsourcing_detail(request, pk):
    get_object_or_404(OutsourcingOrder, pk=pk)
    order = selectors.outsourcing_order_detail(pk)
    crumbs = (
        [(_("Outsourcing orders"), reverse("procurement:outsourcing_list"))]
        if has_module(request.user, "outsourcing")
        else [(_("Outsourcing: issue and receive"), reverse("procurement:warehouse_outsourcing"))]
    )
    return _page(
        request,
        "procurement/outsourcing_detail.html",
        _("Outsourcing order %(number)s") % {"number": order.number},
        {
            "order": order,
            "materials": list(order.materials.all()),
            "pct": order.received_pct,
            "move_form": MaterialMoveForm(),
            "receive_form": OutsourcingReceiveForm(
                initial={"qty": fmt_decimal(order.open_qty), "warehouse": order.warehouse_id}
            ),
            "issues": order.issues.order_by("-number"),
            "receipts": order.receipts.order_by("-number"),
        },
        crumbs,
    )


outsourcing_confirm = module_required("outsourcing", action=acl.CHANGE_OUTSOURCING, methods=POST)(
    document_action(
        OutsourcingOrder,
        services.outsourcing_order_confirm,
        id_kwarg="order_id",
        success=gettext_lazy("Confirmed."),
        detail_url="procurement:outsourcing_detail",
    )
)
outsourcing_close = module_required("outsourcing", action=acl.CHANGE_OUTSOURCING, methods=POST)(
    document_action(
        OutsourcingOrder,
        services.outsourcing_order_close,
        id_kwarg="order_id",
        success=gettext_lazy("Closed."),
        detail_url="procurement:outsourcing_detail",
    )
)
outsourcing_cancel = module_required("outsourcing", action=acl.CHANGE_OUTSOURCING, methods=POST)(
    document_action(
        OutsourcingOrder,
        services.outsourcing_order_cancel,
        id_kwarg="order_id",
        success=gettext_lazy("Cancelled."),
        detail_url="procurement:outsourcing_detail",
    )
)


@module_required(acl.OUTSOURCING_FLOOR, action=acl.ADD_MATERIAL_MOVE, methods=POST)
def outsourcing_move(request, pk):
    """委外发料/补料/退料/报废 of lines of this order's own material list."""
    order = get_object_or_404(OutsourcingOrder, pk=pk)
    back = reverse("procurement:outsourcing_detail", args=[pk])
    form = MaterialMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    try:
        lines = _line_qtys(
            request,
            "mat_",
            order.materials.select_related("component").order_by("pk"),
            lambda m: _("%(item)s quantity") % {"item": m.component.code},
        )
    except InputError as exc:
        return _refused(request, exc, back)
    d = form.cleaned_data
    return run_action(
        request,
        lambda: services.outsourcing_material_move(
            order_id=order.pk,
            kind=d["kind"],
            lines=lines,
            on_date=d["on_date"],
            warehouse_id=d["warehouse"].pk if d["warehouse"] else None,
            user=request.user,
        ),
        success=_("Material movement posted."),
        redirect_to=back,
    )


@module_required(acl.OUTSOURCING_FLOOR, action=acl.ADD_OUTSOURCING_RECEIPT, methods=POST)
def outsourcing_receive(request, pk):
    """委外入库 of this order."""
    order = get_object_or_404(OutsourcingOrder, pk=pk)
    back = reverse("procurement:outsourcing_detail", args=[pk])
    form = OutsourcingReceiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    d = form.cleaned_data
    return run_action(
        request,
        lambda: services.outsourcing_receipt_post(
            order_id=order.pk,
            qty=d["qty"],
            receipt_date=d["receipt_date"],
            warehouse_id=d["warehouse"].pk if d["warehouse"] else None,
            user=request.user,
        ),
        success=_("Outsourcing receipt posted."),
        redirect_to=back,
    )


MATERIAL_COLUMNS = [
    ("supplier", gettext_lazy("Supplier")),
    ("order_number", gettext_lazy("Outsourcing order")),
    ("item", gettext_lazy("Item")),
    ("component", gettext_lazy("Component")),
    ("required", gettext_lazy("Required")),
    ("issued", gettext_lazy("Issued")),
    ("supplement", gettext_lazy("Supplement")),
    ("returned", gettext_lazy("Returned")),
    ("consumed", gettext_lazy("Consumed")),
    ("scrapped", gettext_lazy("Scrapped")),
    ("remaining", gettext_lazy("Remaining")),
    ("still_to_issue", gettext_lazy("Still to issue")),
    ("still_needed", gettext_lazy("Still needed")),
    ("surplus", gettext_lazy("Surplus")),
    ("over_consumption", gettext_lazy("Over-consumption")),
]


@module_required("outsourcing")
def outsourcing_materials(request):
    """委外加工原材料剩余情况, with xlsx export."""
    open_only = request.GET.get("open") == "1"
    rows = selectors.outsourcing_material_report(open_only=open_only)
    if request.GET.get("_export") == "xlsx":
        return _xlsx(
            "outsourcing-materials",
            [label for _k, label in MATERIAL_COLUMNS],
            [[getattr(r, k) for k, _l in MATERIAL_COLUMNS] for r in rows],
        )
    chart = [
        {
            "label": f"{r.order_number} {r.component[:12]}",
            "value": r.remaining,
            "color": "#dc3545" if r.surplus > 0 else "#198754",
        }
        for r in rows[:30]
    ]
    return _page(
        request,
        "procurement/outsourcing_materials.html",
        _("Material at subcontractors (委外加工原材料剩余情况)"),
        {"rows": rows, "columns": MATERIAL_COLUMNS, "chart": chart, "open_only": open_only},
    )


# The same pages under each module that lists them in its sidebar (one URL name per module).
receiving = module_required("purchasing")(_receiving)
warehouse_receiving = module_required("warehouse")(_receiving)
warehouse_outsourcing = WarehouseOutsourcingList.as_view()
accrual_report = module_required("purchasing")(_accrual_report)
report_accruals = module_required("reports", "procurement.view_accrualentry")(_accrual_report)
payables_ageing = module_required("purchasing")(_payables_ageing)
report_ageing = module_required("reports", "procurement.view_supplierinvoice")(_payables_ageing)
