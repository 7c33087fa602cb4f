"""BOM pages: list, editor, explosion tree, where-used, version comparison, ECNs. Thin: every
write goes through bom.services, every read through bom.selectors.

Access (issue #10): every view declares its module and, if it changes anything, its action
permission (`erp.permissions.module_required`); form pages require it for GET as well. The
planner (计划) and the administrator act; production (生产) reads. Approving, disabling and
re-enabling a BOM and approving an ECN need their own permissions (bom.approve_bom,
bom.approve_ecn). Lines are reached only through their own BOM or ECN (404 otherwise); every
number, date and id typed goes through `erp.input`.
"""

import io
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.exports import xlsx_append
from erp.fields import fmt_decimal
from erp.permissions import module_required
from erp.views import ListPage, run_action

from . import selectors, services
from .forms import (
    BomEditForm,
    BomHeaderForm,
    BomLineForm,
    CompareForm,
    EcnForm,
    EcnLineForm,
    ExplosionForm,
    WhereUsedForm,
    form_errors,
)
from .models import Bom, BomLine, Ecn
from .tables import BomFilter, BomTable, EcnFilter, EcnTable

MODULE = "bom"
ADD_BOM = "bom.add_bom"
CHANGE_BOM = "bom.change_bom"
APPROVE_BOM = "bom.approve_bom"
ADD_ECN = "bom.add_ecn"
CHANGE_ECN = "bom.change_ecn"
APPROVE_ECN = "bom.approve_ecn"
POST = ("POST",)


def _page(request, template, title, ctx, crumbs=()):
    ctx.update({"title": title, "breadcrumbs": [*crumbs, (title, None)]})
    return render(request, template, ctx)


LIST_TEMPLATE = "erp/list.html"


class BomList(ListPage):
    template_name = LIST_TEMPLATE
    module = MODULE
    title = gettext_lazy("BOMs")
    table_class = BomTable
    filterset_class = BomFilter
    create_url_name = "bom:bom_create"
    create_label = gettext_lazy("New BOM")

    def get_queryset(self):
        return selectors.bom_list()


@module_required(MODULE, ADD_BOM, action=ADD_BOM)
def bom_create(request):
    form = BomHeaderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bom = services.bom_create(
                item_id=form.cleaned_data["item"].pk,
                output_qty=form.cleaned_data["output_qty"],
                skip_level=form.cleaned_data["skip_level"],
                notes=form.cleaned_data["notes"],
                user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Draft %(bom)s created: add its lines.") % {"bom": bom})
            return redirect("bom:bom_detail", bom.pk)
    return _page(request, "erp/form.html", _("New BOM"), {"form": form}, [(_("BOMs"), reverse("bom:bom_list"))])


def _line_input(cd) -> services.LineInput:
    return services.LineInput(
        component_id=cd["component"].pk,
        qty_per=cd["qty_per"],
        scrap_rate=cd.get("scrap_rate") or Decimal("0"),
        fixed_loss=cd.get("fixed_loss") or Decimal("0"),
        issue_method=cd["issue_method"],
        issue_warehouse_id=cd["issue_warehouse"].pk if cd.get("issue_warehouse") else None,
        key_part=cd.get("key_part") or False,
        valid_from=cd.get("valid_from"),
        valid_to=cd.get("valid_to"),
        line_type=cd["line_type"],
        cost_share=cd.get("cost_share"),
    )


def _detail_ctx(request, bom_id, line_form=None, error=None):
    page = selectors.bom_page(bom_id)
    bom, user = page.bom, request.user
    return {
        "bom": bom,
        "lines": page.lines,
        "versions": page.versions,
        "needs_ecn": bom.changes_need_ecn,
        "line_form": line_form or BomLineForm(),
        "edit_form": BomEditForm(
            initial={"output_qty": bom.output_qty, "skip_level": bom.skip_level, "notes": bom.notes}
        ),
        "editable": bom.is_editable() and user.has_perm(CHANGE_BOM),
        "can_approve": user.has_perm(APPROVE_BOM),
        "can_add": user.has_perm(ADD_BOM),
        "can_add_ecn": user.has_perm(ADD_ECN),
        "line_error": error,
    }


@module_required(MODULE)
def bom_detail(request, pk):
    get_object_or_404(Bom, pk=pk)
    ctx = _detail_ctx(request, pk)
    return _page(request, "bom/bom_detail.html", str(ctx["bom"]), ctx, [(_("BOMs"), reverse("bom:bom_list"))])


@module_required(MODULE, action=CHANGE_BOM, methods=POST)
def bom_edit(request, pk):
    get_object_or_404(Bom, pk=pk)
    form = BomEditForm(request.POST)
    if form.is_valid():
        return run_action(
            request,
            lambda: services.bom_update(bom_id=pk, user=request.user, **form.cleaned_data),
            success=_("Saved."),
            redirect_to=reverse("bom:bom_detail", args=[pk]),
        )
    messages.error(request, form_errors(form))
    return redirect("bom:bom_detail", pk)


@module_required(MODULE, action=CHANGE_BOM, methods=POST)
def bom_line_add(request, pk):
    """With htmx it answers the lines partial, otherwise redirects to the editor."""
    get_object_or_404(Bom, pk=pk)
    detail_url = reverse("bom:bom_detail", args=[pk])
    form = BomLineForm(request.POST)
    error = None
    added = False
    if form.is_valid():
        try:
            services.bom_line_add(bom_id=pk, line=_line_input(form.cleaned_data), user=request.user)
            form, added = None, True
        except DomainError as exc:
            error = str(exc)
    if request.headers.get("HX-Request"):
        if form is not None and form.errors:
            error = form_errors(form)
        response = render(request, "bom/_lines.html", _detail_ctx(request, pk, form, error))
        if added:
            # Keeps the one-time submission token (erp.submit): a repeated POST of the same form
            # is sent to the BOM instead of adding the line a second time.
            response["Location"] = detail_url
        return response
    if error:
        messages.error(request, error)
    elif form is not None:
        messages.error(request, form_errors(form))
    return redirect(detail_url)


@module_required(MODULE, action=CHANGE_BOM, methods=POST)
def bom_line_delete(request, pk, line_pk):
    """Only a line of this BOM (404 otherwise); the service refuses when the BOM is not editable."""
    bom = get_object_or_404(Bom, pk=pk)
    get_object_or_404(BomLine, pk=line_pk, bom=bom)
    return run_action(
        request,
        lambda: services.bom_line_delete(line_id=line_pk, bom_id=bom.pk, user=request.user),
        success=_("Line deleted."),
        redirect_to=reverse("bom:bom_detail", args=[bom.pk]),
    )


@module_required(MODULE, action=APPROVE_BOM, methods=POST)
def bom_approve(request, pk):
    get_object_or_404(Bom, pk=pk)
    return run_action(
        request,
        lambda: services.bom_approve(bom_id=pk, user=request.user),
        success=_("BOM approved."),
        redirect_to=reverse("bom:bom_detail", args=[pk]),
    )


@module_required(MODULE, action=APPROVE_BOM, methods=POST)
def bom_disable(request, pk):
    get_object_or_404(Bom, pk=pk)
    return run_action(
        request,
        lambda: services.bom_disable(bom_id=pk, user=request.user),
        success=_("BOM disabled."),
        redirect_to=reverse("bom:bom_detail", args=[pk]),
    )


@module_required(MODULE, action=ADD_BOM, methods=POST)
def bom_new_version(request, pk):
    get_object_or_404(Bom, pk=pk)
    try:
        new = services.bom_new_version(bom_id=pk, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("bom:bom_detail", pk)
    messages.success(request, _("Draft %(bom)s created.") % {"bom": new})
    return redirect("bom:bom_detail", new.pk)


# --- explosion -------------------------------------------------------------------------------


@module_required(MODULE)
def explosion(request):
    form = ExplosionForm(request.GET or None)
    result = None
    error = None
    if request.GET and form.is_valid():
        cd = form.cleaned_data
        try:
            result = selectors.explosion(
                item_id=cd["item"].pk,
                qty=cd["qty"],
                as_of=cd["as_of"] or timezone.localdate(),
                bom_id=cd.get("bom") or None,
            )
        except DomainError as exc:
            error = str(exc)
        if result is not None and request.GET.get("format") == "xlsx":
            return _explosion_xlsx(result, cd)
    elif request.GET and form.errors:
        error = form_errors(form)
    ctx = {"form": form, "result": result, "error": error}
    if result is not None and result.root is not None:
        ctx["rows"] = [(r, result.items.get(r.item_id)) for r in result.rows]
        ctx["max_level"] = result.max_level
        ctx["cost_chart"] = [
            {
                "label": result.items[r.item_id].code,
                "value": r.extended_cost,
                "display": fmt_decimal(r.extended_cost, 2),
            }
            for r in result.first_level
        ]
        ctx["co_products"] = [(result.items.get(c[0]), c) for c in result.co_products]
    return _page(request, "bom/explosion.html", _("BOM explosion"), ctx)


def _explosion_xlsx(result, cd):
    """Rows written with erp.exports.xlsx_append: item names starting with = stay text."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "BOM"
    as_of = cd["as_of"].isoformat() if cd["as_of"] else ""
    xlsx_append(ws, [_("Item"), str(cd["item"]), _("Quantity"), fmt_decimal(cd["qty"], 6), _("As of"), as_of])
    xlsx_append(
        ws,
        [
            _("Level"),
            _("Item number"),
            _("Name"),
            _("Unit"),
            _("Quantity per"),
            _("Scrap rate"),
            _("Fixed loss"),
            _("Extended quantity"),
            _("Unit cost"),
            _("Extended cost"),
            _("Phantom"),
            _("Skip level"),
        ],
    )
    for r in result.rows:
        item = result.items.get(r.item_id)
        xlsx_append(
            ws,
            [
                ("." * r.level) + str(r.level),
                item.code if item else r.item_id,
                item.name if item else "",
                item.uom if item else "",
                fmt_decimal(r.qty_per, 6),
                fmt_decimal(r.scrap_rate, 6),
                fmt_decimal(r.fixed_loss, 6),
                fmt_decimal(r.extended_qty, 6),
                fmt_decimal(r.unit_cost, 6),
                fmt_decimal(r.extended_cost, 2),
                "Y" if r.phantom else "",
                "Y" if r.skip_level else "",
            ],
        )
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = quote(f"bom-{cd['item'].code}.xlsx")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return resp


@module_required(MODULE)
def where_used(request):
    form = WhereUsedForm(request.GET or None)
    ctx = {"form": form, "rows": None}
    if request.GET and form.is_valid():
        rows, items = selectors.where_used(
            item_id=form.cleaned_data["item"].pk, multi_level=form.cleaned_data["multi_level"]
        )
        ctx["rows"] = [(r, items.get(r.parent_id)) for r in rows]
        ctx["component"] = form.cleaned_data["item"]
    return _page(request, "bom/where_used.html", _("Where used"), ctx)


@module_required(MODULE)
def compare(request):
    form = CompareForm(request.GET or None)
    ctx = {"form": form, "diffs": None}
    if request.GET and form.is_valid():
        result = selectors.compare_versions(
            old_bom_id=form.cleaned_data["old"].pk, new_bom_id=form.cleaned_data["new"].pk
        )
        ctx.update(old=result.old, new=result.new, diffs=result.rows, summary=result.summary)
    return _page(request, "bom/compare.html", _("Compare versions"), ctx)


# --- ECN -------------------------------------------------------------------------------------


class EcnList(ListPage):
    template_name = LIST_TEMPLATE
    module = MODULE
    title = gettext_lazy("Engineering changes")
    table_class = EcnTable
    filterset_class = EcnFilter
    create_url_name = "bom:ecn_create"
    empty_text = gettext_lazy(
        "No engineering changes: an ECN changes a released BOM on a date, with its effect on stock and orders."
    )
    create_label = gettext_lazy("New ECN")

    def get_queryset(self):
        return selectors.ecn_list()


@module_required(MODULE, ADD_ECN, action=ADD_ECN)
def ecn_create(request):
    form = EcnForm(
        request.POST or None,
        initial={"effective_date": timezone.localdate(), "item": request.GET.get("item", "")[:60]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            ecn = services.ecn_create(
                item_id=form.cleaned_data["item"].pk,
                effective_date=form.cleaned_data["effective_date"],
                stock_handling=form.cleaned_data["stock_handling"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(ecn)s created: add its changes.") % {"ecn": ecn})
            return redirect("bom:ecn_detail", ecn.pk)
    return _page(
        request, "erp/form.html", _("New ECN"), {"form": form}, [(_("Engineering changes"), reverse("bom:ecn_list"))]
    )


@module_required(MODULE)
def ecn_detail(request, pk):
    get_object_or_404(Ecn, pk=pk)
    ecn = selectors.ecn_with_lines(pk)
    draft = ecn.is_editable()
    ctx = {
        "ecn": ecn,
        "lines": list(ecn.lines.all()),
        "line_form": EcnLineForm(),
        "editable": draft and request.user.has_perm(CHANGE_ECN),
        "can_approve": draft and request.user.has_perm(APPROVE_ECN),
    }
    ctx["impact"] = selectors.ecn_impact(ecn)
    return _page(request, "bom/ecn_detail.html", str(ecn), ctx, [(_("Engineering changes"), reverse("bom:ecn_list"))])


@module_required(MODULE, action=CHANGE_ECN, methods=POST)
def ecn_line_add(request, pk):
    get_object_or_404(Ecn, pk=pk)
    form = EcnLineForm(request.POST)
    if form.is_valid():
        cd = form.cleaned_data
        return run_action(
            request,
            lambda: services.ecn_line_add(
                ecn_id=pk,
                line=services.EcnLineInput(
                    action=cd["action"],
                    old_component_id=cd["old_component"].pk if cd["old_component"] else None,
                    new_component_id=cd["new_component"].pk if cd["new_component"] else None,
                    qty_per=cd["qty_per"],
                    scrap_rate=cd["scrap_rate"],
                ),
                user=request.user,
            ),
            success=_("Change added."),
            redirect_to=reverse("bom:ecn_detail", args=[pk]),
        )
    messages.error(request, form_errors(form))
    return redirect("bom:ecn_detail", pk)


@module_required(MODULE, action=CHANGE_ECN, methods=POST)
def ecn_line_delete(request, pk, line_pk):
    """Only a line of this ECN (404 otherwise); the service refuses when the ECN is not a draft."""
    ecn = get_object_or_404(Ecn, pk=pk)
    get_object_or_404(ecn.lines, pk=line_pk)
    return run_action(
        request,
        lambda: services.ecn_line_delete(line_id=line_pk, ecn_id=ecn.pk, user=request.user),
        success=_("Line deleted."),
        redirect_to=reverse("bom:ecn_detail", args=[ecn.pk]),
    )


@module_required(MODULE, action=APPROVE_ECN, methods=POST)
def ecn_approve(request, pk):
    get_object_or_404(Ecn, pk=pk)
    return run_action(
        request,
        lambda: services.ecn_approve(ecn_id=pk, user=request.user),
        success=_("ECN approved: the new BOM version is in force from the effective date."),
        redirect_to=reverse("bom:ecn_detail", args=[pk]),
    )


@module_required(MODULE, action=CHANGE_ECN, methods=POST)
def ecn_cancel(request, pk):
    get_object_or_404(Ecn, pk=pk)
    return run_action(
        request,
        lambda: services.ecn_cancel(ecn_id=pk, user=request.user),
        success=_("ECN cancelled."),
        redirect_to=reverse("bom:ecn_detail", args=[pk]),
    )


@module_required(MODULE)
def ecn_impact(request, pk):
    get_object_or_404(Ecn, pk=pk)
    ecn = selectors.ecn_with_lines(pk)
    ctx = {"ecn": ecn, "impact": selectors.ecn_impact(ecn)}
    return _page(
        request,
        "bom/ecn_impact.html",
        _("Impact of %(ecn)s") % {"ecn": ecn},
        ctx,
        [(_("Engineering changes"), reverse("bom:ecn_list")), (str(ecn), ecn.get_absolute_url())],
    )
