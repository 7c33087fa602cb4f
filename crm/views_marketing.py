"""市场营销 pages (issue 19): campaigns (list, form, page with funnel and ROI, costs, leads typed
or imported), the comparison of campaigns and channels (xlsx), lead de-duplication (report,
merge / keep both / link to the customer) and the service report.

Marketing pages open for the marketing module and for sales; every change declares its action
permission. Leads are reached through `crm.access` (owner, team manager, administrator; unowned
leads are open to all): a lead someone may not see answers 404.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import django_filters
import django_tables2 as tables
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError as InputError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.exports import export_filename, xlsx_sheets_response
from erp.input import errors_text, parse_int
from erp.permissions import module_required
from erp.views import ListPage, UpdatePage, run_action

from . import access, forms, selectors_marketing
from .models import Campaign, Customer, Lead
from .services import dedup
from .services import marketing as svc
from .states import CampaignChannel, CampaignStatus

MODULES = ("marketing", "sales")
MARKETING = gettext_lazy("Marketing")
POST = ("POST",)


def _page(request, template, title, ctx=None, crumbs=()):
    ctx = dict(ctx or {})
    ctx["title"] = title
    ctx["breadcrumbs"] = [(MARKETING, None), *crumbs, (title, None)]
    return render(request, template, ctx)


def _campaign_crumb():
    return (_("Campaigns"), reverse("crm:campaign_list"))


def _fmt(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


# --------------------------------------------------------------------------- campaigns
class CampaignFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=gettext_lazy("Name"))

    class Meta:
        model = Campaign
        fields = ["q", "channel", "status"]


class CampaignTable(tables.Table):
    number = tables.Column(linkify=("crm:campaign_detail", [tables.A("pk")]))
    budget = tables.Column(attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})

    class Meta:
        model = Campaign
        fields = ["number", "name", "channel", "start_date", "end_date", "budget", "owner", "status"]
        attrs = {"class": "table table-sm table-hover"}

    def render_budget(self, value):
        return f"{value:,.2f}"

    def value_budget(self, value):
        return str(value)


class CampaignList(ListPage):
    modules = MODULES
    module = "marketing"
    title = gettext_lazy("Campaigns")
    table_class = CampaignTable
    filterset_class = CampaignFilter
    create_url_name = "crm:campaign_create"
    breadcrumbs = [(MARKETING, None)]

    def get_queryset(self):
        return Campaign.objects.select_related("owner").order_by("-start_date", "-pk")


@module_required(MODULES, "crm.add_campaign", action="crm.add_campaign")
def campaign_create(request):
    form = forms.CampaignForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            c = svc.campaign_create(
                name=d["name"],
                channel=d["channel"],
                start_date=d["start_date"],
                end_date=d["end_date"],
                budget=d["budget"],
                owner=d["owner"],
                segment=d["segment"],
                note=d["note"],
                user=request.user,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Campaign %(c)s created.") % {"c": c})
            return redirect("crm:campaign_detail", pk=c.pk)
    elif request.method == "POST":
        messages.error(request, _("Correct the fields marked below; nothing was saved."))
    return _page(request, "erp/form.html", _("New campaign"), {"form": form}, [_campaign_crumb()])


class CampaignUpdate(UpdatePage):
    modules = MODULES
    module = "marketing"
    model = Campaign
    form_class = forms.CampaignForm
    title = gettext_lazy("Edit campaign")
    breadcrumbs = [(MARKETING, None)]

    def get_success_url(self):
        return reverse("crm:campaign_detail", args=[self.object.pk])


def _model_param(request) -> str:
    return svc.LAST_TOUCH if request.GET.get("model") == svc.LAST_TOUCH else svc.FIRST_TOUCH


@module_required(MODULES)
def campaign_detail(request, pk):
    campaign = get_object_or_404(Campaign.objects.select_related("owner"), pk=pk)
    model = _model_param(request)
    rows = selectors_marketing.campaign_rows(campaigns=Campaign.objects.filter(pk=pk), model=model)
    row = rows[0]
    funnel = [
        {"label": _("Leads"), "value": row.leads},
        {"label": _("Qualified leads"), "value": row.qualified},
        {"label": _("Opportunities"), "value": row.opportunities},
        {"label": _("Won opportunities"), "value": row.won_opportunities},
        {"label": _("Won orders"), "value": row.wins},
    ]
    money = [
        {"label": _("Budget"), "value": row.budget, "display": _fmt(row.budget)},
        {"label": _("Actual cost"), "value": row.cost, "display": _fmt(row.cost), "color": "#dc3545"},
        {"label": _("Revenue"), "value": row.revenue, "display": _fmt(row.revenue), "color": "#198754"},
    ]
    leads = (
        Lead.objects.filter(campaign=campaign, merged_into__isnull=True)
        .for_owner(request.user)
        .select_related("owner", "customer")
        .order_by("-created_at", "-pk")[:100]
    )
    return _page(
        request,
        "crm/marketing/campaign_detail.html",
        str(campaign),
        {
            "c": campaign,
            "row": row,
            "model": model,
            "funnel": funnel,
            "money": money,
            "costs": campaign.costs.select_related("created_by"),
            "cost_form": forms.CampaignCostForm(initial={"date": timezone.localdate()}),
            "import_form": forms.LeadImportForm(),
            "leads": leads,
            "statuses": [
                (v, label) for v, label in CampaignStatus.choices if v != campaign.status and _can_move(campaign, v)
            ],
            "columns": svc.LEAD_COLUMNS,
        },
        [_campaign_crumb()],
    )


def _can_move(campaign, status) -> bool:
    from .states import CAMPAIGN_FLOW

    return CAMPAIGN_FLOW.can(campaign.status, status)


@module_required(MODULES, action="crm.change_campaign", methods=POST)
def campaign_status(request, pk):
    get_object_or_404(Campaign, pk=pk)
    return run_action(
        request,
        lambda: svc.campaign_set_status(campaign_id=pk, status=request.POST.get("status", ""), user=request.user),
        success=_("Status changed."),
        redirect_to=reverse("crm:campaign_detail", args=[pk]),
    )


@module_required(MODULES, action="crm.add_campaigncost", methods=POST)
def campaign_cost_add(request, pk):
    get_object_or_404(Campaign, pk=pk)
    back = reverse("crm:campaign_detail", args=[pk])
    form = forms.CampaignCostForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(back)
    d = form.cleaned_data
    return run_action(
        request,
        lambda: svc.campaign_cost_add(
            campaign_id=pk, date=d["date"], description=d["description"], amount=d["amount"], user=request.user
        ),
        success=_("Cost added."),
        redirect_to=back,
    )


# --------------------------------------------------------------------------- campaign leads
@module_required(MODULES, "crm.add_lead", action="crm.add_lead")
def campaign_lead_create(request, pk):
    """A lead of the campaign. Possible duplicates are shown before anything is written: the user
    merges the new lead into an existing one, links it to the existing customer, or keeps both
    with a reason (crm.services.dedup)."""
    campaign = get_object_or_404(Campaign, pk=pk)
    form = forms.CampaignLeadForm(request.POST or None)
    matches: list = []
    decision = request.POST.get("decision", "")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        matches = _visible_matches(request.user, dedup.find_matches(**{k: d[k] for k in dedup.KEYS if k in d}))
        if matches and not decision:
            messages.warning(request, _("Possible duplicates found: choose what to do, nothing was saved yet."))
        else:
            try:
                _create_with_decision(request, campaign, d, decision, matches)
            except (DomainError, InputError) as exc:
                messages.error(request, errors_text(exc) if isinstance(exc, InputError) else str(exc))
            else:
                return redirect("crm:campaign_detail", pk=campaign.pk)
    elif request.method == "POST":
        messages.error(request, _("Correct the fields marked below; nothing was saved."))
    return _page(
        request,
        "crm/marketing/lead_form.html",
        _("New lead of %(c)s") % {"c": campaign.name},
        {"form": form, "c": campaign, "matches": matches, "reason": request.POST.get("reason", "")},
        [_campaign_crumb(), (str(campaign), reverse("crm:campaign_detail", args=[pk]))],
    )


def _create_with_decision(request, campaign, d, decision, matches):
    """decision: "" (no match), "keep", "merge:<lead id>" or "link:<customer id>"."""
    from django.db import transaction

    with transaction.atomic():
        lead = svc.campaign_lead_create(
            campaign_id=campaign.pk,
            company=d["company"],
            contact_name=d["contact_name"],
            phone=d["phone"],
            email=d["email"],
            tax_id=d["tax_id"],
            industry=d["industry"],
            note=d["note"],
            user=request.user,
        )
        kind, _sep, raw = decision.partition(":")
        allowed = {(m.record.kind, m.record.pk) for m in matches}
        if kind == "merge":
            target = parse_int(raw, label=_("lead"), min_value=1)
            if ("lead", target) not in allowed:
                raise InputError(_("Choose one of the leads found."))
            dedup.lead_merge(lead_id=lead.pk, into_id=target, user=request.user)
            messages.success(request, _("The lead was merged into lead #%(pk)s.") % {"pk": target})
            lead.refresh_from_db()
        elif kind == "link":
            target = parse_int(raw, label=_("customer"), min_value=1)
            if ("customer", target) not in allowed:
                raise InputError(_("Choose one of the customers found."))
            dedup.lead_link_customer(lead_id=lead.pk, customer_id=target, user=request.user)
            messages.success(request, _("Lead saved and linked to the customer."))
        elif kind == "keep":
            reason = request.POST.get("reason", "")
            for m in matches:
                dedup.lead_keep_both(
                    lead_id=lead.pk,
                    user=request.user,
                    reason=reason,
                    other_lead_id=m.record.pk if m.record.kind == "lead" else None,
                    customer_id=m.record.pk if m.record.kind == "customer" else None,
                )
            messages.success(request, _("Lead saved; both records kept."))
        elif matches:
            raise InputError(_("Choose what to do with the possible duplicates."))
        else:
            messages.success(request, _("Lead saved."))
    return lead


def _visible_matches(user, matches):
    """Only the records the user may see (crm.access): two queries."""
    lead_ids = [m.record.pk for m in matches if m.record.kind == "lead"]
    cust_ids = [m.record.pk for m in matches if m.record.kind == "customer"]
    seen_leads = set(access.scope(Lead.objects.filter(pk__in=lead_ids), user).values_list("pk", flat=True))
    seen_custs = set(access.scope(Customer.objects.filter(pk__in=cust_ids), user).values_list("pk", flat=True))
    return [m for m in matches if m.record.pk in (seen_leads if m.record.kind == "lead" else seen_custs)]


def read_lead_rows(upload):
    """Rows of an uploaded .xlsx (first sheet) or .csv (UTF-8 or GB18030), size checked first."""
    from erp.exchange import ImportFailed, check_size
    from erp.exchange.engine import _rows_from_binary, _rows_from_reader

    name = upload.name or ""
    check_size(name, upload.size, limit=settings.IMPORT_MAX_BYTES)
    lower = name.lower()
    if lower.endswith(".csv"):
        data = _rewound(upload.file).read()  # within IMPORT_MAX_BYTES (checked above)
        return _rows_from_binary(lambda: io.BytesIO(data), name)
    if lower.endswith(".xlsx"):
        import openpyxl

        from erp.exchange.engine import _cell

        try:
            wb = openpyxl.load_workbook(_rewound(upload.file), read_only=True, data_only=True)
        except Exception:
            raise ImportFailed([_("%(file)s is not a valid .xlsx workbook.") % {"file": name}]) from None
        try:
            ws = wb.worksheets[0]
            values = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
        return _rows_from_reader(iter(values), name)
    raise ImportFailed([_("Upload an .xlsx workbook or a .csv file.")])


def _rewound(fh):
    fh.seek(0)
    return fh


@module_required(MODULES, "crm.add_lead", action="crm.add_lead")
def campaign_leads_import(request, pk):
    """Upload the campaign's lead list: all or nothing, every bad row named (file, line, column)."""
    from erp.exchange import ImportFailed, upload_hint
    from erp.uploads import refused_upload

    campaign = get_object_or_404(Campaign, pk=pk)
    form = forms.LeadImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST":
        refused = refused_upload(request)
        try:
            if refused:
                from erp.exchange import check_size

                check_size(refused[0] or _("The upload"), refused[1], limit=settings.IMPORT_MAX_BYTES)
            if not form.is_valid():
                raise ImportFailed([_("Choose a file to import.")])
            upload = form.cleaned_data["file"]
            rows = read_lead_rows(upload)
            result = svc.campaign_leads_import(campaign_id=pk, rows=rows, user=request.user, file_name=upload.name)
        except ImportFailed as exc:
            errors = exc.errors
        except DomainError as exc:
            errors = [str(exc)]
        else:
            messages.success(
                request,
                _("%(n)s leads imported; %(d)s of them match existing leads or customers (see the duplicates report).")
                % {"n": result.created, "d": result.duplicates},
            )
            return redirect("crm:campaign_detail", pk=pk)
    return _page(
        request,
        "crm/marketing/import.html",
        _("Import leads of %(c)s") % {"c": campaign.name},
        {"form": form, "c": campaign, "errors": errors, "columns": svc.LEAD_COLUMNS, "upload_hint": upload_hint()},
        [_campaign_crumb(), (str(campaign), reverse("crm:campaign_detail", args=[pk]))],
    )


# --------------------------------------------------------------------------- comparison report
def _period(request):
    form = forms.ReportPeriodForm(request.GET or None)
    date_from, date_to = selectors_marketing.default_period()
    model = svc.FIRST_TOUCH
    if request.GET:
        if form.is_valid():
            date_from = form.cleaned_data.get("date_from")
            date_to = form.cleaned_data.get("date_to")
            model = form.cleaned_data.get("model") or svc.FIRST_TOUCH
        else:
            messages.warning(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        form = forms.ReportPeriodForm(initial={"date_from": date_from, "date_to": date_to, "model": model})
    return form, date_from, date_to, model


@module_required(MODULES)
def campaign_report(request):
    form, date_from, date_to, model = _period(request)
    channel = request.GET.get("channel", "")
    channel = channel if channel in CampaignChannel.values else ""
    rows = selectors_marketing.campaign_rows(date_from=date_from, date_to=date_to, model=model, channel=channel)
    by_channel = selectors_marketing.channel_rows(rows)
    total = selectors_marketing.totals(rows, _("Total"))
    chart = [{"label": r.campaign.name[:20], "value": r.revenue, "display": _fmt(r.revenue)} for r in rows]
    roi_chart = [
        {"label": r.label[:20], "value": max(r.roi or 0, 0), "display": f"{_fmt(r.roi)} %"} for r in by_channel
    ]
    query = urlencode(
        {
            "date_from": date_from.isoformat() if date_from else "",
            "date_to": date_to.isoformat() if date_to else "",
            "model": model,
            "channel": channel,
        }
    )
    return _page(
        request,
        "crm/marketing/report.html",
        _("Campaign comparison"),
        {
            "form": form,
            "rows": rows,
            "by_channel": by_channel,
            "total": total,
            "chart": chart,
            "roi_chart": roi_chart,
            "channels": CampaignChannel.choices,
            "channel": channel,
            "query": query,
        },
    )


@module_required(MODULES)
def campaign_report_xlsx(request):
    _form, date_from, date_to, model = _period(request)
    channel = request.GET.get("channel", "")
    channel = channel if channel in CampaignChannel.values else ""
    rows = selectors_marketing.campaign_rows(date_from=date_from, date_to=date_to, model=model, channel=channel)
    header = [
        _("campaign"),
        _("channel"),
        _("budget"),
        _("actual cost"),
        _("leads"),
        _("qualified leads"),
        _("opportunities"),
        _("won opportunities"),
        _("won orders"),
        _("revenue"),
        _("cost per lead"),
        _("cost per won order"),
        _("ROI %"),
    ]

    def line(r):
        return [
            r.label,
            r.channel,
            r.budget,
            r.cost,
            r.leads,
            r.qualified,
            r.opportunities,
            r.won_opportunities,
            r.wins,
            r.revenue,
            r.cost_per_lead,
            r.cost_per_win,
            r.roi,
        ]

    campaigns = [line(r) for r in rows] + [line(selectors_marketing.totals(rows, str(_("Total"))))]
    channels = [line(r) for r in selectors_marketing.channel_rows(rows)]
    return xlsx_sheets_response(
        export_filename(_("Campaign comparison")),
        [(_("Campaigns"), header, campaigns), (_("Channels"), header, channels)],
    )


# --------------------------------------------------------------------------- de-duplication
@module_required(MODULES)
def duplicates(request):
    """Possible duplicates among existing leads and customers, the user's visible ones."""
    pairs = dedup.duplicates_report()
    lead_ids = {p.lead.pk for p in pairs} | {p.other.pk for p in pairs if p.other.kind == "lead"}
    cust_ids = {p.other.pk for p in pairs if p.other.kind == "customer"}
    seen_leads = set(
        access.scope(Lead.objects.filter(pk__in=sorted(lead_ids)), request.user).values_list("pk", flat=True)
    )
    seen_custs = set(
        access.scope(Customer.objects.filter(pk__in=sorted(cust_ids)), request.user).values_list("pk", flat=True)
    )
    pairs = [
        p
        for p in pairs
        if p.lead.pk in seen_leads and p.other.pk in (seen_leads if p.other.kind == "lead" else seen_custs)
    ]
    return _page(
        request, "crm/marketing/duplicates.html", _("Possible duplicates"), {"pairs": pairs[:500], "count": len(pairs)}
    )


@module_required(MODULES)
def lead_dedup(request, pk):
    """One lead and its possible duplicates, with the actions."""
    lead = access.get_visible(Lead.objects.select_related("campaign", "customer", "owner"), request.user, pk=pk)
    matches = [] if lead.merged_into_id else _visible_matches(request.user, dedup.lead_matches(lead))
    return _page(
        request,
        "crm/marketing/lead_dedup.html",
        _("Duplicates of %(lead)s") % {"lead": lead.company},
        {"lead": lead, "matches": matches},
        [(_("Possible duplicates"), reverse("crm:lead_duplicates"))],
    )


def _dedup_back(request, pk) -> str:
    nxt = request.POST.get("next", "")
    return reverse("crm:lead_duplicates") if nxt == "report" else reverse("crm:lead_dedup", args=[pk])


@module_required(MODULES, action="crm.change_lead", methods=POST)
def lead_merge(request, pk):
    """POST into=<lead id>: the lead `pk` is merged into that lead (kept)."""
    access.get_visible(Lead, request.user, pk=pk)
    try:
        into = parse_int(request.POST.get("into"), label=_("lead"), min_value=1)
    except InputError as exc:
        messages.error(request, errors_text(exc))
        return redirect(_dedup_back(request, pk))
    access.get_visible(Lead, request.user, pk=into)
    back = _dedup_back(request, into)
    return run_action(
        request,
        lambda: dedup.lead_merge(lead_id=pk, into_id=into, user=request.user, reason=request.POST.get("reason", "")),
        success=_("Leads merged: follow-ups, opportunities and campaign touches moved to the kept lead."),
        redirect_to=back,
    )


@module_required(MODULES, action="crm.change_lead", methods=POST)
def lead_keep(request, pk):
    """POST other_lead=<id> or customer=<id>, reason: keep both records."""
    access.get_visible(Lead, request.user, pk=pk)
    try:
        other = parse_int(request.POST.get("other_lead"), label=_("lead"), min_value=1, required=False)
        customer = parse_int(request.POST.get("customer"), label=_("customer"), min_value=1, required=False)
    except InputError as exc:
        messages.error(request, errors_text(exc))
        return redirect(_dedup_back(request, pk))
    if other:
        access.get_visible(Lead, request.user, pk=other)
    if customer:
        access.get_visible(Customer, request.user, pk=customer)
    return run_action(
        request,
        lambda: dedup.lead_keep_both(
            lead_id=pk,
            other_lead_id=other,
            customer_id=customer,
            reason=request.POST.get("reason", ""),
            user=request.user,
        ),
        success=_("Both records kept."),
        redirect_to=_dedup_back(request, pk),
    )


@module_required(MODULES, action="crm.change_lead", methods=POST)
def lead_link(request, pk):
    """POST customer=<id>: the lead is that existing customer."""
    access.get_visible(Lead, request.user, pk=pk)
    try:
        customer = parse_int(request.POST.get("customer"), label=_("customer"), min_value=1)
    except InputError as exc:
        messages.error(request, errors_text(exc))
        return redirect(_dedup_back(request, pk))
    access.get_visible(Customer, request.user, pk=customer)
    return run_action(
        request,
        lambda: dedup.lead_link_customer(lead_id=pk, customer_id=customer, user=request.user),
        success=_("The lead is linked to the customer."),
        redirect_to=_dedup_back(request, pk),
    )


# --------------------------------------------------------------------------- service report
@module_required("sales")
def service_report(request):
    form, date_from, date_to, _model = _period(request)
    report = selectors_marketing.service_report(date_from=date_from, date_to=date_to)
    chart = [{"label": r.owner[:20], "value": r.open, "display": f"{r.open} / {r.overdue}"} for r in report["rows"]]
    return render(
        request,
        "crm/marketing/service_report.html",
        {
            "title": _("Service report"),
            "breadcrumbs": [(_("Sales / CRM"), None), (_("Service report"), None)],
            "form": form,
            "report": report,
            "chart": chart,
        },
    )
