"""Sales / CRM pages (thin: parse, check access, call one service or selector, render or redirect).

Access (issue #10): every view declares its module and, if it changes anything, its action
permission (`erp.permissions.module_required`); form pages require it for GET as well. Records
are reached through `crm.access` (owner, team manager, administrator; 404 for anyone else) and
lines only through their own document. Every number, date and id typed by the user goes through
`erp.input`; a refused input is a message, nothing is written.
"""

import datetime
import json
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as InputError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.audit import history_for
from erp.errors import DomainError
from erp.input import errors_text, parse_int, parse_quantity
from erp.permissions import has_module, module_required
from erp.views import CreatePage, ListPage, UpdatePage, run_action

from . import access, filters, forms, selectors, tables
from . import atp as crm_atp
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
from .states import Stage, TicketStatus

MODULE = "sales"
SALES = gettext_lazy("Sales / CRM")
POST = ("POST",)


def _safe_next(request, default: str) -> str:
    """`next` only to a path of this site (never another host or scheme)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _qty_map(request, lines) -> dict:
    """{line id: Decimal} from the fields qty_<id> of the document's own lines (blank: skipped).
    A bad number raises django's ValidationError naming the line."""
    out = {}
    for ln in lines:
        raw = (request.POST.get(f"qty_{ln.pk}") or "").strip()
        if not raw:
            continue
        label = _("Line %(n)s quantity") % {"n": ln.line_no}
        value = parse_quantity(raw, label=label, min_value=Decimal(0))
        if value:
            out[ln.pk] = value
    return out


def _post_id(request, name: str, label: str) -> int | None:
    """An optional id from POST; a bad one raises django's ValidationError naming `label`."""
    return parse_int(request.POST.get(name), label=label, min_value=1, required=False)


def _get_id(request, name: str, label: str) -> int | None:
    """An optional id from the query string; a bad one is ignored with a warning."""
    try:
        return parse_int(request.GET.get(name), label=label, min_value=1, required=False)
    except InputError as exc:
        messages.warning(request, errors_text(exc))
        return None


def _refused(request, exc, back: str):
    messages.error(request, errors_text(exc) if isinstance(exc, InputError) else str(exc))
    return redirect(back)


def _form_errors(form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _page(request, template, title, ctx=None, crumbs=()):
    ctx = dict(ctx or {})
    ctx["title"] = title
    ctx["breadcrumbs"] = [(SALES, None), *crumbs, (title, None)]
    return render(request, template, ctx)


class SalesListPage(ListPage):
    """List pages of the sales module: only the records the user may see (crm.access)."""

    template_name = "erp/list.html"
    module = MODULE

    def get_queryset(self):
        return self.base_queryset().for_owner(self.request.user)

    def base_queryset(self):
        return super().get_queryset()


# --------------------------------------------------------------------------- customers
class CustomerList(SalesListPage):
    title = gettext_lazy("Customers")
    table_class = tables.CustomerTable
    filterset_class = filters.CustomerFilter
    create_url_name = "crm:customer_create"

    def base_queryset(self):
        return Customer.objects.select_related("owner").order_by("code")


class PoolList(SalesListPage):
    title = gettext_lazy("Shared pool")
    empty_text = gettext_lazy(
        "No customers in the shared pool: customers an owner releases, or left without follow-up, come here to be claimed."
    )
    table_class = tables.PoolTable
    filterset_class = filters.CustomerFilter

    def base_queryset(self):
        return Customer.objects.filter(owner__isnull=True, is_active=True).order_by("code")


class CustomerCreate(CreatePage):
    module = MODULE
    permission_required = "crm.add_customer"
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
    """Owner, the owner's team manager, administrators; a pool customer is claimed first."""

    module = MODULE
    permission_required = "crm.change_customer"
    title = gettext_lazy("Edit customer")
    model = Customer
    form_class = forms.CustomerForm

    def get_object(self, queryset=None):
        customer = access.get_visible(Customer, self.request.user, pk=self.kwargs["pk"])
        if not access.may_manage(self.request.user, customer):
            raise PermissionDenied
        return customer

    def get_success_url(self):
        return reverse("crm:customer_detail", args=[self.object.pk])


def _assignable_users(user):
    ids = access.scope_user_ids(user)
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    if ids is not None:
        users = users.filter(pk__in=sorted(ids))
    return [u for u in users if has_module(u, MODULE)]


@module_required(MODULE)
def customer_detail(request, pk):
    customer = access.get_visible(Customer.objects.select_related("owner"), request.user, pk=pk)
    can_manage = access.may_manage(request.user, customer)
    ids = access.scope_user_ids(request.user)
    can_assign = ids is None or (len(ids) > 1 and (customer.owner_id is None or customer.owner_id in ids))
    ctx = {
        "customer": customer,
        "contacts": customer.contacts.all(),
        "followups": customer.followups.select_related("user")[:50],
        "opportunities": access.scope(customer.opportunities.select_related("owner"), request.user)[:50],
        "orders": access.scope(customer.orders.order_by("-order_date"), request.user)[:50],
        "exposure": order_svc.credit_exposure(customer.pk),
        "followup_form": forms.FollowUpForm(),
        "credit_form": forms.CreditLimitForm(initial={"credit_limit": customer.credit_limit}),
        "can_credit": request.user.has_perm("crm.change_credit_limit"),
        "can_manage": can_manage,
        "can_assign": can_assign,
        "users": _assignable_users(request.user) if can_assign else [],
        "history": history_for(customer),
    }
    return _page(
        request, "crm/customer_detail.html", str(customer), ctx, [(_("Customers"), reverse("crm:customer_list"))]
    )


@module_required(MODULE, action="crm.change_customer", methods=POST)
def customer_claim(request, pk):
    access.get_visible(Customer, request.user, pk=pk)
    return run_action(
        request,
        lambda: customer_svc.customer_claim(customer_id=pk, user=request.user),
        success=_("The customer is yours now."),
        redirect_to=_safe_next(request, reverse("crm:customer_detail", args=[pk])),
    )


@module_required(MODULE, action="crm.change_customer", methods=POST)
def customer_release(request, pk):
    access.get_visible(Customer, request.user, pk=pk)
    back = reverse("crm:customer_detail", args=[pk])
    return run_action(
        request,
        lambda: customer_svc.customer_release(customer_id=pk, user=request.user),
        success=_("The customer is back in the shared pool."),
        redirect_to=back,
    )


@module_required(MODULE, action="crm.change_customer", methods=POST)
def customer_assign(request, pk):
    access.get_visible(Customer, request.user, pk=pk)
    back = reverse("crm:customer_detail", args=[pk])
    try:
        owner_id = _post_id(request, "owner", _("owner"))
    except InputError as exc:
        return _refused(request, exc, back)
    owner = None
    if owner_id is not None:
        owner = get_user_model().objects.filter(pk=owner_id).first()
        if owner is None:
            messages.error(request, _("owner: no such user."))
            return redirect(back)
    return run_action(
        request,
        lambda: customer_svc.customer_assign(customer_id=pk, owner=owner, user=request.user),
        success=_("Owner changed."),
        redirect_to=back,
    )


@module_required(MODULE, "crm.change_credit_limit", action="crm.change_credit_limit", methods=POST)
def customer_credit_limit(request, pk):
    access.get_visible(Customer, request.user, pk=pk)
    back = reverse("crm:customer_detail", args=[pk])
    form = forms.CreditLimitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    return run_action(
        request,
        lambda: customer_svc.customer_set_credit_limit(
            customer_id=pk, credit_limit=form.cleaned_data["credit_limit"], user=request.user
        ),
        success=_("Credit limit changed."),
        redirect_to=back,
    )


def _followup_target(request):
    """The customer / lead / opportunity ids of a follow-up, each one the user may act on."""
    user = request.user
    customer_id = _post_id(request, "customer", _("customer"))
    lead_id = _post_id(request, "lead", _("lead"))
    opportunity_id = _post_id(request, "opportunity", _("opportunity"))
    if customer_id:
        customer = access.get_visible(Customer, user, pk=customer_id)
        if not access.may_manage(user, customer):
            raise InputError(
                _("Claim %(customer)s from the shared pool before following it up.") % {"customer": customer}
            )
    if lead_id:
        access.get_visible(Lead, user, pk=lead_id)
    if opportunity_id:
        opp = access.get_visible(Opportunity, user, pk=opportunity_id)
        if customer_id and opp.customer_id != customer_id:
            raise InputError(_("The opportunity belongs to another customer."))
    return customer_id, lead_id, opportunity_id


@module_required(MODULE, action="crm.add_followup", methods=POST)
def followup_add(request):
    back = _safe_next(request, reverse("crm:reminders"))
    form = forms.FollowUpForm(request.POST)
    try:
        customer_id, lead_id, opportunity_id = _followup_target(request)
    except InputError as exc:
        return _refused(request, exc, back)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    d = form.cleaned_data
    return run_action(
        request,
        lambda: customer_svc.followup_add(
            user=request.user,
            content=d["content"],
            method=d["method"],
            next_date=d["next_date"],
            customer_id=customer_id,
            lead_id=lead_id,
            opportunity_id=opportunity_id,
        ),
        success=_("Follow-up recorded."),
        redirect_to=back,
    )


@module_required(MODULE, action="crm.change_followup", methods=POST)
def followup_done(request, pk):
    from .models import FollowUp

    access.get_visible(FollowUp, request.user, pk=pk)
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
    title = gettext_lazy("Leads")
    table_class = tables.LeadTable
    filterset_class = filters.LeadFilter
    create_url_name = "crm:lead_create"

    def base_queryset(self):
        return Lead.objects.select_related("owner").order_by("-created_at")


class LeadCreate(CreatePage):
    module = MODULE
    permission_required = "crm.add_lead"
    title = gettext_lazy("New lead")
    model = Lead
    form_class = forms.LeadForm

    def form_valid(self, form):
        form.instance.owner = self.request.user
        return super().form_valid(form)

    def get_success_url(self):
        from .services.dedup import lead_matches

        if lead_matches(self.object):  # issue 19: offer merge / keep both / link to the customer
            messages.warning(self.request, _("This lead may be a duplicate: merge it, link it or keep both."))
            return reverse("crm:lead_dedup", args=[self.object.pk])
        return reverse("crm:lead_detail", args=[self.object.pk])


@module_required(MODULE)
def lead_detail(request, pk):
    lead = access.get_visible(Lead.objects.select_related("owner", "customer"), request.user, pk=pk)
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


@module_required(MODULE, action=("crm.change_lead", "crm.add_opportunity"), methods=POST)
def lead_convert(request, pk):
    access.get_visible(Lead, request.user, pk=pk)
    back = reverse("crm:lead_detail", args=[pk])
    form = forms.ConvertForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
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
        return _refused(request, exc, back)
    messages.success(request, _("Lead converted: customer %(c)s, opportunity %(o)s.") % {"c": opp.customer, "o": opp})
    return redirect("crm:opportunity_detail", pk=opp.pk)


class OpportunityList(SalesListPage):
    title = gettext_lazy("Opportunities")
    table_class = tables.OpportunityTable
    filterset_class = filters.OpportunityFilter
    create_url_name = "crm:opportunity_create"

    def base_queryset(self):
        return Opportunity.objects.select_related("customer", "owner").order_by("-created_at")


class OpportunityCreate(CreatePage):
    module = MODULE
    permission_required = "crm.add_opportunity"
    title = gettext_lazy("New opportunity")
    model = Opportunity
    form_class = forms.OpportunityForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["customers"] = access.customers_for(self.request.user)
        return kwargs

    def form_valid(self, form):
        form.instance.owner = self.request.user
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("crm:opportunity_detail", args=[self.object.pk])


@module_required(MODULE)
def opportunity_detail(request, pk):
    opp = access.get_visible(Opportunity.objects.select_related("customer", "owner", "lead"), request.user, pk=pk)
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
            "orders": access.scope(opp.orders.all(), request.user),
            # demand link (issue 19): products, their quotation, forecast entries made from them
            "products": opp.lines.select_related("item"),
            "line_form": forms.OpportunityLineForm(),
            "quotations": access.scope(opp.quotations.all(), request.user),
            "opp_forecasts": opp.forecasts.select_related("item").order_by("date", "item__code"),
        },
        [(_("Opportunities"), reverse("crm:opportunity_list"))],
    )


@module_required(MODULE, action="crm.change_opportunity", methods=POST)
def opportunity_move(request, pk):
    """POST stage (and lost_reason; htmx sends it as HX-Prompt). htmx gets the board back; the
    service is idempotent (moving to the current stage changes nothing)."""
    access.get_visible(Opportunity, request.user, pk=pk)
    stage = request.POST.get("stage", "")
    reason = request.POST.get("lost_reason") or request.headers.get("HX-Prompt", "")
    error = None
    try:
        customer_svc.opportunity_move(opportunity_id=pk, stage=stage, user=request.user, lost_reason=reason)
    except DomainError as exc:
        error = str(exc)
    if request.headers.get("HX-Request"):
        return render(request, "crm/_board.html", {"columns": selectors.board(user=request.user), "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Stage changed."))
    return redirect(_safe_next(request, reverse("crm:opportunity_detail", args=[pk])))


@module_required(MODULE)
def board(request):
    mine = request.GET.get("mine") == "1"
    return _page(
        request,
        "crm/board.html",
        _("Opportunity board"),
        {"columns": selectors.board(owner_id=request.user.pk if mine else None, user=request.user), "mine": mine},
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
    owner_id = _get_id(request, "owner", _("owner"))
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
            "owner_id": str(owner_id) if owner_id else None,
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
class QuotationList(SalesListPage):
    model = Quotation
    filterset_fields = ["status"]
    title = gettext_lazy("Quotations")
    empty_text = gettext_lazy("No quotations yet: quote a customer here, or from an opportunity in the pipeline.")
    empty_actions = [("crm:board", gettext_lazy("Pipeline"))]
    table_class = tables.QuotationTable
    create_url_name = "crm:quotation_create"

    def base_queryset(self):
        return Quotation.objects.select_related("customer").order_by("-quote_date", "-number")


@module_required(MODULE)
def quotation_detail(request, pk):
    q = access.get_visible(Quotation.objects.select_related("customer"), request.user, pk=pk)
    return _page(
        request,
        "crm/quotation_detail.html",
        q.number,
        {
            "q": q,
            # capable to promise per line (MRP's provider, crm.atp): open quotations only
            "lines": crm_atp.attach_ctp(q.lines.select_related("item"))
            if q.status in ("draft", "confirmed")
            else q.lines.select_related("item"),
            "orders": q.orders.all(),
        },
        [(_("Quotations"), reverse("crm:quotation_list"))],
    )


@module_required(MODULE, action="crm.change_quotation", methods=POST)
def quotation_confirm(request, pk):
    access.get_visible(Quotation, request.user, pk=pk)
    return run_action(
        request,
        lambda: order_svc.quotation_confirm(quotation_id=pk, user=request.user),
        success=_("Quotation confirmed."),
        redirect_to=reverse("crm:quotation_detail", args=[pk]),
    )


@module_required(MODULE, action="crm.add_salesorder", methods=POST)
def quotation_order(request, pk):
    """下推 to a draft order (the service returns the same order when pushed again)."""
    access.get_visible(Quotation, request.user, pk=pk)
    try:
        order = order_svc.quotation_to_order(quotation_id=pk, user=request.user)
    except DomainError as exc:
        return _refused(request, exc, reverse("crm:quotation_detail", args=[pk]))
    return redirect("crm:order_detail", pk=order.pk)


class SalesOrderList(SalesListPage):
    """销售订单执行进度: progress is attached to the rows of the page only (a fixed number of queries)."""

    title = gettext_lazy("Sales orders")
    table_class = tables.SalesOrderTable
    filterset_class = filters.SalesOrderFilter
    create_url_name = "crm:order_create"

    def base_queryset(self):
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
    access.get_visible(SalesOrder, request.user, pk=pk)
    order = selectors.order_detail(pk)
    return _page(
        request,
        "crm/order_detail.html",
        order.number,
        {
            "order": order,
            # capable to promise per line before confirmation (MRP's provider, crm.atp)
            "ctp_lines": crm_atp.attach_ctp(order.lines.all()) if order.status == "draft" else (),
            "risk_line": next((ln for ln in order.lines.all() if ln.at_risk), None),
            "deliver_form": forms.DeliverForm(initial={"delivery_date": timezone.localdate()}),
            "plan_form": forms.PaymentPlanForm(),
            "history": history_for(order),
        },
        [(_("Sales orders"), reverse("crm:order_list"))],
    )


def _order_step(request, pk, fn, success):
    access.get_visible(SalesOrder, request.user, pk=pk)
    return run_action(request, fn, success=success, redirect_to=reverse("crm:order_detail", args=[pk]))


@module_required(MODULE, action="crm.change_salesorder", methods=POST)
def order_repromise(request, pk):
    """Re-promise an at-risk line (new promise date, reason): audited in the order's history."""
    from django.shortcuts import get_object_or_404

    from erp.input import parse_date

    from .services import promises as promise_svc

    order = access.get_visible(SalesOrder, request.user, pk=pk)
    back = reverse("crm:order_detail", args=[pk])
    try:
        line_id = parse_int(request.POST.get("line"), label=_("line"), min_value=1)
        line = get_object_or_404(order.lines.all(), pk=line_id)
        promise = parse_date(request.POST.get("promise_date"), label=_("new promise date"))
    except InputError as exc:
        messages.error(request, errors_text(exc))
        return redirect(back)
    return run_action(
        request,
        lambda: promise_svc.sales_line_repromise(
            order_id=order.pk,
            line_id=line.pk,
            promise_date=promise,
            reason=request.POST.get("reason", "")[:60],
            user=request.user,
        ),
        success=_("Line %(line)s re-promised for %(date)s.") % {"line": line.line_no, "date": promise.isoformat()},
        redirect_to=back,
    )


@module_required(MODULE, action="crm.change_salesorder", methods=POST)
def order_confirm(request, pk):
    return _order_step(
        request,
        pk,
        lambda: order_svc.order_confirm(order_id=pk, user=request.user),
        _("Sales order confirmed; promise dates set."),
    )


@module_required(MODULE, action="crm.change_salesorder", methods=POST)
def order_close(request, pk):
    return _order_step(
        request, pk, lambda: order_svc.order_close(order_id=pk, user=request.user), _("Sales order closed.")
    )


@module_required(MODULE, action="crm.change_salesorder", methods=POST)
def order_line_change(request, pk):
    """变更 of a confirmed order's line (quantity, due date, reason); then the shortage analysis
    of the orders made for the line in one click."""
    from django.shortcuts import get_object_or_404
    from django.utils.html import format_html

    from erp.input import parse_date

    order = access.get_visible(SalesOrder, request.user, pk=pk)
    back = reverse("crm:order_detail", args=[pk])
    try:
        line_id = parse_int(request.POST.get("line"), label=_("line"), min_value=1)
        line = get_object_or_404(order.lines.all(), pk=line_id)
        qty = parse_quantity(request.POST.get("qty"), label=_("new quantity"), positive=True, required=False)
        due = parse_date(request.POST.get("due_date"), label=_("new due date"), required=False)
        order_svc.sales_order_line_change(
            line_id=line.pk, qty=qty, due_date=due, reason=request.POST.get("reason", "")[:80], user=request.user
        )
    except InputError as exc:
        messages.error(request, errors_text(exc))
        return redirect(back)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(
        request,
        format_html(
            '{} <a href="{}" id="shortage-link">{}</a>',
            _("Line %(line)s changed.") % {"line": line.line_no},
            reverse("mrp:shortage") + f"?so_line={line.pk}",
            _("Shortage analysis of its orders"),
        ),
    )
    return redirect(back)


@module_required(MODULE, action="crm.change_salesorder", methods=POST)
def order_cancel(request, pk):
    return _order_step(
        request, pk, lambda: order_svc.order_cancel(order_id=pk, user=request.user), _("Sales order cancelled.")
    )


@module_required(MODULE, action="crm.add_delivery", methods=POST)
def order_deliver(request, pk):
    access.get_visible(SalesOrder, request.user, pk=pk)
    back = reverse("crm:order_detail", args=[pk])
    form = forms.DeliverForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    try:
        dn = delivery_svc.delivery_create(
            order_id=pk,
            warehouse_id=form.cleaned_data["warehouse"].pk,
            user=request.user,
            delivery_date=form.cleaned_data["delivery_date"],
        )
    except DomainError as exc:
        return _refused(request, exc, back)
    return redirect("crm:delivery_detail", pk=dn.pk)


@module_required(MODULE, action="crm.add_paymentplan", methods=POST)
def order_plan(request, pk):
    access.get_visible(SalesOrder, request.user, pk=pk)
    back = reverse("crm:order_detail", args=[pk])
    form = forms.PaymentPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    return run_action(
        request,
        lambda: receipt_svc.payment_plan_add(order_id=pk, user=request.user, **form.cleaned_data),
        success=_("Payment plan added."),
        redirect_to=back,
    )


class ForecastList(SalesListPage):
    model = Forecast
    filterset_class = filters.ForecastFilter
    title = gettext_lazy("Sales forecasts")
    table_class = tables.ForecastTable
    create_url_name = "crm:forecast_create"

    def get_queryset(self):  # forecasts have no owner: the whole sales team plans them
        return Forecast.objects.select_related("item", "opportunity").order_by("date", "item__code")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.request.user.has_perm("crm.add_forecast"):
            ctx["extra_actions"] = [(reverse("crm:forecast_from_pipeline"), _("Forecast from the pipeline"))]
        return ctx


class ForecastCreate(CreatePage):
    module = MODULE
    permission_required = "crm.add_forecast"
    title = gettext_lazy("New sales forecast")
    model = Forecast
    form_class = forms.ForecastForm
    success_url = reverse_lazy("crm:forecast_list")


# --------------------------------------------------------------------------- deliveries, returns
class DeliveryList(SalesListPage):
    model = Delivery
    filterset_fields = ["status"]
    title = gettext_lazy("Deliveries")
    table_class = tables.DeliveryTable

    def base_queryset(self):
        return Delivery.objects.select_related("customer", "order", "warehouse").order_by("-delivery_date", "-number")


@module_required(MODULE)
def delivery_detail(request, pk):
    dn = access.get_visible(Delivery.objects.select_related("customer", "order", "warehouse"), request.user, pk=pk)
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


@module_required(MODULE, action="crm.change_delivery", methods=POST)
def delivery_confirm(request, pk):
    access.get_visible(Delivery, request.user, pk=pk)
    return run_action(
        request,
        lambda: delivery_svc.delivery_confirm(delivery_id=pk, user=request.user),
        success=_("Delivery posted."),
        redirect_to=reverse("crm:delivery_detail", args=[pk]),
    )


@module_required(MODULE, action="crm.change_delivery", methods=POST)
def delivery_cancel(request, pk):
    access.get_visible(Delivery, request.user, pk=pk)
    return run_action(
        request,
        lambda: delivery_svc.delivery_cancel(delivery_id=pk, user=request.user),
        success=_("Delivery cancelled."),
        redirect_to=reverse("crm:delivery_detail", args=[pk]),
    )


@module_required(MODULE, action="crm.add_salesinvoice", methods=POST)
def delivery_invoice(request, pk):
    access.get_visible(Delivery, request.user, pk=pk)
    try:
        inv = invoice_svc.invoice_create_from_deliveries(
            delivery_ids=[pk], user=request.user, prices_include_tax=request.POST.get("inclusive") == "1"
        )
    except DomainError as exc:
        return _refused(request, exc, reverse("crm:delivery_detail", args=[pk]))
    return redirect("crm:invoice_detail", pk=inv.pk)


@module_required(MODULE, action="crm.add_salesreturn", methods=POST)
def delivery_return(request, pk):
    dn = access.get_visible(Delivery, request.user, pk=pk)
    back = reverse("crm:delivery_detail", args=[pk])
    try:
        qtys = _qty_map(request, dn.lines.all())
        sr = delivery_svc.return_create(
            delivery_id=pk, quantities=qtys, user=request.user, reason=request.POST.get("reason", "")
        )
    except (InputError, DomainError) as exc:
        return _refused(request, exc, back)
    return redirect("crm:return_detail", pk=sr.pk)


class ReturnList(SalesListPage):
    model = SalesReturn
    filterset_fields = ["status"]
    title = gettext_lazy("Sales returns")
    empty_text = gettext_lazy("No sales returns: a return is entered on the delivered sales order it comes back from.")
    empty_actions = [("crm:order_list", gettext_lazy("Sales orders"))]
    table_class = tables.ReturnTable

    def base_queryset(self):
        return SalesReturn.objects.select_related("customer", "delivery").order_by("-return_date", "-number")


@module_required(MODULE)
def return_detail(request, pk):
    sr = access.get_visible(
        SalesReturn.objects.select_related("customer", "delivery", "warehouse"), request.user, pk=pk
    )
    return _page(
        request,
        "crm/return_detail.html",
        sr.number,
        {"sr": sr, "lines": sr.lines.select_related("item")},
        [(_("Sales returns"), reverse("crm:return_list"))],
    )


@module_required(MODULE, action="crm.change_salesreturn", methods=POST)
def return_confirm(request, pk):
    access.get_visible(SalesReturn, request.user, pk=pk)
    return run_action(
        request,
        lambda: delivery_svc.return_confirm(return_id=pk, user=request.user),
        success=_("Sales return posted."),
        redirect_to=reverse("crm:return_detail", args=[pk]),
    )


# --------------------------------------------------------------------------- invoices, receipts, AR
class InvoiceList(SalesListPage):
    title = gettext_lazy("Sales invoices")
    table_class = tables.InvoiceTable
    filterset_class = filters.InvoiceFilter

    def base_queryset(self):
        return SalesInvoice.objects.select_related("customer").order_by("-invoice_date", "-number")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_actions"] = [(reverse("crm:invoice_export_xlsx"), _("Export for the tax platform (xlsx)"))]
        return ctx


@module_required(MODULE)
def invoice_detail(request, pk):
    inv = access.get_visible(SalesInvoice.objects.select_related("customer", "original"), request.user, pk=pk)
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


@module_required(MODULE, action="crm.change_salesinvoice", methods=POST)
def invoice_confirm(request, pk):
    access.get_visible(SalesInvoice, request.user, pk=pk)
    return run_action(
        request,
        lambda: invoice_svc.invoice_confirm(invoice_id=pk, user=request.user),
        success=_("Invoice confirmed."),
        redirect_to=reverse("crm:invoice_detail", args=[pk]),
    )


@module_required(MODULE, action="crm.change_salesinvoice", methods=POST)
def invoice_cancel(request, pk):
    access.get_visible(SalesInvoice, request.user, pk=pk)
    return run_action(
        request,
        lambda: invoice_svc.invoice_cancel(invoice_id=pk, user=request.user),
        success=_("Invoice cancelled."),
        redirect_to=reverse("crm:invoice_detail", args=[pk]),
    )


@module_required(MODULE, action="crm.change_salesinvoice", methods=POST)
def invoice_number(request, pk):
    access.get_visible(SalesInvoice, request.user, pk=pk)
    back = reverse("crm:invoice_detail", args=[pk])
    form = forms.TaxNumberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    return run_action(
        request,
        lambda: invoice_svc.invoice_record_tax_number(invoice_id=pk, user=request.user, **form.cleaned_data),
        success=_("Digital invoice number recorded."),
        redirect_to=back,
    )


@module_required(MODULE, action="crm.add_salesinvoice", methods=POST)
def invoice_red(request, pk):
    inv = access.get_visible(SalesInvoice, request.user, pk=pk)
    back = reverse("crm:invoice_detail", args=[pk])
    try:
        qtys = _qty_map(request, inv.lines.all())
        red = invoice_svc.invoice_red_create(
            blue_id=pk, reason=request.POST.get("reason", ""), quantities=qtys, user=request.user
        )
    except (InputError, DomainError) as exc:
        return _refused(request, exc, back)
    return redirect("crm:invoice_detail", pk=red.pk)


@module_required(MODULE)
def invoice_export_json(request, pk):
    inv = access.get_visible(SalesInvoice.objects.select_related("customer"), request.user, pk=pk)
    try:
        body = invoice_svc.invoice_payload(inv)
    except DomainError as exc:
        return _refused(request, exc, reverse("crm:invoice_detail", args=[pk]))
    resp = HttpResponse(json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{inv.number}.json"'
    return resp


@module_required(MODULE)
def invoice_export_xlsx(request):
    """Confirmed invoices without a digital invoice number yet (or ?ids=1,2)."""
    ids = []
    for raw in request.GET.get("ids", "").split(","):
        if not raw.strip():
            continue
        try:
            ids.append(parse_int(raw, label=_("invoice id"), min_value=1))
        except InputError as exc:
            return _refused(request, exc, reverse("crm:invoice_list"))
    qs = SalesInvoice.objects.confirmed().for_owner(request.user).select_related("customer", "original")
    qs = qs.filter(pk__in=ids) if ids else qs.filter(tax_invoice_number="")
    data = invoice_svc.invoices_xlsx(list(qs.order_by("number")))
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="invoices-{timezone.localdate():%Y%m%d}.xlsx"'
    return resp


class ReceiptList(SalesListPage):
    model = Receipt
    filterset_fields = ["status"]
    title = gettext_lazy("Customer receipts")
    table_class = tables.ReceiptTable
    create_url_name = "crm:receipt_create"

    def base_queryset(self):
        return Receipt.objects.select_related("customer").order_by("-receipt_date", "-number")


@module_required(MODULE, "crm.add_receipt", action="crm.add_receipt")
def receipt_create(request):
    initial_customer = _get_id(request, "customer", _("customer")) if request.method == "GET" else None
    form = forms.ReceiptForm(
        request.POST or None, initial={"receipt_date": timezone.localdate(), "customer": initial_customer}
    )
    form.fields["customer"].queryset = access.customers_for(request.user, active_only=False)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rc = receipt_svc.receipt_create(
                customer_id=d["customer"].pk,
                amount=d["amount"],
                user=request.user,
                receipt_date=d["receipt_date"],
                method=d["method"],
                match_open_invoices=d["match_open_invoices"],
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("crm:receipt_detail", pk=rc.pk)
    elif request.method == "POST":
        messages.error(request, _("Correct the fields marked below; nothing was saved."))
    return _page(request, "erp/form.html", _("New receipt"), {"form": form})


@module_required(MODULE)
def receipt_detail(request, pk):
    rc = access.get_visible(Receipt.objects.select_related("customer"), request.user, pk=pk)
    return _page(
        request,
        "crm/receipt_detail.html",
        rc.number,
        {"rc": rc, "allocations": rc.allocations.select_related("invoice")},
        [(_("Customer receipts"), reverse("crm:receipt_list"))],
    )


@module_required(MODULE, action="crm.change_receipt", methods=POST)
def receipt_confirm(request, pk):
    access.get_visible(Receipt, request.user, pk=pk)
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
    title = gettext_lazy("Service tickets")
    empty_text = gettext_lazy("No service tickets: open one when a customer reports a problem.")
    table_class = tables.TicketTable
    filterset_class = filters.TicketFilter
    create_url_name = "crm:ticket_create"

    def base_queryset(self):
        return ServiceTicket.objects.select_related("customer", "order", "assigned_to").order_by("-created_at")


class OverdueTicketList(TicketList):
    title = gettext_lazy("Overdue service tickets")
    empty_text = gettext_lazy("No overdue tickets: every open ticket is within its deadline.")

    def base_queryset(self):
        return selectors.overdue_tickets()


@module_required(MODULE, "crm.add_serviceticket", action="crm.add_serviceticket")
def ticket_create(request):
    form = forms.TicketForm(
        request.POST or None,
        customers=access.customers_for(request.user),
        orders=access.scope(SalesOrder.objects.all(), request.user),
    )
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
    elif request.method == "POST":
        messages.error(request, _("Correct the fields marked below; nothing was saved."))
    return _page(request, "erp/form.html", _("New service ticket"), {"form": form})


@module_required(MODULE)
def ticket_detail(request, pk):
    t = access.get_visible(
        ServiceTicket.objects.select_related("customer", "order", "assigned_to"), request.user, pk=pk
    )
    return _page(
        request,
        "crm/ticket_detail.html",
        t.number,
        {
            "t": t,
            "statuses": TicketStatus.choices,
            "overdue": t.is_overdue,
        },
        [(_("Service tickets"), reverse("crm:ticket_list"))],
    )


@module_required(MODULE, action="crm.change_serviceticket", methods=POST)
def ticket_status(request, pk):
    access.get_visible(ServiceTicket, request.user, pk=pk)
    try:  # closing may carry the customer's satisfaction score (issue 19)
        score = parse_int(
            request.POST.get("satisfaction"), label=_("satisfaction"), min_value=1, max_value=5, required=False
        )
    except InputError as exc:
        return _refused(request, exc, reverse("crm:ticket_detail", args=[pk]))
    return run_action(
        request,
        lambda: ticket_svc.ticket_set_status(
            ticket_id=pk, status=request.POST.get("status", ""), user=request.user, satisfaction=score
        ),
        success=_("Status changed."),
        redirect_to=reverse("crm:ticket_detail", args=[pk]),
    )
