"""Pages of the general ledger: vouchers, chart of accounts, reports, reconciliation, period end."""

import datetime
import functools

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from erp.errors import DomainError
from erp.exports import export_filename, xlsx_response
from erp.permissions import module_required
from erp.views import run_action

from .models import Account, Auxiliary, Voucher, VoucherStatus
from .services import accounts as account_services
from .services import period_end, reconcile, reports
from .services import vouchers as voucher_services
from .services.auto import label_for, role_label

MODULE = "ledger"


def _period(request) -> tuple[int, int]:
    raw = request.GET.get("period") or ""
    if raw:
        try:
            return reports.parse_period(raw)
        except DomainError as exc:
            messages.error(request, str(exc))
    today = timezone.localdate()
    return today.year, today.month


def _ctx(request, year, month, **kw):
    kw.update({"period": f"{year}-{month:02d}", "year": year, "month": month})
    return kw


def _xlsx(filename: str, header: list, rows: list[list]) -> HttpResponse:
    """A typed xlsx download (erp.exports): numbers, dates, formula-like text kept as text."""
    return xlsx_response(export_filename(filename.removesuffix(".xlsx")), header, rows)


# ---------------------------------------------------------------- vouchers


@module_required(MODULE, "ledger.view_voucher")
def voucher_list(request):
    qs = Voucher.objects.select_related("created_by", "audited_by").order_by(
        "-year", "-month", "word", "-number", "-pk"
    )
    period = request.GET.get("period", "")
    if period:
        try:
            y, m = reports.parse_period(period)
            qs = qs.filter(year=y, month=m)
        except DomainError as exc:
            messages.error(request, str(exc))
    status = request.GET.get("status", "")
    if status in VoucherStatus.values:
        qs = qs.filter(status=status)
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(source_number__icontains=q) | Q(summary__icontains=q))
    source_type = request.GET.get("source_type", "")
    if source_type:
        qs = qs.filter(source_type=source_type)
        source_id = request.GET.get("source_id", "")
        if source_id.isdigit():
            qs = qs.filter(source_id=int(source_id))
    if request.GET.get("export") == "xlsx":
        lines = []
        for v in qs.prefetch_related("lines__account")[:20000]:
            for ln in v.lines.all():
                lines.append(
                    [
                        v.period_label,
                        v.word,
                        v.number or "",
                        v.voucher_date.isoformat(),
                        v.get_status_display(),
                        ln.account.code,
                        ln.account.name,
                        ln.summary,
                        ln.aux_label,
                        ln.debit,
                        ln.credit,
                        v.source_number,
                    ]
                )
        header = [
            _("period"),
            _("voucher word"),
            _("voucher number"),
            _("date"),
            _("status"),
            _("account code"),
            _("account"),
            _("summary"),
            _("auxiliary"),
            _("debit"),
            _("credit"),
            _("source number"),
        ]
        return _xlsx("vouchers.xlsx", header, lines)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/voucher_list.html",
        {
            "title": _("Vouchers"),
            "page": page,
            "statuses": VoucherStatus.choices,
            "q": q,
            "status": status,
            "period": period,
            "label_for": label_for,
        },
    )


@module_required(MODULE, "ledger.view_voucher")
def voucher_detail(request, pk):
    v = get_object_or_404(Voucher.objects.select_related("created_by", "audited_by", "posted_by", "reversal_of"), pk=pk)
    lines = list(v.lines.select_related("account").order_by("line_no"))
    return render(
        request,
        "ledger/voucher_detail.html",
        {
            "title": str(v),
            "v": v,
            "lines": lines,
            "source_label": label_for(v.source_type) if v.source_type else "",
            "source_url": _source_url(v.source_type, v.source_id),
            "reversals": list(v.reversals.all()),
        },
    )


SOURCE_URLS = {
    "crm.delivery": "crm:delivery_detail",
    "crm.sales_return": "crm:return_detail",
    "crm.invoice": "crm:invoice_detail",
    "crm.receipt": "crm:receipt_detail",
    "procurement.supplierinvoice": "procurement:invoice_detail",
    "procurement.supplierpayment": "procurement:invoice_detail",
    "procurement.purchasereceipt": "procurement:receipt_detail",
    "production.picking": "production:picking_detail",
    "production.fgreceipt": "production:receipt_detail",
}


def _source_url(source_type: str, source_id) -> str:
    name = SOURCE_URLS.get(source_type)
    if not name or not source_id:
        return ""
    try:
        return reverse(name, args=[source_id])
    except Exception:
        return ""


def _action(service, success):
    def view(request, pk):
        get_object_or_404(Voucher, pk=pk)
        return run_action(
            request,
            lambda: service(voucher_id=pk, user=request.user),
            success=success,
            redirect_to=reverse("ledger:voucher", args=[pk]),
        )

    return view


voucher_audit = module_required(MODULE, action="ledger.change_voucher", methods=("POST",))(
    _action(voucher_services.voucher_audit, _("Voucher audited."))
)
voucher_unaudit = module_required(MODULE, action="ledger.change_voucher", methods=("POST",))(
    _action(voucher_services.voucher_unaudit, _("Audit withdrawn."))
)
voucher_post = module_required(MODULE, action="ledger.change_voucher", methods=("POST",))(
    _action(voucher_services.voucher_post, _("Voucher posted."))
)


@module_required(MODULE, action="ledger.add_voucher", methods=("POST",))
def voucher_reverse(request, pk):
    get_object_or_404(Voucher, pk=pk)
    made = {}

    def run():
        made["v"] = voucher_services.voucher_reverse(voucher_id=pk, user=request.user)

    resp = run_action(request, run, success=_("Red reversal posted."), redirect_to=reverse("ledger:voucher", args=[pk]))
    return redirect("ledger:voucher", made["v"].pk) if "v" in made else resp


@module_required(MODULE, action="ledger.add_voucher", methods=("POST",))
def voucher_copy(request, pk):
    get_object_or_404(Voucher, pk=pk)
    made = {}

    def run():
        made["v"] = voucher_services.voucher_copy(voucher_id=pk, user=request.user)

    resp = run_action(
        request, run, success=_("Copied to a new draft."), redirect_to=reverse("ledger:voucher", args=[pk])
    )
    return redirect("ledger:voucher", made["v"].pk) if "v" in made else resp


@module_required(MODULE, action="ledger.delete_voucher", methods=("POST",))
def voucher_delete(request, pk):
    get_object_or_404(Voucher, pk=pk)
    return run_action(
        request,
        lambda: voucher_services.voucher_delete(voucher_id=pk, user=request.user),
        success=_("Draft deleted."),
        redirect_to=reverse("ledger:vouchers"),
    )


# ---------------------------------------------------------------- accounts


@module_required(MODULE, "ledger.view_account", action="ledger.add_account")
def account_list(request):
    if request.method == "POST":
        return run_action(
            request,
            lambda: account_services.account_create(
                code=request.POST.get("code", ""),
                name=request.POST.get("name", ""),
                auxiliary=request.POST.get("auxiliary") or Auxiliary.NONE,
                user=request.user,
            ),
            success=_("Account added."),
            redirect_to=reverse("ledger:accounts"),
        )
    account_services.ensure_default_chart()
    q = (request.GET.get("q") or "").strip()
    qs = Account.objects.order_by("code")
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__icontains=q))
    if request.GET.get("export") == "xlsx":
        return _xlsx(
            "accounts.xlsx",
            [_("Account code"), _("Name"), _("Kind"), _("Balance direction"), _("Auxiliary dimension")],
            [[a.code, a.name, a.get_kind_display(), a.get_direction_display(), a.get_auxiliary_display()] for a in qs],
        )
    return render(
        request,
        "ledger/account_list.html",
        {"title": _("Chart of accounts"), "accounts": list(qs), "q": q, "auxiliaries": Auxiliary.choices},
    )


@module_required(MODULE, action="ledger.delete_account", methods=("POST",))
def account_delete(request, pk):
    get_object_or_404(Account, pk=pk)
    return run_action(
        request,
        lambda: account_services.account_delete(account_id=pk, user=request.user),
        success=_("Account deleted."),
        redirect_to=reverse("ledger:accounts"),
    )


@module_required(MODULE, "ledger.view_account")
def account_lookup(request):
    """Account lookup for the entry form: code prefix or name (JSON list)."""
    from django.http import JsonResponse

    q = (request.GET.get("q") or "").strip()[:40]
    qs = Account.objects.filter(children__isnull=True, is_active=True).order_by("code")
    if request.GET.get("exact") == "1":
        found = list(qs.filter(code=q)[:1])
    elif q and q.isascii() and q.isalpha():
        # pinyin initials (yhck → 银行存款), besides the name; the leaf accounts are a few hundred
        key = q.lower()
        found = [a for a in qs if key in pinyin_initials(a.name) or key in a.name.lower()][:30]
    elif q:
        found = list(qs.filter(Q(code__startswith=q) | Q(name__icontains=q))[:30])
    else:
        found = list(qs[:30])
    # "items": the shape of the line grid's lookup (erp/linegrid.py): code and name, no unit
    return JsonResponse(
        {
            "accounts": [{"code": a.code, "name": a.name, "auxiliary": a.auxiliary} for a in found],
            "items": [{"code": a.code, "name": a.name, "spec": "", "uom": ""} for a in found],
        }
    )


@functools.lru_cache(maxsize=4096)
def pinyin_initials(name: str) -> str:
    """银行存款 → "yhck" (pypinyin; letters and digits in the name are kept as they are)."""
    from pypinyin import Style, lazy_pinyin

    return "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()


@module_required(MODULE, "ledger.view_postingrule", action="ledger.change_postingrule")
def posting_rules(request):
    """凭证模板: the account of every document type and line kind (defaults and changes)."""
    if request.method == "POST":
        return run_action(
            request,
            lambda: account_services.posting_rule_set(
                source_type=request.POST.get("source_type", ""),
                role=request.POST.get("role", ""),
                account_code=request.POST.get("account", ""),
                user=request.user,
            ),
            success=_("Voucher template changed."),
            redirect_to=reverse("ledger:posting_rules"),
        )
    from .engine.rules import DEFAULT_RULES

    current = account_services.rule_codes()
    names = {a.code: a.name for a in account_services.accounts_by_code().values()}
    rows = [
        {
            "source_type": st,
            "label": label_for(st),
            "role": role,
            "role_label": role_label(role),
            "code": current[(st, role)],
            "name": names.get(current[(st, role)], ""),
            "changed": current[(st, role)] != code,
        }
        for (st, role), code in sorted(DEFAULT_RULES.items())
    ]
    accounts = list(Account.objects.filter(children__isnull=True).order_by("code"))
    return render(
        request, "ledger/posting_rules.html", {"title": _("Voucher templates"), "rows": rows, "accounts": accounts}
    )


# ---------------------------------------------------------------- reports


TB_HEADER = ["code", "name", "opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit"]


def tb_rows(rows) -> list[list]:
    out = []
    for r in rows:
        od, oc = r.opening_dc
        cd, cc = r.closing_dc
        out.append([r.account.code, r.account.name, od, oc, r.debit, r.credit, cd, cc])
    return out


@module_required(MODULE, "ledger.view_voucher")
def trial_balance(request):
    year, month = _period(request)
    rows = reports.trial_balance(year, month)
    totals = reports.tb_totals(rows)
    if request.GET.get("export") == "xlsx":
        data = tb_rows(rows) + [["", _("Total"), *[totals[k] for k in TB_HEADER[2:]]]]
        return _xlsx(f"trial_balance_{year}-{month:02d}.xlsx", TB_HEADER, data)
    balanced = totals["closing_debit"] == totals["closing_credit"] and totals["debit"] == totals["credit"]
    return render(
        request,
        "ledger/trial_balance.html",
        _ctx(request, year, month, title=_("Trial balance"), rows=rows, totals=totals, balanced=balanced),
    )


@module_required(MODULE, "ledger.view_voucher")
def general_ledger(request):
    year, month = _period(request)
    code = request.GET.get("account", "") or "1002"
    account = account_services.accounts_by_code().get(code)
    if account is None:
        raise Http404
    rows = [r for r in reports.general_ledger(code, year) if r["period"] <= f"{year}-{month:02d}"]
    if request.GET.get("export") == "xlsx":
        return _xlsx(
            f"general_ledger_{code}_{year}.xlsx",
            [_("Period"), _("Opening balance"), _("Debit"), _("Credit"), _("Closing balance")],
            [[r["period"], r["opening"], r["debit"], r["credit"], r["closing"]] for r in rows],
        )
    return render(
        request,
        "ledger/general_ledger.html",
        _ctx(
            request,
            year,
            month,
            title=_("General ledger"),
            rows=rows,
            account=account,
            accounts=Account.objects.order_by("code"),
        ),
    )


@module_required(MODULE, "ledger.view_voucher")
def detail_ledger(request):
    year, month = _period(request)
    code = request.GET.get("account", "") or "1002"
    account = account_services.accounts_by_code().get(code)
    if account is None:
        raise Http404
    aux_raw = request.GET.get("aux", "")
    aux_id = int(aux_raw) if aux_raw.isdigit() else None
    data = reports.detail_ledger(code, year, month, aux_id=aux_id)
    if request.GET.get("export") == "xlsx":
        rows = [["", "", "", _("Opening balance"), "", "", "", data["opening"]]]
        for d in data["lines"]:
            ln, v = d["line"], d["voucher"]
            rows.append(
                [
                    v.voucher_date.isoformat(),
                    str(v),
                    ln.account.code,
                    ln.summary,
                    ln.aux_label,
                    ln.debit,
                    ln.credit,
                    d["balance"],
                ]
            )
        return _xlsx(
            f"detail_ledger_{code}_{year}-{month:02d}.xlsx",
            [
                _("date"),
                _("voucher"),
                _("account code"),
                _("summary"),
                _("auxiliary"),
                _("debit"),
                _("credit"),
                _("balance"),
            ],
            rows,
        )
    for d in data["lines"]:
        d["source_url"] = _source_url(d["voucher"].source_type, d["voucher"].source_id)
    return render(
        request,
        "ledger/detail_ledger.html",
        _ctx(
            request,
            year,
            month,
            title=_("Detail ledger"),
            data=data,
            account=account,
            aux_id=aux_id,
            accounts=Account.objects.order_by("code"),
        ),
    )


@module_required(MODULE, "ledger.view_voucher")
def statements(request):
    year, month = _period(request)
    kind = request.GET.get("kind") or "customer"
    code = {"customer": "1122", "supplier": "2202"}.get(kind, "1122")
    rows = [r for r in reports.aux_balances(code, year, month) if r["aux_kind"] == kind]
    if request.GET.get("export") == "xlsx":
        return _xlsx(
            f"statements_{kind}_{year}-{month:02d}.xlsx",
            [_("Account code"), _("Auxiliary"), _("Opening balance"), _("Debit"), _("Credit"), _("Closing balance")],
            [[r["code"], r["aux_label"], r["opening"], r["debit"], r["credit"], r["closing"]] for r in rows],
        )
    return render(
        request,
        "ledger/statements.html",
        _ctx(request, year, month, title=_("Customer and supplier statements"), rows=rows, kind=kind),
    )


@module_required(MODULE, "ledger.view_voucher")
def balance_sheet(request):
    year, month = _period(request)
    data = reports.balance_sheet(year, month)
    if request.GET.get("export") == "xlsx":
        rows = [[str(label), v, s] for label, v, s in data["assets"]]
        rows.append([_("Total assets"), data["total_assets"], data["total_assets_start"]])
        rows += [[str(label), v, s] for label, v, s in data["liabilities"] + data["equity"]]
        rows.append(
            [
                _("Total liabilities and equity"),
                data["total_liabilities_equity"],
                data["total_liabilities_equity_start"],
            ]
        )
        return _xlsx(
            f"balance_sheet_{year}-{month:02d}.xlsx", [_("Line"), _("Closing balance"), _("Start of year")], rows
        )
    return render(request, "ledger/balance_sheet.html", _ctx(request, year, month, title=_("Balance sheet"), data=data))


@module_required(MODULE, "ledger.view_voucher")
def income_statement(request):
    year, month = _period(request)
    data = reports.income_statement(year, month)
    if request.GET.get("export") == "xlsx":
        rows = [[str(label), m, y] for label, m, y in data["lines"]]
        rows.append([_("Operating profit"), *data["operating_profit"]])
        rows.append([_("Total profit"), *data["total_profit"]])
        rows.append([_("Net profit"), *data["net_profit"]])
        return _xlsx(f"income_statement_{year}-{month:02d}.xlsx", [_("Line"), _("This month"), _("Year to date")], rows)
    return render(
        request, "ledger/income_statement.html", _ctx(request, year, month, title=_("Income statement"), data=data)
    )


@module_required(MODULE, "ledger.view_voucher")
def vat(request):
    year, month = _period(request)
    data = reports.vat_summary(year, month)
    if request.GET.get("export") == "xlsx":
        return _xlsx(
            f"vat_{year}-{month:02d}.xlsx",
            [_("Output VAT"), _("Input VAT"), _("Input VAT carried in"), _("VAT payable")],
            [[data["output"], data["input"], data["carried_in"], data["payable"]]],
        )
    return render(request, "ledger/vat.html", _ctx(request, year, month, title=_("VAT summary"), data=data))


@module_required(MODULE, "ledger.view_voucher")
def reconcile_view(request):
    year, month = _period(request)
    diffs = reconcile.reconcile(year, month)
    if request.GET.get("export") == "xlsx":
        return _xlsx(
            f"reconciliation_{year}-{month:02d}.xlsx",
            [
                _("Area"),
                _("Account"),
                pgettext("reconciliation", "What"),
                _("Books"),
                _("Subledger"),
                pgettext("amount", "Difference"),
                _("Documents"),
            ],
            [[d.area, d.account, d.label, d.books, d.subledger, d.difference, ", ".join(d.documents)] for d in diffs],
        )
    return render(request, "ledger/reconcile.html", _ctx(request, year, month, title=_("Reconciliation"), diffs=diffs))


@module_required(MODULE, "ledger.view_voucher", action="ledger.add_voucher")
def period_end_view(request):
    year, month = _period(request)
    if request.method == "POST":
        try:
            y, m = reports.parse_period(request.POST.get("period", ""))
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("ledger:period_end")
        made = {}

        def run():
            made["v"] = period_end.close_profit_and_loss(year=y, month=m, user=request.user)

        resp = run_action(
            request,
            run,
            success=_("Profit and loss carried to 3103."),
            redirect_to=reverse("ledger:period_end") + f"?period={y}-{m:02d}",
        )
        return redirect("ledger:voucher", made["v"].pk) if "v" in made else resp
    closings = Voucher.objects.filter(source_type=reports.PERIOD_END, year=year, month=month).order_by("pk")
    return render(
        request,
        "ledger/period_end.html",
        _ctx(
            request,
            year,
            month,
            title=_("Period end"),
            closings=list(closings),
            income=reports.income_statement(year, month),
        ),
    )


__all__ = ["datetime"]
