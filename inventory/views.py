"""Warehouse pages: master data, documents (OT/OX/TR/SC), inquiries, dead stock, data import.

Thin: writes go through inventory.services, reads through inventory.selectors.
"""

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError as InputError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.audit import history_for
from erp.dbrouter import reporting_view
from erp.errors import DomainError
from erp.exchange import ImportFailed, import_files, read_upload
from erp.exports import export_filename, xlsx_response
from erp.fields import fmt_decimal
from erp.input import errors_text, parse_int
from erp.models import CompanySettings
from erp.permissions import module_required
from erp.views import CountedPaginator, CreatePage, ListPage, UpdatePage, run_action

from . import forms, selectors, tables
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


class ServiceSave:
    """Create/update pages whose model is written by a service (`save_with(instance=, user=)`):
    one save, one audit row (the generic page would save the form a second time)."""

    save_with = None

    def form_valid(self, form):
        self.object = self.save_with(instance=form.instance, user=self.request.user)
        message = self.get_success_message(form.cleaned_data)
        if message:
            messages.success(self.request, message)
        return redirect(self.get_success_url())


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
        Item.objects.select_related(
            "uom", "purchase_uom", "category", "default_supplier", "default_warehouse", "planner"
        ),
        pk=pk,
    )
    return _page(
        request,
        "inventory/item_detail.html",
        str(item),
        {"item": item, **selectors.item_stock_overview(item), "history": history_for(item)},
        [(_("Items"), reverse("inventory:item_list"))],
    )


class ItemCreate(ServiceSave, CreatePage):
    module = MODULE
    title = gettext_lazy("New item")
    form_class = forms.ItemForm
    permission_required = "inventory.add_item"
    save_with = staticmethod(masterdata.item_save)

    def get_success_url(self):
        return reverse("inventory:item_list")


class ItemEdit(ServiceSave, UpdatePage):
    module = MODULE
    title = gettext_lazy("Edit item")
    form_class = forms.ItemForm
    model = Item
    permission_required = "inventory.change_item"
    save_with = staticmethod(masterdata.item_save)

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


class WarehouseCreate(ServiceSave, CreatePage):
    module = MODULE
    title = gettext_lazy("New warehouse")
    form_class = forms.WarehouseForm
    permission_required = "inventory.add_warehouse"
    save_with = staticmethod(masterdata.warehouse_save)

    def get_success_url(self):
        return reverse("inventory:warehouse_list")


class WarehouseEdit(ServiceSave, UpdatePage):
    module = MODULE
    title = gettext_lazy("Edit warehouse")
    form_class = forms.WarehouseForm
    model = Warehouse
    permission_required = "inventory.change_warehouse"
    save_with = staticmethod(masterdata.warehouse_save)

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

    def get_table_pagination(self, table):
        # the rows are counted together with their totals: one scan of the balances, not two
        self.totals = selectors.on_hand_totals(self.object_list) if self.object_list is not None else {}
        if "n" not in self.totals:
            return super().get_table_pagination(table)
        return {**super().get_table_pagination(table), "paginator_class": CountedPaginator, "count": self.totals["n"]}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if not hasattr(self, "totals"):  # no table built (the page's table is always paginated)
            self.totals = selectors.on_hand_totals(self.object_list) if self.object_list is not None else {}
        ctx["totals"] = self.totals
        return ctx

    template_name = "inventory/onhand.html"


class LedgerList(InvListPage):
    """Filtered to one item: its moves with the running balance per warehouse, counted pages.
    Otherwise every move newest first in keyset pages, without balance columns or a total count
    (docs/inventory.md, "Item ledger")."""

    module = MODULE
    title = gettext_lazy("Item ledger")
    table_class = tables.LedgerTable
    filterset_class = tables.LedgerFilter
    template_name = "inventory/ledger.html"
    paginate_by = 50
    RUNNING = ("running_qty", "running_value")

    def one_item(self) -> bool:
        return bool((self.request.GET.get("item") or "").strip())

    def get_queryset(self):
        return selectors.item_ledger_queryset(running=self.one_item())

    def get_table_kwargs(self):
        return {} if self.one_item() else {"exclude": self.RUNNING}

    def get_table_pagination(self, table):
        return super().get_table_pagination(table) if self.one_item() else False

    def get_table_data(self):
        data = super().get_table_data()
        if self.one_item() or self.request.GET.get("_export"):
            return data  # the export streams the whole filtered list
        from erp.keyset import keyset_page

        self.keyset = keyset_page(data, self.request.GET, key="move_date", per_page=self.paginate_by)
        return self.keyset.rows

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["keyset"] = getattr(self, "keyset", None)
        return ctx


def _id_param(request, name: str, label) -> int | None:
    """An id from the query string: a bad one (`abc`, `1e3`, 40 digits) is a warning, not a 500."""
    raw = request.GET.get(name) or ""
    if not raw:
        return None
    try:
        return parse_int(raw, label=str(label), min_value=1)
    except InputError as exc:
        messages.warning(request, errors_text(exc))
        return None


@module_required(MODULE)
@reporting_view
def value_by_category(request):
    wh_id = _id_param(request, "warehouse", _("Warehouse"))
    wh = str(wh_id) if wh_id else ""
    report = selectors.value_by_category_report(warehouse_ids=[wh_id] if wh_id else None)
    if request.GET.get("_export") == "xlsx":
        return _xlsx(
            _("Inventory value by category"),
            [_("Category"), _("Items"), _("Value (incl. subcategories)"), _("Own value")],
            report["export"],
            "value-by-category",
        )
    return _page(
        request,
        "inventory/value_by_category.html",
        _("Inventory value by category"),
        {**report, "warehouses": Warehouse.objects.order_by("code"), "wh": wh},
    )


def _xlsx(title, header, rows, slug="export"):
    """A typed xlsx download (erp.exports): numbers, dates, formula-like text kept as text."""
    return xlsx_response(export_filename(slug), header, rows, sheet_title=str(title))


@module_required(MODULE)
@reporting_view
def dead_stock(request):
    """呆滞料查询表: the form's parameters, one selector call (a page, or every row for the export)."""
    data = request.GET.copy()
    if data:
        data.setdefault("buckets", "30,60,90,180,365")
        data.setdefault("idle_days", "90")
    form = forms.DeadStockForm(data or None)
    params = {"as_of": timezone.localdate(), "idle_threshold": 90, "criterion": "no_issue", "bounds": None}
    valid = form.is_valid() or not request.GET
    if valid and request.GET:
        cd = form.cleaned_data
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
    export = request.GET.get("_export") == "xlsx"
    if valid:
        report = selectors.dead_stock_report(**params, page=None if export else request.GET.get("page") or 1)
    else:
        report = selectors.DeadStockReport.empty(params["bounds"])
    if export:
        header, rows = selectors.dead_stock_export(report)
        return _xlsx(_("Dead stock"), header, rows, "dead-stock")
    return _page(
        request,
        "inventory/dead_stock.html",
        _("Dead stock"),
        {
            "form": form,
            "report": report,
            "page_obj": report.page_obj,
            "dead_value": report.dead_value,
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
        "formset": None,  # entered in the line grid (views_entry)
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
        "formset": None,  # entered in the line grid (views_entry)
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
        "formset": None,  # entered in the line grid (views_entry)
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


def _perm(kind: str, verb: str) -> str:
    """`inventory.add_otherreceipt`, `inventory.change_stockcount` …"""
    return f"inventory.{verb}_{DOCS[kind]['model']._meta.model_name}"


# What an empty document list tells the user to do next (issue 18).
DOC_EMPTY_TEXT = {
    "other_receipt": gettext_lazy("No other receipts: record stock that arrives without a purchase order here."),
    "other_issue": gettext_lazy("No other issues: record stock that leaves without a sales order or picking here."),
    "transfer": gettext_lazy("No transfers yet: move stock between warehouses with a new transfer."),
    "stock_count": gettext_lazy(
        "No stock counts yet: start one for a warehouse, enter the counted quantities, confirm."
    ),
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
        empty_text = DOC_EMPTY_TEXT.get(kind)

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
    data = request.POST if request.method == "POST" else None
    form = cfg["form"](data)
    formset = cfg["formset"](data, prefix="lines") if cfg["formset"] else None
    if data is not None and form.is_valid() and (formset is None or formset.is_valid()):
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
    list_url = reverse(f"inventory:{kind}_list")
    return _page(
        request,
        "inventory/doc_form.html",
        str(cfg["new"]),
        {"form": form, "formset": formset, "back_url": list_url},
        [(cfg["title"], list_url)],
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
    may_act = request.user.has_perm(_perm(kind, "change"))
    ctx = {
        "doc": doc,
        "kind": kind,
        "lines": lines,
        "total": selectors.document_total(lines),
        "can_confirm": may_act and doc.status in (StockDocStatus.DRAFT, StockCountStatus.OPEN),
        "can_cancel": may_act and doc.status != StockDocStatus.CANCELLED,
        "can_edit": may_act and doc.status == StockDocStatus.DRAFT,
        "can_copy": request.user.has_perm(_perm(kind, "add")),
        "one": cfg["one"],
        "company": CompanySettings.get(),
    }
    if kind == "stock_count" and doc.status == StockCountStatus.OPEN and may_act:
        ctx["entry"] = True
    if template.endswith("doc_detail.html"):
        ctx["history"] = history_for(doc)
    return _page(
        request, template, f"{cfg['one']} {doc.number}", ctx, [(cfg["title"], reverse(f"inventory:{kind}_list"))]
    )


def _action(request, kind, pk, action):
    cfg = DOCS[kind]
    doc = get_object_or_404(cfg["model"], pk=pk)
    fn = cfg[action]
    msg = _("Confirmed and posted.") if action == "confirm" else _("Cancelled.")
    return run_action(
        request,
        lambda: fn(doc_id=doc.pk, user=request.user),
        success=msg,
        redirect_to=reverse(f"inventory:{kind}_detail", args=[doc.pk]),
    )


POST = ("POST",)


def doc_views(kind):
    """Create (form page: the add permission for GET and POST), detail (read; the print and PDF
    views are in views_print), confirm and cancel (POST only, the change permission: the warehouse
    clerk, never the cost accountant)."""
    add, change = _perm(kind, "add"), _perm(kind, "change")

    @module_required(MODULE, add, action=add)
    def create(request):
        return _create(request, kind)

    @module_required(MODULE)
    def detail(request, pk):
        return _detail(request, kind, pk)

    @module_required(MODULE, action=change, methods=POST)
    def confirm(request, pk):
        return _action(request, kind, pk, "confirm")

    @module_required(MODULE, action=change, methods=POST)
    def cancel(request, pk):
        return _action(request, kind, pk, "cancel")

    return create, detail, confirm, cancel


_COUNT_KEY = re.compile(r"^(?:line|was)_(.+)$")


@module_required(MODULE, action="inventory.change_stockcount", methods=POST)
def stock_count_enter(request, pk):
    """Save the counted quantities the user changed on the page (`line_<id>` differs from the
    shown `was_<id>`), each only if nobody else saved that line meanwhile; a conflict is shown,
    not overwritten. Without `was_<id>` (a client that did not open the page) the value is written
    as given. A line of another count is a 404."""
    doc, lines = _load("stock_count", pk)
    back = reverse("inventory:stock_count_detail", args=[doc.pk])
    own = {str(ln.pk) for ln in lines}
    for key in request.POST:
        match = _COUNT_KEY.match(key)
        if match and match.group(1) not in own:
            raise Http404(_("This line does not belong to %(doc)s.") % {"doc": doc})
    form = forms.CountEntryForm(request.POST, lines=lines)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in dict.fromkeys(errors):
                messages.error(request, error)
        return redirect(back)
    counted, expected = {}, {}
    for ln in lines:
        if f"line_{ln.pk}" not in request.POST:
            continue
        value = form.cleaned_data[f"line_{ln.pk}"]
        if f"was_{ln.pk}" in request.POST:
            shown = form.cleaned_data[f"was_{ln.pk}"]
            if value == shown:
                continue  # not changed on this page: never written
            expected[ln.pk] = shown
        counted[ln.pk] = value
    if not counted:
        messages.info(request, _("No counted quantity was changed."))
        return redirect(back)
    try:
        result = counts.stock_count_enter(doc_id=doc.pk, counted=counted, expected=expected, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    for ln, yours in result.conflicts:
        messages.warning(
            request,
            _(
                "%(item)s: someone else saved the counted quantity %(theirs)s meanwhile; your %(yours)s was not "
                "saved. Check the line and enter it again if needed."
            )
            % {
                "item": ln.item,
                "theirs": "-" if ln.counted_qty is None else fmt_decimal(ln.counted_qty, 6),
                "yours": "-" if yours is None else fmt_decimal(yours, 6),
            },
        )
    if result.saved:
        messages.success(request, _("Counted quantities saved: %(n)s line(s).") % {"n": len(result.saved)})
    return redirect(back)


# --- data import -----------------------------------------------------------------------------


_UPLOADS = "inventory_import_uploads"


def _upload_keep(request, name: str, source) -> str:
    """Keep the previewed upload on the server (not in the page) until it is confirmed; the token
    belongs to this session only. Unconfirmed previews expire (erp.exchange.uploads)."""
    from erp.exchange import uploads

    token = uploads.keep(source, token=uuid.uuid4().hex)
    kept = request.session.get(_UPLOADS, {})
    kept[token] = name
    request.session[_UPLOADS] = kept
    return token


def _upload_load(request, token: str):
    """The previewed file of this session's `token`, claimed for one import (None when expired)."""
    from erp.exchange import uploads

    name = request.session.get(_UPLOADS, {}).get(token)  # only the session that uploaded it
    path = uploads.claim(token) if name else None
    return (name, path) if path is not None else (None, None)


def _upload_drop(request, token: str) -> None:
    from erp.exchange import uploads

    kept = request.session.get(_UPLOADS, {})
    kept.pop(token, None)
    request.session[_UPLOADS] = kept
    uploads.drop(token)


@module_required("system", "inventory.add_item", action="inventory.add_item")
def data_import(request):
    """Upload a .zip of CSVs or an .xlsx workbook: preview (dry run with row errors), then import.

    The upload's size is checked before it is read (IMPORT_MAX_BYTES); encoding, binary content
    and every bad cell are messages naming the file (and line and column), never a 500."""
    from erp.exchange import check_size, upload_hint
    from erp.uploads import refused_upload

    confirm = request.method == "POST" and bool(request.POST.get("token") and request.POST.get("confirm"))
    form = forms.ImportForm(request.POST or None, request.FILES or None) if not confirm else forms.ImportForm()
    ctx = {"form": form, "report": None, "errors": [], "token": ""}
    refused = refused_upload(request) if request.method == "POST" else None
    if refused:
        try:
            check_size(refused[0] or _("The upload"), refused[1], limit=settings.IMPORT_MAX_BYTES)
        except ImportFailed as exc:
            ctx["errors"] = exc.errors
    elif request.method == "POST":
        name, source = None, None
        if confirm:
            name, path = _upload_load(request, request.POST["token"])
            if path is None:
                ctx["errors"] = [_("The previewed file has expired: upload it again.")]
            else:
                source = path
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                check_size(upload.name, upload.size, limit=settings.IMPORT_MAX_BYTES)  # before a byte is read
            except ImportFailed as exc:
                ctx["errors"] = exc.errors
            else:
                name, source = upload.name, upload
        if source is not None:
            try:
                if isinstance(source, Path):
                    try:
                        with open(source, "rb") as fh:
                            files = read_upload(name, fh)
                    finally:
                        _upload_drop(request, request.POST["token"])  # one import per preview
                else:
                    files = read_upload(name, source.file)
                if not files:
                    raise DomainError(_("No known file or sheet found (items.csv, stock.csv …)."))
                report = import_files(files, user=request.user, dry_run=not confirm)
            except ImportFailed as exc:
                ctx["errors"] = exc.errors
            except DomainError as exc:
                ctx["errors"] = [str(exc)]
            else:
                if confirm:
                    messages.success(request, _("Import finished."))
                    ctx["done"] = True
                else:
                    ctx["token"] = _upload_keep(request, name, source)
                    ctx["filename"] = name
                    ctx["previews"] = {fname: rows[:10] for fname, rows in files.items()}
                ctx["report"] = report
    ctx["upload_hint"] = upload_hint()
    return _page(request, "inventory/import.html", _("Data import"), ctx)
