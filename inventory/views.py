"""Warehouse pages: master data, documents (OT/OX/TR/SC), inquiries, dead stock, data import.

Thin: writes go through inventory.services, reads through inventory.selectors.
"""

import io
import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.audit import history_for
from erp.errors import DomainError
from erp.exchange import ImportFailed, import_files, read_upload
from erp.fields import ZERO, fmt_decimal
from erp.permissions import module_required
from erp.views import CreatePage, ListPage, UpdatePage, run_action

from . import forms, selectors, tables
from .engine.deadstock import bucket_labels
from .models import (
    Item,
    OtherIssue,
    OtherReceipt,
    StockCount,
    StockCountStatus,
    StockDocStatus,
    Supplier,
    Transfer,
    Warehouse,
)
from .services import counts, documents, masterdata

MODULE = "warehouse"


def _page(request, template, title, ctx, crumbs=()):
    ctx.update({"title": title, "breadcrumbs": [*crumbs, (title, None)]})
    return render(request, template, ctx)


# --- master data ---------------------------------------------------------------------------


class InvListPage(ListPage):
    pass


class ItemList(InvListPage):
    module = MODULE
    title = gettext_lazy("Items")
    table_class = tables.ItemTable
    filterset_class = tables.ItemFilter
    create_url_name = "inventory:item_create"
    create_label = gettext_lazy("New item")

    def get_queryset(self):
        return Item.objects.select_related("uom", "category", "default_supplier").order_by("code")


@module_required(MODULE)
def item_detail(request, pk):
    item = get_object_or_404(
        Item.objects.select_related("uom", "purchase_uom", "category", "default_supplier", "default_warehouse"), pk=pk
    )
    balances = list(item.balances.select_related("warehouse").exclude(qty=0, value=0).order_by("warehouse__code"))
    moves = list(item.moves.select_related("warehouse").order_by("-move_date", "-id")[:20])
    conversions = list(item.conversions.select_related("from_uom", "to_uom"))
    return _page(
        request,
        "inventory/item_detail.html",
        str(item),
        {
            "item": item,
            "balances": balances,
            "total_qty": sum((b.qty for b in balances), ZERO),
            "total_value": sum((b.value for b in balances), ZERO),
            "moves": moves,
            "conversions": conversions,
            "history": history_for(item),
        },
        [(_("Items"), reverse("inventory:item_list"))],
    )


class ItemCreate(CreatePage):
    module = MODULE
    title = gettext_lazy("New item")
    form_class = forms.ItemForm
    permission_required = "inventory.add_item"

    def form_valid(self, form):
        masterdata.item_save(instance=form.instance, user=self.request.user)
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("inventory:item_list")


class ItemEdit(UpdatePage):
    module = MODULE
    title = gettext_lazy("Edit item")
    form_class = forms.ItemForm
    model = Item
    permission_required = "inventory.change_item"

    def get_success_url(self):
        return reverse("inventory:item_list")


class WarehouseList(InvListPage):
    module = MODULE
    title = gettext_lazy("Warehouses")
    table_class = tables.WarehouseTable
    filterset_class = tables.WarehouseFilter
    create_url_name = "inventory:warehouse_create"
    create_label = gettext_lazy("New warehouse")

    def get_queryset(self):
        return Warehouse.objects.select_related("parent", "supplier").order_by("tree_id", "lft")


class WarehouseCreate(CreatePage):
    module = MODULE
    title = gettext_lazy("New warehouse")
    form_class = forms.WarehouseForm
    permission_required = "inventory.add_warehouse"

    def form_valid(self, form):
        masterdata.warehouse_save(instance=form.instance, user=self.request.user)
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("inventory:warehouse_list")


class WarehouseEdit(UpdatePage):
    module = MODULE
    title = gettext_lazy("Edit warehouse")
    form_class = forms.WarehouseForm
    model = Warehouse
    permission_required = "inventory.change_warehouse"

    def form_valid(self, form):
        masterdata.warehouse_save(instance=form.instance, user=self.request.user)
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("inventory:warehouse_list")


class SupplierList(InvListPage):
    """Suppliers live in inventory (procurement adds price lists and performance); shown under Purchasing."""

    module = "purchasing"
    title = gettext_lazy("Suppliers")
    table_class = tables.SupplierTable
    filterset_class = tables.SupplierFilter
    create_url_name = "inventory:supplier_create"
    create_label = gettext_lazy("New supplier")

    def get_queryset(self):
        return Supplier.objects.select_related("subcontractor_location").order_by("code")


class SupplierCreate(CreatePage):
    module = "purchasing"
    title = gettext_lazy("New supplier")
    form_class = forms.SupplierForm
    permission_required = "inventory.add_supplier"

    def get_success_url(self):
        return reverse("inventory:supplier_list")


class SupplierEdit(UpdatePage):
    module = "purchasing"
    title = gettext_lazy("Edit supplier")
    form_class = forms.SupplierForm
    model = Supplier
    permission_required = "inventory.change_supplier"

    def get_success_url(self):
        return reverse("inventory:supplier_list")


# --- inquiries -----------------------------------------------------------------------------


class OnHandList(InvListPage):
    module = MODULE
    title = gettext_lazy("Stock on hand")
    table_class = tables.OnHandTable
    filterset_class = tables.OnHandFilter
    paginate_by = 50

    def get_queryset(self):
        return selectors.on_hand_queryset()

    def get_context_data(self, **kwargs):
        from django.db.models import Sum

        ctx = super().get_context_data(**kwargs)
        totals = self.object_list.aggregate(q=Sum("qty"), v=Sum("value")) if self.object_list is not None else {}
        ctx["totals"] = totals
        return ctx

    template_name = "inventory/onhand.html"


class LedgerList(InvListPage):
    module = MODULE
    title = gettext_lazy("Item ledger")
    table_class = tables.LedgerTable
    filterset_class = tables.LedgerFilter
    paginate_by = 50

    def get_queryset(self):
        return selectors.item_ledger_queryset()


@module_required(MODULE)
def value_by_category(request):
    wh = request.GET.get("warehouse") or ""
    rows = selectors.value_by_category(warehouse_ids=[int(wh)] if wh.isdigit() else None)
    if request.GET.get("_export") == "xlsx":
        return _xlsx(
            _("Inventory value by category"),
            [_("Category"), _("Items"), _("Value (incl. subcategories)"), _("Own value")],
            [[str(r["category"] or _("(no category)")), r["items"], r["value"], r["own"]] for r in rows],
            "value-by-category",
        )
    chart = [
        {"label": str(r["category"] or _("(no category)")), "value": r["value"]}
        for r in rows
        if r["level"] == 0 and r["value"]
    ]
    total = sum((r["value"] for r in rows if r["level"] == 0), ZERO)
    return _page(
        request,
        "inventory/value_by_category.html",
        _("Inventory value by category"),
        {"rows": rows, "chart": chart, "total": total, "warehouses": Warehouse.objects.order_by("code"), "wh": wh},
    )


def _xlsx(title, header, rows, slug="export"):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = str(title)[:31]
    ws.append([str(h) for h in header])
    for r in rows:
        ws.append([v if not isinstance(v, Decimal) else v for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{slug}-{timezone.localdate():%Y%m%d}.xlsx"
    return resp


@module_required(MODULE)
def dead_stock(request):
    data = request.GET.copy()
    if data:
        data.setdefault("buckets", "30,60,90,180,365")
        data.setdefault("idle_days", "90")
    form = forms.DeadStockForm(data or None)
    params = {"as_of": timezone.localdate(), "idle_threshold": 90, "criterion": "no_issue", "bounds": None}
    rows = []
    if form.is_valid() or not request.GET:
        cd = form.cleaned_data if request.GET else {}
        params = {
            "as_of": cd.get("as_of") or timezone.localdate(),
            "idle_threshold": cd.get("idle_days") or 90,
            "criterion": cd.get("criterion") or "no_issue",
            "warehouse_ids": [cd["warehouse"].pk] if cd.get("warehouse") else None,
            "category_ids": [cd["category"].pk] if cd.get("category") else None,
            "include_zero": bool(cd.get("include_zero")),
            "only_dead": bool(cd.get("only_dead")),
            "bounds": cd.get("buckets") or None,
        }
        rows = selectors.dead_stock(**params)
    labels = bucket_labels(tuple(params["bounds"] or (30, 60, 90, 180, 365)))
    totals = [sum((r["result"].bucket_value[n] for r in rows), ZERO) for n in range(len(labels))]
    if request.GET.get("_export") == "xlsx":
        header = [
            _("Item number"), _("Item name"), _("Warehouse"), _("On hand"), _("Unit cost"), _("Value"), _("Last receipt"),
            _("Last issue"), _("Idle days"),
            *[_("%(bucket)s qty") % {"bucket": lb} for lb in labels],
            *[_("%(bucket)s value") % {"bucket": lb} for lb in labels],
            _("Dead"), _("Hints"),
        ]  # fmt: skip
        data = [
            [
                r["item"].code,
                r["item"].name,
                r["warehouse"].code,
                r["result"].on_hand,
                r["result"].unit_cost.quantize(Decimal("0.000001")),
                r["result"].value,
                r["result"].last_receipt,
                r["result"].last_issue,
                r["result"].idle_days,
                *r["result"].bucket_qty,
                *r["result"].bucket_value,
                _("yes") if r["result"].dead else _("no"),
                "; ".join(r["hints"]),
            ]  # fmt: skip
            for r in rows
        ]
        return _xlsx(_("Dead stock"), header, data, "dead-stock")
    chart = [{"label": lb, "value": v, "display": f"{v:,.2f}"} for lb, v in zip(labels, totals, strict=True)]
    page_obj = Paginator(rows, 50).get_page(request.GET.get("page"))  # totals and chart cover all rows
    return _page(
        request,
        "inventory/dead_stock.html",
        _("Dead stock"),
        {
            "form": form,
            "rows": rows,
            "page_obj": page_obj,
            "labels": labels,
            "chart": chart,
            "totals": totals,
            "dead_value": sum((r["result"].value for r in rows if r["result"].dead), ZERO),
            "params": params,
        },
    )


# --- documents -----------------------------------------------------------------------------

DOCS = {
    "other_receipt": {
        "model": OtherReceipt,
        "title": gettext_lazy("Other receipts"),
        "new": gettext_lazy("New other receipt"),
        "one": gettext_lazy("Other receipt"),
        "table": tables.OtherReceiptTable,
        "filter": tables.OtherReceiptFilter,
        "form": forms.WarehouseDocForm,
        "formset": forms.ReceiptLineFormSet,
        "confirm": documents.other_receipt_confirm,
        "cancel": documents.other_receipt_cancel,
        "related": ["warehouse"],
    },
    "other_issue": {
        "model": OtherIssue,
        "title": gettext_lazy("Other issues"),
        "new": gettext_lazy("New other issue"),
        "one": gettext_lazy("Other issue"),
        "table": tables.OtherIssueTable,
        "filter": tables.OtherIssueFilter,
        "form": forms.WarehouseDocForm,
        "formset": forms.LineFormSet,
        "confirm": documents.other_issue_confirm,
        "cancel": documents.other_issue_cancel,
        "related": ["warehouse"],
    },
    "transfer": {
        "model": Transfer,
        "title": gettext_lazy("Transfers"),
        "new": gettext_lazy("New transfer"),
        "one": gettext_lazy("Transfer"),
        "table": tables.TransferTable,
        "filter": tables.TransferFilter,
        "form": forms.TransferForm,
        "formset": forms.LineFormSet,
        "confirm": documents.transfer_confirm,
        "cancel": documents.transfer_cancel,
        "related": ["from_warehouse", "to_warehouse"],
    },
    "stock_count": {
        "model": StockCount,
        "title": gettext_lazy("Stock counts"),
        "new": gettext_lazy("New stock count"),
        "one": gettext_lazy("Stock count"),
        "table": tables.StockCountTable,
        "filter": tables.StockCountFilter,
        "form": forms.StockCountForm,
        "formset": None,
        "confirm": counts.stock_count_confirm,
        "cancel": counts.stock_count_cancel,
        "related": ["warehouse"],
    },
}


def doc_list_view(kind):
    cfg = DOCS[kind]

    class DocList(InvListPage):
        module = MODULE
        title = cfg["title"]
        table_class = cfg["table"]
        filterset_class = cfg["filter"]
        create_url_name = f"inventory:{kind}_create"
        create_label = cfg["new"]

        def get_queryset(self):
            return (
                cfg["model"]
                .objects.select_related(*cfg["related"])
                .annotate(line_count=Count("lines"))
                .order_by("-doc_date", "-number")
            )

    DocList.__name__ = f"{cfg['model'].__name__}List"
    return DocList.as_view()


def _create(request, kind):
    cfg = DOCS[kind]
    form = cfg["form"](request.POST or None)
    formset = cfg["formset"](request.POST or None, prefix="lines") if cfg["formset"] else None
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        cd = form.cleaned_data
        lines = (
            [
                documents.LineInput(f.cleaned_data["item_id"], f.cleaned_data["qty"], f.cleaned_data.get("unit_cost"))
                for f in formset.forms
                if f.cleaned_data.get("item_id")
            ]
            if formset
            else []
        )
        try:
            if kind == "other_receipt":
                doc = documents.other_receipt_create(
                    warehouse_id=cd["warehouse"].pk,
                    lines=lines,
                    doc_date=cd["doc_date"],
                    reason=cd["reason"],
                    note=cd["note"],
                    user=request.user,
                )
            elif kind == "other_issue":
                doc = documents.other_issue_create(
                    warehouse_id=cd["warehouse"].pk,
                    lines=lines,
                    doc_date=cd["doc_date"],
                    reason=cd["reason"],
                    note=cd["note"],
                    user=request.user,
                )
            elif kind == "transfer":
                doc = documents.transfer_create(
                    from_warehouse_id=cd["from_warehouse"].pk,
                    to_warehouse_id=cd["to_warehouse"].pk,
                    lines=lines,
                    doc_date=cd["doc_date"],
                    note=cd["note"],
                    user=request.user,
                )
            else:
                doc = counts.stock_count_open(
                    warehouse_id=cd["warehouse"].pk,
                    item_ids=cd["items"],
                    doc_date=cd["doc_date"],
                    note=cd["note"],
                    user=request.user,
                )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(doc)s saved.") % {"doc": doc})
            return redirect(f"inventory:{kind}_detail", doc.pk)
    return _page(
        request,
        "inventory/doc_form.html",
        str(cfg["new"]),
        {"form": form, "formset": formset},
        [(cfg["title"], reverse(f"inventory:{kind}_list"))],
    )


def _load(kind, pk):
    cfg = DOCS[kind]
    qs = cfg["model"].objects.select_related(*cfg["related"], "created_by", "confirmed_by")
    doc = get_object_or_404(qs, pk=pk)
    lines = list(doc.lines.select_related("item", "item__uom"))
    return doc, lines


def _detail(request, kind, pk, *, template="inventory/doc_detail.html"):
    cfg = DOCS[kind]
    doc, lines = _load(kind, pk)
    ctx = {
        "doc": doc,
        "kind": kind,
        "lines": lines,
        "total": sum((getattr(ln, "amount", None) or getattr(ln, "diff_value", ZERO) for ln in lines), ZERO),
        "can_confirm": doc.status in (StockDocStatus.DRAFT, StockCountStatus.OPEN),
        "can_cancel": doc.status != StockDocStatus.CANCELLED,
        "one": cfg["one"],
        "company": __import__("erp.models", fromlist=["CompanySettings"]).CompanySettings.get(),
    }
    if kind == "stock_count" and doc.status == StockCountStatus.OPEN:
        ctx["entry"] = forms.CountEntryForm(lines=lines)
    if template.endswith("doc_detail.html"):
        ctx["history"] = history_for(doc)
    return _page(
        request, template, f"{cfg['one']} {doc.number}", ctx, [(cfg["title"], reverse(f"inventory:{kind}_list"))]
    )


def _action(request, kind, pk, action):
    cfg = DOCS[kind]
    perm = f"inventory.change_{cfg['model']._meta.model_name}"
    if not request.user.has_perm(perm):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    fn = cfg[action]
    msg = _("Confirmed and posted.") if action == "confirm" else _("Cancelled.")
    return run_action(
        request,
        lambda: fn(doc_id=pk, user=request.user),
        success=msg,
        redirect_to=reverse(f"inventory:{kind}_detail", args=[pk]),
    )


def doc_views(kind):
    @module_required(MODULE, f"inventory.add_{DOCS[kind]['model']._meta.model_name}")
    def create(request):
        return _create(request, kind)

    @module_required(MODULE)
    def detail(request, pk):
        return _detail(request, kind, pk)

    @module_required(MODULE)
    def print_view(request, pk):
        return _detail(request, kind, pk, template="inventory/doc_print.html")

    @module_required(MODULE)
    def confirm(request, pk):
        return _action(request, kind, pk, "confirm")

    @module_required(MODULE)
    def cancel(request, pk):
        return _action(request, kind, pk, "cancel")

    return create, detail, print_view, confirm, cancel


@module_required(MODULE, "inventory.change_stockcount")
def stock_count_enter(request, pk):
    if request.method != "POST":
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["POST"])
    doc, lines = _load("stock_count", pk)
    form = forms.CountEntryForm(request.POST, lines=lines)
    if not form.is_valid():
        messages.error(request, _("Counted quantities must be numbers ≥ 0."))
        return redirect("inventory:stock_count_detail", pk)
    counted = {ln.pk: form.cleaned_data.get(f"line_{ln.pk}") for ln in lines}
    return run_action(
        request,
        lambda: counts.stock_count_enter(doc_id=pk, counted=counted, user=request.user),
        success=_("Counted quantities saved."),
        redirect_to=reverse("inventory:stock_count_detail", args=[pk]),
    )


# --- data import -----------------------------------------------------------------------------


_UPLOADS = "inventory_import_uploads"


def _upload_dir():
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_keep(request, name: str, data: bytes) -> str:
    """Keep the previewed upload on the server (not in the page) until it is confirmed."""
    token = uuid.uuid4().hex
    (_upload_dir() / token).write_bytes(data)
    uploads = request.session.get(_UPLOADS, {})
    uploads[token] = name
    request.session[_UPLOADS] = uploads
    return token


def _upload_load(request, token: str):
    name = request.session.get(_UPLOADS, {}).get(token)  # only the session that uploaded it
    path = _upload_dir() / token
    if not name or not token.isalnum() or not path.exists():
        return None, None
    return name, path.read_bytes()


def _upload_drop(request, token: str) -> None:
    uploads = request.session.get(_UPLOADS, {})
    uploads.pop(token, None)
    request.session[_UPLOADS] = uploads
    if token.isalnum():
        (_upload_dir() / token).unlink(missing_ok=True)


@module_required("system")
def data_import(request):
    """Upload a .zip of CSVs or an .xlsx workbook: preview (dry run with row errors), then import."""
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    ctx = {"form": form, "report": None, "errors": [], "token": ""}
    if request.method == "POST":
        name, data = None, None
        if request.POST.get("token") and request.POST.get("confirm"):
            name, data = _upload_load(request, request.POST["token"])
            if data is None:
                ctx["errors"] = [_("The previewed file has expired: upload it again.")]
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            name, data = upload.name, upload.read()
        if data is not None:
            confirm = bool(request.POST.get("confirm"))
            try:
                files = read_upload(name, data)
                if not files:
                    raise DomainError(_("No known file or sheet found (items.csv, stock.csv …)."))
                report = import_files(files, user=request.user, dry_run=not confirm)
            except ImportFailed as exc:
                ctx["errors"] = exc.errors
            except DomainError as exc:
                ctx["errors"] = [str(exc)]
            else:
                if confirm:
                    _upload_drop(request, request.POST["token"])
                    messages.success(request, _("Import finished."))
                    ctx["done"] = True
                else:
                    ctx["token"] = _upload_keep(request, name, data)
                    ctx["filename"] = name
                    ctx["previews"] = {fname: rows[:10] for fname, rows in files.items()}
                ctx["report"] = report
    return _page(request, "inventory/import.html", _("Data import"), ctx)


def _fmt(v):
    return fmt_decimal(v) if isinstance(v, Decimal) else v
