"""Sales / CRM pages (thin: parse, call one service or selector, render or redirect)."""

import datetime
import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.audit import history_for
from erp.errors import DomainError, ValidationError
from erp.permissions import module_required
from erp.views import CreatePage, ListPage, UpdatePage, run_action

from . import filters, forms, selectors, tables
from .models import (
    Customer,
    Delivery,
    Forecast,
    Lead,
    Opportunity,
    Quotation,
    Receipt,
    SalesInvoice,
    SalesOrder,
    SalesReturn,
    ServiceTicket,
)
from .services import customers as customer_svc
from .services import deliveries as delivery_svc
from .services import invoices as invoice_svc
from .services import orders as order_svc
from .services import receipts as receipt_svc
from .services import tickets as ticket_svc
from .states import PostStatus, Stage, TicketStatus

MODULE = "sales"
SALES = gettext_lazy("Sales / CRM")


def _qty_map(request, ids) -> dict:
    """{id: Decimal} from POST fields qty_<id>; a bad number is refused with a message."""
    from decimal import Decimal, InvalidOperation

    out = {}
    for pk in ids:
        raw = (request.POST.get(f"qty_{pk}") or "").strip()
        if not raw:
            continue
        try:
            out[pk] = Decimal(raw)
        except InvalidOperation:
            raise ValidationError(_("'%(value)s' is not a number.") % {"value": raw}) from None
    return out


def _int(value):
    return int(value) if str(value or "").isdigit() else None


def _page(request, template, title, ctx=None, crumbs=()):
    ctx = dict(ctx or {})
    ctx["title"] = title
    ctx["breadcrumbs"] = [(SALES, None), *crumbs, (title, None)]
    return render(request, template, ctx)


# --------------------------------------------------------------------------- customers
class SalesListPage(ListPage):
    template_name = "erp/list.html"


class CustomerList(SalesListPage):
    module = MODULE
    title = gettext_lazy("Customers")
    table_class = tables.CustomerTable
    filterset_class = filters.CustomerFilter
    create_url_name = "crm:customer_create"

    def get_queryset(self):
        return Customer.objects.select_related("owner").order_by("code")


class PoolList(SalesListPage):
    module = MODULE
    title = gettext_lazy("Shared pool")
    table_class = tables.PoolTable
    filterset_class = filters.CustomerFilter

    def get_queryset(self):
        return Customer.objects.filter(owner__isnull=True, is_active=True).order_by("code")


class CustomerCreate(CreatePage):
    module = MODULE
    title = gettext_lazy("New customer")
    model = Customer
    form_class = forms.CustomerForm

    def form_valid(self, form):
        form.instance.owner = self.request.user
        form.instance.claimed_at = timezone.now()
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("crm:customer_detail", args=[self.object.pk])


class CustomerUpdate(UpdatePage):
    module = MODULE
    title = gettext_lazy("Edit customer")
    model = Customer
    form_class = forms.CustomerForm

    def get_success_url(self):
        return reverse("crm:customer_detail", args=[self.object.pk])


@module_required(MODULE)
def customer_detail(request, pk):
    customer = get_object_or_404(Customer.objects.select_related("owner"), pk=pk)
    ctx = {
        "customer": customer,
        "contacts": customer.contacts.all(),
        "followups": customer.followups.select_related("user")[:50],
        "opportunities": customer.opportunities.select_related("owner")[:50],
        "orders": customer.orders.order_by("-order_date")[:50],
        "exposure": order_svc.credit_exposure(customer.pk),
        "followup_form": forms.FollowUpForm(),
        "credit_form": forms.CreditLimitForm(initial={"credit_limit": customer.credit_limit}),
        "can_credit": request.user.has_perm("crm.change_credit_limit"),
        "users": get_user_model().objects.filter(is_active=True).order_by("username"),
        "history": history_for(customer),
    }
    return _page(
        request, "crm/customer_detail.html", str(customer), ctx, [(_("Customers"), reverse("crm:customer_list"))]
    )


@module_required(MODULE)
def customer_claim(request, pk):
    return run_action(
        request,
        lambda: customer_svc.customer_claim(customer_id=pk, user=request.user),
        success=_("The customer is yours now."),
        redirect_to=request.POST.get("next") or reverse("crm:customer_detail", args=[pk]),
    )


@module_required(MODULE)
def customer_release(request, pk):
    return run_action(
        request,
        lambda: customer_svc.customer_release(customer_id=pk, user=request.user),
        success=_("The customer is back in the shared pool."),
        redirect_to=reverse("crm:customer_detail", args=[pk]),
    )


@module_required(MODULE)
def customer_assign(request, pk):
    owner = get_user_model().objects.filter(pk=request.POST.get("owner") or 0).first()
    return run_action(
        request,
        lambda: customer_svc.customer_assign(customer_id=pk, owner=owner, user=request.user),
        success=_("Owner changed."),
        redirect_to=reverse("crm:customer_detail", args=[pk]),
    )


@module_required(MODULE, "crm.change_credit_limit")
def customer_credit_limit(request, pk):
    form = forms.CreditLimitForm(request.POST or None)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not form.is_valid():
        messages.error(request, _("Enter a credit limit of 0 or more."))
        return redirect("crm:customer_detail", pk=pk)
    return run_action(
        request,
        lambda: customer_svc.customer_set_credit_limit(
            customer_id=pk, credit_limit=form.cleaned_data["credit_limit"], user=request.user
        ),
        success=_("Credit limit changed."),
        redirect_to=reverse("crm:customer_detail", args=[pk]),
    )


@module_required(MODULE)
def followup_add(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.FollowUpForm(request.POST)
    back = request.POST.get("next") or reverse("crm:reminders")
    if not form.is_valid():
        messages.error(request, _("Write what was discussed."))
        return redirect(back)
    d = form.cleaned_data
    return run_action(
        request,
        lambda: customer_svc.followup_add(
            user=request.user,
            content=d["content"],
            method=d["method"],
            next_date=d["next_date"],
            customer_id=_int(request.POST.get("customer")),
            lead_id=_int(request.POST.get("lead")),
            opportunity_id=_int(request.POST.get("opportunity")),
        ),
        success=_("Follow-up recorded."),
        redirect_to=back,
    )


@module_required(MODULE)
def followup_done(request, pk):
    return run_action(
        request,
        lambda: customer_svc.followup_done(followup_id=pk, user=request.user),
        success=_("Reminder done."),
        redirect_to=reverse("crm:reminders"),
    )


@module_required(MODULE)
def reminders(request):
    today = timezone.localdate()
    return _page(
        request,
        "crm/reminders.html",
        _("My reminders"),
        {"reminders": selectors.reminders_for(request.user, today=today), "today": today},
    )


# --------------------------------------------------------------------------- leads and opportunities
class LeadList(SalesListPage):
    module = MODULE
    title = gettext_lazy("Leads")
    table_class = tables.LeadTable
    filterset_class = filters.LeadFilter
    create_url_name = "crm:lead_create"

    def get_queryset(self):
        return Lead.objects.select_related("owner").order_by("-created_at")


class LeadCreate(CreatePage):
    module = MODULE
    title = gettext_lazy("New lead")
    model = Lead
    form_class = forms.LeadForm

    def form_valid(self, form):
        form.instance.owner = self.request.user
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("crm:lead_detail", args=[self.object.pk])


@module_required(MODULE)
def lead_detail(request, pk):
    lead = get_object_or_404(Lead.objects.select_related("owner", "customer"), pk=pk)
    return _page(
        request,
        "crm/lead_detail.html",
        lead.company,
        {
            "lead": lead,
            "convert_form": forms.ConvertForm(initial={"opportunity_name": lead.company}),
            "opportunities": lead.opportunities.all(),
            "followups": lead.followups.select_related("user"),
            "followup_form": forms.FollowUpForm(),
        },
        [(_("Leads"), reverse("crm:lead_list"))],
    )


@module_required(MODULE)
def lead_convert(request, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.ConvertForm(request.POST)
    form.is_valid()
    d = form.cleaned_data
    try:
        opp = customer_svc.lead_convert(
            lead_id=pk,
            user=request.user,
            opportunity_name=d.get("opportunity_name") or "",
            amount=d.get("amount"),
            close_date=d.get("close_date"),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("crm:lead_detail", pk=pk)
    messages.success(request, _("Lead converted: customer %(c)s, opportunity %(o)s.") % {"c": opp.customer, "o": opp})
    return redirect("crm:opportunity_detail", pk=opp.pk)


class OpportunityList(SalesListPage):
    module = MODULE
    title = gettext_lazy("Opportunities")
    table_class = tables.OpportunityTable
    filterset_class = filters.OpportunityFilter
    create_url_name = "crm:opportunity_create"

    def get_queryset(self):
        return Opportunity.objects.select_related("customer", "owner").order_by("-created_at")


class OpportunityCreate(CreatePage):
    module = MODULE
    title = gettext_lazy("New opportunity")
    model = Opportunity
    form_class = forms.OpportunityForm

    def form_valid(self, form):
        form.instance.owner = self.request.user
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("crm:opportunity_detail", args=[self.object.pk])


@module_required(MODULE)
def opportunity_detail(request, pk):
    opp = get_object_or_404(Opportunity.objects.select_related("customer", "owner", "lead"), pk=pk)
    return _page(
        request,
        "crm/opportunity_detail.html",
        opp.name,
        {
            "opp": opp,
            "stages": Stage.choices,
            "changes": opp.stage_changes.select_related("user"),
            "followups": opp.followups.select_related("user"),
            "followup_form": forms.FollowUpForm(),
            "orders": opp.orders.all(),
        },
        [(_("Opportunities"), reverse("crm:opportunity_list"))],
    )


@module_required(MODULE)
def opportunity_move(request, pk):
    """POST stage (and lost_reason; htmx sends it as HX-Prompt). htmx gets the board back."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    stage = request.POST.get("stage", "")
    reason = request.POST.get("lost_reason") or request.headers.get("HX-Prompt", "")
    error = None
    try:
        customer_svc.opportunity_move(opportunity_id=pk, stage=stage, user=request.user, lost_reason=reason)
    except DomainError as exc:
        error = str(exc)
    if request.headers.get("HX-Request"):
        return render(request, "crm/_board.html", {"columns": selectors.board(), "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Stage changed."))
    return redirect(request.POST.get("next") or reverse("crm:opportunity_detail", args=[pk]))


@module_required(MODULE)
def board(request):
    mine = request.GET.get("mine") == "1"
    return _page(
        request,
        "crm/board.html",
        _("Opportunity board"),
        {"columns": selectors.board(owner_id=request.user.pk if mine else None), "mine": mine},
    )


@module_required(MODULE)
def funnel(request):
    today = timezone.localdate()
    period = request.GET.get("period", "year")
    date_from = {
        "month": today.replace(day=1),
        "quarter": today - datetime.timedelta(days=90),
        "year": today.replace(month=1, day=1),
        "all": None,
    }.get(period)
    owner_id = request.GET.get("owner") or None
    report = selectors.funnel_report(date_from=date_from, owner_id=owner_id)
    chart = [
        {
            "label": r["label"],
            "value": r["reached"],
            "display": f"{r['reached']}" + (f" · {r['conversion']}%" if r["conversion"] is not None else ""),
        }
        for r in report["rows"]
    ]
    return _page(
        request,
        "crm/funnel.html",
        _("Sales funnel"),
        {
            "report": report,
            "chart": chart,
            "period": period,
            "owner_id": owner_id,
            "periods": [
                ("month", _("This month")),
                ("quarter", _("Last 90 days")),
                ("year", _("This year")),
                ("all", _("All")),
            ],
            "owners": get_user_model().objects.filter(is_active=True).order_by("username"),
        },
    )


# --------------------------------------------------------------------------- quotations and orders
def _lines_from(formset):
    out = []
    for f in formset.forms:
        d = getattr(f, "cleaned_data", None) or {}
        if d.get("item") and d.get("qty"):
            out.append(
                order_svc.LineInput(
                    d["item"].pk, d["qty"], d["unit_price"], d["due_date"], d["tax_rate"], d["discount_rate"]
                )
            )
    return out


def _document_form(request, *, title, create):
    today = timezone.localdate()
    header = forms.OrderHeaderForm(
        request.POST or None, initial={"order_date": today, "customer": request.GET.get("customer")}
    )
    formset = forms.LineFormSet(
        request.POST or None, prefix="lines", initial=[{"due_date": today + datetime.timedelta(days=14)}]
    )
    if request.method == "POST" and header.is_valid() and formset.is_valid():
        try:
            doc = create(header.cleaned_data, _lines_from(formset))
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            return doc
    return _page(request, "crm/order_form.html", title, {"form": header, "formset": formset})


@module_required(MODULE)
def order_create(request):
    opportunity_id = request.GET.get("opportunity") or None

    def create(h, lines):
        return order_svc.order_create(
            customer_id=h["customer"].pk,
            lines=lines,
            user=request.user,
            order_date=h["order_date"],
            customer_po=h["customer_po"],
            opportunity_id=opportunity_id,
        )

    result = _document_form(request, title=_("New sales order"), create=create)
    if isinstance(result, SalesOrder):
        messages.success(request, _("Sales order %(no)s saved as draft.") % {"no": result.number})
        return redirect("crm:order_detail", pk=result.pk)
    return result


@module_required(MODULE)
def quotation_create(request):
    def create(h, lines):
        return order_svc.quotation_create(
            customer_id=h["customer"].pk,
            lines=lines,
            user=request.user,
            quote_date=h["order_date"],
            opportunity_id=request.GET.get("opportunity") or None,
        )

    result = _document_form(request, title=_("New quotation"), create=create)
    if isinstance(result, Quotation):
        return redirect("crm:quotation_detail", pk=result.pk)
    return result


class QuotationList(SalesListPage):
    model = Quotation
    filterset_fields = ["status"]
    module = MODULE
    title = gettext_lazy("Quotations")
    table_class = tables.QuotationTable
    create_url_name = "crm:quotation_create"

    def get_queryset(self):
        return Quotation.objects.select_related("customer").order_by("-quote_date", "-number")


@module_required(MODULE)
def quotation_detail(request, pk):
    q = get_object_or_404(Quotation.objects.select_related("customer"), pk=pk)
    return _page(
        request,
        "crm/quotation_detail.html",
        q.number,
        {"q": q, "lines": q.lines.select_related("item"), "orders": q.orders.all()},
        [(_("Quotations"), reverse("crm:quotation_list"))],
    )


@module_required(MODULE)
def quotation_action(request, pk, action):
    if action == "confirm":
        return run_action(
            request,
            lambda: order_svc.quotation_confirm(quotation_id=pk, user=request.user),
            success=_("Quotation confirmed."),
            redirect_to=reverse("crm:quotation_detail", args=[pk]),
        )
    if action == "order":
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            order = order_svc.quotation_to_order(quotation_id=pk, user=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("crm:quotation_detail", pk=pk)
        return redirect("crm:order_detail", pk=order.pk)
    raise PermissionDenied


class SalesOrderList(SalesListPage):
    """销售订单执行进度: progress is attached to the rows of the page only (a fixed number of queries)."""

    module = MODULE
    title = gettext_lazy("Sales orders")
    table_class = tables.SalesOrderTable
    filterset_class = filters.SalesOrderFilter
    create_url_name = "crm:order_create"

    def get_queryset(self):
        return selectors.order_list_queryset()

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if self.request.GET.get("_export"):
            selectors.attach_order_progress(list(table.data))
        else:
            selectors.attach_order_progress([row.record for row in table.page.object_list])
        return table


@module_required(MODULE)
def order_detail(request, pk):
    order = selectors.order_detail(pk)
    return _page(
        request,
        "crm/order_detail.html",
        order.number,
        {
            "order": order,
            "deliver_form": forms.DeliverForm(initial={"delivery_date": timezone.localdate()}),
            "plan_form": forms.PaymentPlanForm(),
            "history": history_for(order),
        },
        [(_("Sales orders"), reverse("crm:order_list"))],
    )


@module_required(MODULE)
def order_action(request, pk, action):
    back = reverse("crm:order_detail", args=[pk])
    u = request.user
    if action == "confirm":
        return run_action(
            request,
            lambda: order_svc.order_confirm(order_id=pk, user=u),
            success=_("Sales order confirmed; promise dates set."),
            redirect_to=back,
        )
    if action == "close":
        return run_action(
            request,
            lambda: order_svc.order_close(order_id=pk, user=u),
            success=_("Sales order closed."),
            redirect_to=back,
        )
    if action == "cancel":
        return run_action(
            request,
            lambda: order_svc.order_cancel(order_id=pk, user=u),
            success=_("Sales order cancelled."),
            redirect_to=back,
        )
    if action == "deliver":
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        form = forms.DeliverForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose the warehouse and date."))
            return redirect(back)
        try:
            dn = delivery_svc.delivery_create(
                order_id=pk,
                warehouse_id=form.cleaned_data["warehouse"].pk,
                user=u,
                delivery_date=form.cleaned_data["delivery_date"],
            )
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(back)
        return redirect("crm:delivery_detail", pk=dn.pk)
    if action == "plan":
        form = forms.PaymentPlanForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            messages.error(request, _("Enter the due date and amount."))
            return redirect(back)
        return run_action(
            request,
            lambda: receipt_svc.payment_plan_add(order_id=pk, user=u, **form.cleaned_data),
            success=_("Payment plan added."),
            redirect_to=back,
        )
    raise PermissionDenied


class ForecastList(SalesListPage):
    model = Forecast
    filterset_fields = ["item"]
    module = MODULE
    title = gettext_lazy("Sales forecasts")
    table_class = tables.ForecastTable
    create_url_name = "crm:forecast_create"

    def get_queryset(self):
        return Forecast.objects.select_related("item").order_by("date", "item__code")


class ForecastCreate(CreatePage):
    module = MODULE
    title = gettext_lazy("New sales forecast")
    model = Forecast
    form_class = forms.ForecastForm
    success_url = reverse_lazy("crm:forecast_list")


# --------------------------------------------------------------------------- deliveries, returns
class DeliveryList(SalesListPage):
    model = Delivery
    filterset_fields = ["status"]
    module = MODULE
    title = gettext_lazy("Deliveries")
    table_class = tables.DeliveryTable

    def get_queryset(self):
        return Delivery.objects.select_related("customer", "order", "warehouse").order_by("-delivery_date", "-number")


@module_required(MODULE)
def delivery_detail(request, pk):
    dn = get_object_or_404(Delivery.objects.select_related("customer", "order", "warehouse"), pk=pk)
    return _page(
        request,
        "crm/delivery_detail.html",
        dn.number,
        {
            "dn": dn,
            "lines": dn.lines.select_related("item", "order_line"),
            "returns": dn.returns.all(),
            "invoices": SalesInvoice.objects.filter(lines__delivery_line__delivery=dn).distinct(),
        },
        [(_("Deliveries"), reverse("crm:delivery_list"))],
    )


@module_required(MODULE)
def delivery_action(request, pk, action):
    back = reverse("crm:delivery_detail", args=[pk])
    u = request.user
    if action == "confirm":
        return run_action(
            request,
            lambda: delivery_svc.delivery_confirm(delivery_id=pk, user=u),
            success=_("Delivery posted."),
            redirect_to=back,
        )
    if action == "cancel":
        return run_action(
            request,
            lambda: delivery_svc.delivery_cancel(delivery_id=pk, user=u),
            success=_("Delivery cancelled."),
            redirect_to=back,
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        if action == "invoice":
            inv = invoice_svc.invoice_create_from_deliveries(
                delivery_ids=[pk], user=u, prices_include_tax=request.POST.get("inclusive") == "1"
            )
            return redirect("crm:invoice_detail", pk=inv.pk)
        if action == "return":
            dn = Delivery.objects.get(pk=pk)
            qtys = _qty_map(request, [dl.pk for dl in dn.lines.all()])
            sr = delivery_svc.return_create(
                delivery_id=pk, quantities=qtys, user=u, reason=request.POST.get("reason", "")
            )
            return redirect("crm:return_detail", pk=sr.pk)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    raise PermissionDenied


class ReturnList(SalesListPage):
    model = SalesReturn
    filterset_fields = ["status"]
    module = MODULE
    title = gettext_lazy("Sales returns")
    table_class = tables.ReturnTable

    def get_queryset(self):
        return SalesReturn.objects.select_related("customer", "delivery").order_by("-return_date", "-number")


@module_required(MODULE)
def return_detail(request, pk):
    sr = get_object_or_404(SalesReturn.objects.select_related("customer", "delivery", "warehouse"), pk=pk)
    return _page(
        request,
        "crm/return_detail.html",
        sr.number,
        {"sr": sr, "lines": sr.lines.select_related("item")},
        [(_("Sales returns"), reverse("crm:return_list"))],
    )


@module_required(MODULE)
def return_confirm(request, pk):
    return run_action(
        request,
        lambda: delivery_svc.return_confirm(return_id=pk, user=request.user),
        success=_("Sales return posted."),
        redirect_to=reverse("crm:return_detail", args=[pk]),
    )


# --------------------------------------------------------------------------- invoices, receipts, AR
class InvoiceList(SalesListPage):
    module = MODULE
    title = gettext_lazy("Sales invoices")
    table_class = tables.InvoiceTable
    filterset_class = filters.InvoiceFilter

    def get_queryset(self):
        return SalesInvoice.objects.select_related("customer").order_by("-invoice_date", "-number")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_actions"] = [(reverse("crm:invoice_export_xlsx"), _("Export for the tax platform (xlsx)"))]
        return ctx


@module_required(MODULE)
def invoice_detail(request, pk):
    inv = get_object_or_404(SalesInvoice.objects.select_related("customer", "original"), pk=pk)
    return _page(
        request,
        "crm/invoice_detail.html",
        inv.number,
        {
            "inv": inv,
            "lines": inv.lines.select_related("item"),
            "reds": inv.red_invoices.all(),
            "red_form": forms.RedForm(),
            "number_form": forms.TaxNumberForm(initial={"issued_on": timezone.localdate()}),
            "history": history_for(inv),
        },
        [(_("Sales invoices"), reverse("crm:invoice_list"))],
    )


@module_required(MODULE)
def invoice_action(request, pk, action):
    back = reverse("crm:invoice_detail", args=[pk])
    u = request.user
    if action == "confirm":
        return run_action(
            request,
            lambda: invoice_svc.invoice_confirm(invoice_id=pk, user=u),
            success=_("Invoice confirmed."),
            redirect_to=back,
        )
    if action == "cancel":
        return run_action(
            request,
            lambda: invoice_svc.invoice_cancel(invoice_id=pk, user=u),
            success=_("Invoice cancelled."),
            redirect_to=back,
        )
    if action == "number":
        form = forms.TaxNumberForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            messages.error(request, _("The digital invoice number must have 20 digits."))
            return redirect(back)
        return run_action(
            request,
            lambda: invoice_svc.invoice_record_tax_number(invoice_id=pk, user=u, **form.cleaned_data),
            success=_("Digital invoice number recorded."),
            redirect_to=back,
        )
    if action == "red":
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        inv = get_object_or_404(SalesInvoice, pk=pk)
        try:
            qtys = _qty_map(request, [ln.pk for ln in inv.lines.all()])
            red = invoice_svc.invoice_red_create(
                blue_id=pk, reason=request.POST.get("reason", ""), quantities=qtys, user=u
            )
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(back)
        return redirect("crm:invoice_detail", pk=red.pk)
    raise PermissionDenied


@module_required(MODULE)
def invoice_export_json(request, pk):
    inv = get_object_or_404(SalesInvoice.objects.select_related("customer"), pk=pk)
    try:
        body = invoice_svc.invoice_payload(inv)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("crm:invoice_detail", pk=pk)
    resp = HttpResponse(json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{inv.number}.json"'
    return resp


@module_required(MODULE)
def invoice_export_xlsx(request):
    """Confirmed invoices without a digital invoice number yet (or ?ids=1,2)."""
    qs = SalesInvoice.objects.filter(status=PostStatus.CONFIRMED).select_related("customer", "original")
    ids = [int(x) for x in request.GET.get("ids", "").split(",") if x.strip().isdigit()]
    qs = qs.filter(pk__in=ids) if ids else qs.filter(tax_invoice_number="")
    data = invoice_svc.invoices_xlsx(list(qs.order_by("number")))
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="invoices-{timezone.localdate():%Y%m%d}.xlsx"'
    return resp


class ReceiptList(SalesListPage):
    model = Receipt
    filterset_fields = ["status"]
    module = MODULE
    title = gettext_lazy("Customer receipts")
    table_class = tables.ReceiptTable
    create_url_name = "crm:receipt_create"

    def get_queryset(self):
        return Receipt.objects.select_related("customer").order_by("-receipt_date", "-number")


@module_required(MODULE)
def receipt_create(request):
    form = forms.ReceiptForm(
        request.POST or None, initial={"receipt_date": timezone.localdate(), "customer": request.GET.get("customer")}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        allocations = {}
        if d["match_open_invoices"]:
            left = d["amount"]
            for inv in SalesInvoice.objects.filter(
                customer=d["customer"], status=PostStatus.CONFIRMED, kind="blue", total__gt=F("paid_amount")
            ).order_by("due_date", "pk"):
                take = min(left, inv.total - inv.paid_amount)
                if take > 0:
                    allocations[inv.pk] = take
                    left -= take
        try:
            rc = receipt_svc.receipt_create(
                customer_id=d["customer"].pk,
                amount=d["amount"],
                user=request.user,
                receipt_date=d["receipt_date"],
                method=d["method"],
                allocations=allocations,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("crm:receipt_detail", pk=rc.pk)
    return _page(request, "erp/form.html", _("New receipt"), {"form": form})


@module_required(MODULE)
def receipt_detail(request, pk):
    rc = get_object_or_404(Receipt.objects.select_related("customer"), pk=pk)
    return _page(
        request,
        "crm/receipt_detail.html",
        rc.number,
        {"rc": rc, "allocations": rc.allocations.select_related("invoice")},
        [(_("Customer receipts"), reverse("crm:receipt_list"))],
    )


@module_required(MODULE)
def receipt_confirm(request, pk):
    return run_action(
        request,
        lambda: receipt_svc.receipt_confirm(receipt_id=pk, user=request.user),
        success=_("Receipt confirmed and matched."),
        redirect_to=reverse("crm:receipt_detail", args=[pk]),
    )


@module_required(MODULE)
def ageing(request):
    report = selectors.ar_ageing()
    chart = [{"label": label, "value": value, "display": f"{value:,.2f}"} for label, value in report["chart"]]
    return _page(request, "crm/ageing.html", _("AR ageing"), {"report": report, "chart": chart})


# --------------------------------------------------------------------------- service
class TicketList(SalesListPage):
    module = MODULE
    title = gettext_lazy("Service tickets")
    table_class = tables.TicketTable
    filterset_class = filters.TicketFilter
    create_url_name = "crm:ticket_create"

    def get_queryset(self):
        return ServiceTicket.objects.select_related("customer", "order", "assigned_to").order_by("-created_at")


class OverdueTicketList(TicketList):
    title = gettext_lazy("Overdue service tickets")

    def get_queryset(self):
        return selectors.overdue_tickets()


@module_required(MODULE)
def ticket_create(request):
    form = forms.TicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            t = ticket_svc.ticket_create(
                customer_id=d["customer"].pk,
                order_id=d["order"].pk if d["order"] else None,
                subject=d["subject"],
                description=d["description"],
                priority=d["priority"],
                due_at=d["due_at"],
                user=request.user,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("crm:ticket_detail", pk=t.pk)
    return _page(request, "erp/form.html", _("New service ticket"), {"form": form})


@module_required(MODULE)
def ticket_detail(request, pk):
    t = get_object_or_404(ServiceTicket.objects.select_related("customer", "order", "assigned_to"), pk=pk)
    return _page(
        request,
        "crm/ticket_detail.html",
        t.number,
        {
            "t": t,
            "statuses": TicketStatus.choices,
            "overdue": t.due_at < timezone.now() and t.status in ("open", "in_progress"),
        },
        [(_("Service tickets"), reverse("crm:ticket_list"))],
    )


@module_required(MODULE)
def ticket_status(request, pk):
    return run_action(
        request,
        lambda: ticket_svc.ticket_set_status(ticket_id=pk, status=request.POST.get("status", ""), user=request.user),
        success=_("Status changed."),
        redirect_to=reverse("crm:ticket_detail", args=[pk]),
    )
