"""Purchasing and outsourcing pages. Thin: writes go through procurement.services, reads
through procurement.selectors."""

import datetime
import io
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import Coalesce
from django.forms import formset_factory
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.fields import ZERO, fmt_decimal
from erp.models import CompanySettings
from erp.permissions import module_required
from erp.views import CreatePage, ListPage, UpdatePage, run_action

from . import selectors, services
from .forms import (
    InvoiceHeaderForm,
    LineChangeForm,
    MaterialMoveForm,
    OutsourcingOrderForm,
    OutsourcingReceiveForm,
    PaymentForm,
    PurchaseOrderForm,
    PurchaseOrderLineForm,
    ReceiveForm,
    RequisitionForm,
    RequisitionLineForm,
    SupplierPriceForm,
)
from .models import (
    InvoiceKind,
    OutsourcingOrder,
    OutsourcingReceipt,
    PurchaseOrder,
    PurchaseReceipt,
    Requisition,
    SupplierInvoice,
    SupplierPrice,
)
from .permissions import RECEIVING, any_module_required
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
MONEY = DecimalField(max_digits=18, decimal_places=2)


def _page(request, template, title, ctx, crumbs=()):
    ctx.update({"title": title, "breadcrumbs": [*crumbs, (title, None)]})
    return render(request, template, ctx)


def _dec(value) -> Decimal | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        d = Decimal(value)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _posted_qtys(request, prefix: str) -> list[tuple[int, Decimal]]:
    """Inputs named `<prefix><id>` with a positive number -> [(id, qty)]."""
    out = []
    for key, value in request.POST.items():
        if key.startswith(prefix):
            qty = _dec(value)
            if qty:
                out.append((int(key[len(prefix) :]), qty))
    return out


# --- requisitions ----------------------------------------------------------------------------


class RequisitionList(ListPage):
    template_name = LIST
    module = "purchasing"
    title = gettext_lazy("Purchase requisitions")
    table_class = RequisitionTable
    filterset_class = RequisitionFilter
    create_url_name = "procurement:requisition_create"

    def get_queryset(self):
        return Requisition.objects.annotate(line_count=Count("lines")).order_by("-number")


LineFormSet = formset_factory(RequisitionLineForm, extra=5)
POLineFormSet = formset_factory(PurchaseOrderLineForm, extra=5)


def _filled(formset):
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and f.cleaned_data.get("item")]


@module_required("purchasing")
def requisition_create(request):
    form = RequisitionForm(request.POST or None)
    formset = LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        lines = [
            {
                "item_id": d["item"].pk,
                "qty": d["qty"],
                "need_date": d["need_date"],
                "supplier_id": d["supplier"].pk if d.get("supplier") else None,
            }
            for d in _filled(formset)
        ]
        try:
            req = services.requisition_create(
                request_date=form.cleaned_data["request_date"],
                lines=lines,
                user=request.user,
                department=form.cleaned_data["department"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(doc)s saved.") % {"doc": req.number})
            return redirect("procurement:requisition_detail", req.pk)
    return _page(
        request,
        "procurement/doc_form.html",
        _("New purchase requisition"),
        {"form": form, "formset": formset},
        [(_("Purchase requisitions"), reverse("procurement:requisition_list"))],
    )


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


@module_required("purchasing")
def requisition_approve(request, pk):
    return run_action(
        request,
        lambda: services.requisition_approve(requisition_id=pk, user=request.user),
        success=_("Approved."),
        redirect_to=reverse("procurement:requisition_detail", args=[pk]),
    )


@module_required("purchasing")
def requisition_cancel(request, pk):
    return run_action(
        request,
        lambda: services.requisition_cancel(requisition_id=pk, user=request.user),
        success=_("Cancelled."),
        redirect_to=reverse("procurement:requisition_detail", args=[pk]),
    )


@module_required("purchasing")
def requisition_close(request, pk):
    return run_action(
        request,
        lambda: services.requisition_close(requisition_id=pk, user=request.user),
        success=_("Closed."),
        redirect_to=reverse("procurement:requisition_detail", args=[pk]),
    )


@module_required("purchasing")
def requisition_convert(request, pk):
    if request.method != "POST":
        return redirect("procurement:requisition_detail", pk)
    ids = [int(v) for v in request.POST.getlist("line") if v.isdigit()]
    try:
        orders = services.requisition_lines_to_orders(line_ids=ids, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("procurement:requisition_detail", pk)
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
        return (
            PurchaseOrder.objects.select_related("supplier")
            .annotate(
                total=Coalesce(
                    Sum(ExpressionWrapper(F("lines__qty") * F("lines__unit_price"), output_field=MONEY)),
                    ZERO,
                    output_field=MONEY,
                ),
                open_qty=Coalesce(
                    Sum(F("lines__qty") - F("lines__received_qty") + F("lines__returned_qty")), ZERO, output_field=MONEY
                ),
            )
            .order_by("-number")
        )


@module_required("purchasing")
def po_create(request):
    form = PurchaseOrderForm(request.POST or None)
    formset = POLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        lines = [
            {"item_id": d["item"].pk, "qty": d["qty"], "unit_price": d.get("unit_price"), "due_date": d.get("due_date")}
            for d in _filled(formset)
        ]
        try:
            po = services.purchase_order_create(
                supplier_id=form.cleaned_data["supplier"].pk,
                order_date=form.cleaned_data["order_date"],
                warehouse_id=form.cleaned_data["warehouse"].pk if form.cleaned_data["warehouse"] else None,
                lines=lines,
                user=request.user,
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(doc)s saved.") % {"doc": po.number})
            return redirect("procurement:po_detail", po.pk)
    return _page(
        request,
        "procurement/doc_form.html",
        _("New purchase order"),
        {"form": form, "formset": formset},
        [(_("Purchase orders"), reverse("procurement:po_list"))],
    )


@module_required("purchasing")
def po_detail(request, pk):
    get_object_or_404(PurchaseOrder, pk=pk)
    po = selectors.order_with_lines(pk)
    lines = list(po.lines.all())
    return _page(
        request,
        "procurement/po_detail.html",
        _("Purchase order %(number)s") % {"number": po.number},
        {
            "po": po,
            "lines": lines,
            "receive_form": ReceiveForm(initial={"warehouse": po.warehouse_id}),
            "receipts": po.receipts.order_by("-number"),
            "can_receive": po.status == OrderStatus.CONFIRMED,
            "total": sum((ln.amount for ln in lines), ZERO),
        },
        [(_("Purchase orders"), reverse("procurement:po_list"))],
    )


@module_required("purchasing")
def po_action(request, pk, action):
    fn = {
        "confirm": (services.purchase_order_confirm, _("Confirmed.")),
        "close": (services.purchase_order_close, _("Closed.")),
        "cancel": (services.purchase_order_cancel, _("Cancelled.")),
    }.get(action)
    if fn is None:
        return redirect("procurement:po_detail", pk)
    return run_action(
        request,
        lambda: fn[0](order_id=pk, user=request.user),
        success=fn[1],
        redirect_to=reverse("procurement:po_detail", args=[pk]),
    )


@module_required("purchasing")
def po_line_change(request, pk):
    form = LineChangeForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        messages.error(request, _("Check the values."))
        return redirect("procurement:po_detail", pk)
    d = form.cleaned_data
    return run_action(
        request,
        lambda: services.purchase_order_line_change(
            line_id=d["line"], qty=d["qty"], unit_price=d["unit_price"], due_date=d["due_date"], user=request.user
        ),
        success=_("Line changed."),
        redirect_to=reverse("procurement:po_detail", args=[pk]),
    )


def _receiving_url(user) -> str:
    from erp.permissions import has_module

    return "procurement:receiving" if has_module(user, "purchasing") else "procurement:warehouse_receiving"


@any_module_required(*RECEIVING)
def po_receive(request, pk):
    """The receive form of one order (buyers and warehouse clerks)."""
    get_object_or_404(PurchaseOrder, pk=pk)
    po = selectors.order_with_lines(pk)
    form = ReceiveForm(request.POST or None, initial={"warehouse": po.warehouse_id})
    if request.method == "POST" and form.is_valid():
        try:
            gr = services.purchase_receipt_post(
                order_id=po.pk,
                lines=_posted_qtys(request, "qty_"),
                receipt_date=form.cleaned_data["receipt_date"],
                warehouse_id=form.cleaned_data["warehouse"].pk if form.cleaned_data["warehouse"] else None,
                user=request.user,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(doc)s posted.") % {"doc": gr.number})
            return redirect("procurement:receipt_detail", gr.pk)
    return _page(
        request,
        "procurement/po_receive.html",
        _("Receive %(number)s") % {"number": po.number},
        {"po": po, "lines": [ln for ln in po.lines.all() if ln.open_qty > 0], "form": form},
        [(_("Receiving"), reverse(_receiving_url(request.user)))],
    )


def _receiving(request):
    """Open purchase order lines to receive (收货), for buyers and the warehouse."""
    lines = selectors.open_po_lines().select_related("order__supplier", "item__uom").order_by("due_date", "pk")[:300]
    return _page(request, "procurement/receiving.html", _("Receiving"), {"lines": lines, "today": timezone.localdate()})


class ReceiptList(ListPage):
    template_name = LIST
    module = "purchasing"
    title = gettext_lazy("Purchase receipts")
    table_class = ReceiptTable
    filterset_class = ReceiptFilter

    def get_queryset(self):
        return (
            PurchaseReceipt.objects.select_related("supplier", "order", "warehouse")
            .annotate(value=Coalesce(Sum("lines__value"), ZERO, output_field=MONEY))
            .order_by("-number")
        )


@any_module_required(*RECEIVING)
def receipt_detail(request, pk):
    gr = get_object_or_404(
        PurchaseReceipt.objects.select_related("supplier", "order", "warehouse").prefetch_related(
            "lines__item__uom", "returns", "lines__invoice_lines__invoice"
        ),
        pk=pk,
    )
    return _page(
        request,
        "procurement/receipt_detail.html",
        _("Purchase receipt %(number)s") % {"number": gr.number},
        {"gr": gr, "lines": list(gr.lines.all()), "today": timezone.localdate()},
        [(_("Purchase receipts"), reverse("procurement:receipt_list"))],
    )


@any_module_required(*RECEIVING)
def receipt_return(request, pk):
    if request.method != "POST":
        return redirect("procurement:receipt_detail", pk)
    try:
        on_date = datetime.date.fromisoformat(request.POST.get("return_date", ""))
    except ValueError:
        on_date = timezone.localdate()
    return run_action(
        request,
        lambda: services.purchase_return_post(
            receipt_id=pk,
            lines=_posted_qtys(request, "ret_"),
            return_date=on_date,
            user=request.user,
            reason=request.POST.get("reason", "")[:200],
        ),
        success=_("Return posted."),
        redirect_to=reverse("procurement:receipt_detail", args=[pk]),
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
        qs = SupplierInvoice.objects.select_related("supplier").order_by("-number")
        return qs.filter(kind=self.kind) if self.kind else qs


class FeeInvoiceList(InvoiceList):
    module = "outsourcing"
    title = gettext_lazy("Outsourcing fee invoices")
    kind = InvoiceKind.OUTSOURCING


@module_required("purchasing")
def invoice_create(request):
    """Pick the supplier, then enter quantity and price on its receipt lines not yet invoiced."""
    data = request.POST if request.method == "POST" else (request.GET if request.GET.get("supplier") else None)
    form = InvoiceHeaderForm(data)
    candidates = []
    if form.is_bound and form.is_valid():
        supplier = form.cleaned_data["supplier"]
        if form.cleaned_data["kind"] == InvoiceKind.PURCHASE:
            candidates = [
                {
                    "id": ln.pk,
                    "doc": ln.receipt.number,
                    "date": ln.receipt.receipt_date,
                    "item": ln.item,
                    "open": ln.open,
                    "price": ln.unit_price,
                    "order": ln.po_line.order.number,
                }
                for ln in selectors.uninvoiced_receipt_lines(supplier.pk)
            ]
        else:
            candidates = [
                {
                    "id": rc.pk,
                    "doc": rc.number,
                    "date": rc.receipt_date,
                    "item": rc.item,
                    "open": rc.open,
                    "price": rc.unit_fee,
                    "order": rc.order.number,
                }
                for rc in OutsourcingReceipt.objects.filter(supplier=supplier, status="done")
                .annotate(open=F("qty") - F("invoiced_qty"))
                .filter(open__gt=0)
                .select_related("item", "order")
            ]
        if request.method == "POST" and "save" in request.POST:
            lines = []
            key = "receipt_line_id" if form.cleaned_data["kind"] == InvoiceKind.PURCHASE else "outsourcing_receipt_id"
            for c in candidates:
                qty = _dec(request.POST.get(f"qty_{c['id']}"))
                if qty:
                    price = _dec(request.POST.get(f"price_{c['id']}"))
                    lines.append({key: c["id"], "qty": qty, "unit_price": price if price is not None else c["price"]})
            try:
                inv = services.supplier_invoice_create(
                    supplier_id=supplier.pk,
                    invoice_date=form.cleaned_data["invoice_date"],
                    kind=form.cleaned_data["kind"],
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
    inv = get_object_or_404(
        SupplierInvoice.objects.select_related("supplier").prefetch_related(
            "lines__item", "lines__receipt_line__receipt", "lines__outsourcing_receipt"
        ),
        pk=pk,
    )
    return _page(
        request,
        "procurement/invoice_detail.html",
        _("Supplier invoice %(number)s") % {"number": inv.number},
        {"inv": inv, "lines": list(inv.lines.all()), "pay_form": PaymentForm(initial={"amount": inv.open_amount})},
        [(_("Supplier invoices"), reverse("procurement:invoice_list"))],
    )


@module_required("purchasing")
def invoice_action(request, pk, action):
    back = reverse("procurement:invoice_detail", args=[pk])
    if action == "confirm":
        return run_action(
            request,
            lambda: services.supplier_invoice_confirm(invoice_id=pk, user=request.user),
            success=_("Invoice posted and matched."),
            redirect_to=back,
        )
    if action == "cancel":
        return run_action(
            request,
            lambda: services.supplier_invoice_cancel(invoice_id=pk, user=request.user),
            success=_("Cancelled."),
            redirect_to=back,
        )
    if action == "pay":
        amount = _dec(request.POST.get("amount")) or ZERO
        return run_action(
            request,
            lambda: services.supplier_invoice_pay(invoice_id=pk, amount=amount, user=request.user),
            success=_("Payment recorded."),
            redirect_to=back,
        )
    return redirect(back)


# --- price list ------------------------------------------------------------------------------


class PriceList(ListPage):
    template_name = LIST
    module = "purchasing"
    title = gettext_lazy("Supplier price list")
    table_class = PriceTable
    filterset_class = PriceFilter
    create_url_name = "procurement:price_create"

    def get_queryset(self):
        return SupplierPrice.objects.select_related("supplier", "item").order_by("item__code", "supplier__code")


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


def _year_month(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        month = int(request.GET.get("month") or today.month)
        datetime.date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    return year, month


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
            "mode": CompanySettings.get().get_accrual_mode_display(),
            "next_period_mode": CompanySettings.get().accrual_mode == "next_period",
            "months": range(1, 13),
        },
    )


@module_required("purchasing")
def accrual_roll(request):
    year, month = int(request.POST.get("year", 0) or 0), int(request.POST.get("month", 0) or 0)
    back = reverse("procurement:accrual_report") + f"?year={year}&month={month}"
    try:
        day = datetime.date(year, month, 1)
    except ValueError:
        return redirect("procurement:accrual_report")
    which = request.POST.get("which")
    if which == "end":
        return run_action(
            request,
            lambda: services.accruals_period_end(year=year, month=month, user=request.user),
            success=_("Re-accrued at period end."),
            redirect_to=back,
        )
    return run_action(
        request,
        lambda: services.accruals_period_start(on_date=day, user=request.user),
        success=_("Accruals reversed at period start."),
        redirect_to=back,
    )


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
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([str(h) for h in header])
    for r in rows:
        ws.append([v if not isinstance(v, Decimal) else (int(v) if v == v.to_integral() else v) for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return resp


# --- outsourcing -----------------------------------------------------------------------------


class OutsourcingList(ListPage):
    template_name = LIST
    module = "outsourcing"
    title = gettext_lazy("Outsourcing orders")
    table_class = OutsourcingTable
    filterset_class = OutsourcingFilter
    create_url_name = "procurement:outsourcing_create"

    def get_queryset(self):
        return OutsourcingOrder.objects.select_related("supplier", "item").order_by("-number")


@module_required("outsourcing")
def outsourcing_create(request):
    form = OutsourcingOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order = services.outsourcing_order_create(
                supplier_id=d["supplier"].pk,
                item_id=d["item"].pk,
                qty=d["qty"],
                unit_fee=d["unit_fee"],
                order_date=d["order_date"],
                start_date=d["start_date"],
                due_date=d["due_date"],
                warehouse_id=d["warehouse"].pk if d["warehouse"] else None,
                issue_warehouse_id=d["issue_warehouse"].pk if d["issue_warehouse"] else None,
                user=request.user,
                note=d["note"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(doc)s saved.") % {"doc": order.number})
            return redirect("procurement:outsourcing_detail", order.pk)
    return _page(
        request,
        "erp/form.html",
        _("New outsourcing order"),
        {"form": form},
        [(_("Outsourcing orders"), reverse("procurement:outsourcing_list"))],
    )


@module_required("outsourcing")
def outsourcing_detail(request, pk):
    order = get_object_or_404(
        OutsourcingOrder.objects.select_related("supplier", "item__uom", "bom", "warehouse").prefetch_related(
            "materials__component__uom", "issues", "receipts"
        ),
        pk=pk,
    )
    materials = list(order.materials.all())
    for m in materials:
        m.still_needed = m.required_qty * order.open_qty / order.qty if order.qty else ZERO
    pct = (order.received_qty * 100 / order.qty) if order.qty else ZERO
    return _page(
        request,
        "procurement/outsourcing_detail.html",
        _("Outsourcing order %(number)s") % {"number": order.number},
        {
            "order": order,
            "materials": materials,
            "pct": pct,
            "move_form": MaterialMoveForm(),
            "receive_form": OutsourcingReceiveForm(
                initial={"qty": fmt_decimal(order.open_qty), "warehouse": order.warehouse_id}
            ),
            "issues": order.issues.order_by("-number"),
            "receipts": order.receipts.order_by("-number"),
        },
        [(_("Outsourcing orders"), reverse("procurement:outsourcing_list"))],
    )


@module_required("outsourcing")
def outsourcing_action(request, pk, action):
    back = reverse("procurement:outsourcing_detail", args=[pk])
    simple = {
        "confirm": (services.outsourcing_order_confirm, _("Confirmed.")),
        "close": (services.outsourcing_order_close, _("Closed.")),
        "cancel": (services.outsourcing_order_cancel, _("Cancelled.")),
    }
    if action in simple:
        fn, msg = simple[action]
        return run_action(request, lambda: fn(order_id=pk, user=request.user), success=msg, redirect_to=back)
    if action == "move":
        form = MaterialMoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Check the values."))
            return redirect(back)
        d = form.cleaned_data
        return run_action(
            request,
            lambda: services.outsourcing_material_move(
                order_id=pk,
                kind=d["kind"],
                lines=_posted_qtys(request, "mat_"),
                on_date=d["on_date"],
                warehouse_id=d["warehouse"].pk if d["warehouse"] else None,
                user=request.user,
            ),
            success=_("Material movement posted."),
            redirect_to=back,
        )
    if action == "receive":
        form = OutsourcingReceiveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Check the values."))
            return redirect(back)
        d = form.cleaned_data
        return run_action(
            request,
            lambda: services.outsourcing_receipt_post(
                order_id=pk,
                qty=d["qty"],
                receipt_date=d["receipt_date"],
                warehouse_id=d["warehouse"].pk if d["warehouse"] else None,
                user=request.user,
            ),
            success=_("Outsourcing receipt posted."),
            redirect_to=back,
        )
    return redirect(back)


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
accrual_report = module_required("purchasing")(_accrual_report)
report_accruals = module_required("reports", "procurement.view_accrualentry")(_accrual_report)
payables_ageing = module_required("purchasing")(_payables_ageing)
report_ageing = module_required("reports", "procurement.view_supplierinvoice")(_payables_ageing)
