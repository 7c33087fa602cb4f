"""Kernel views and the page patterns later modules reuse.

List pattern: subclass `ListPage` with `table_class`, `filterset_class`, `module`.
Form pattern: subclass `FormPage` (create/update with inline errors, POST-redirect-GET).
Action pattern: `run_action(request, fn, success_msg, redirect_to)` for POST buttons that
call one service; a DomainError becomes an error message, never a 500.
"""

from django.contrib import messages
from django.contrib.messages.views import SuccessMessageMixin
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.generic import CreateView, UpdateView
from django_filters.views import FilterView
from django_tables2.export.views import ExportMixin
from django_tables2.views import SingleTableMixin

from .errors import DomainError
from .permissions import ModuleRequiredMixin, login_only


def _speed_up_tables2() -> None:
    """Two costs django-tables2 pays per cell, paid once instead:
    - `inspect.signature` of every `render_*`/`value_*`/link callable (~300 calls on a page of 25
      rows). The argument names of a plain function depend on its code object only, so they are
      remembered per code object (a fixed set: closures made per request share theirs); other
      callables are inspected as before.
    - `TemplateColumn` (and `DateColumn`, one per date cell) compiles its template code for every
      cell. The compiled template is kept per engine and code (a fixed set of class-level strings)."""
    import inspect

    from django.template import Engine, Template
    from django_tables2 import utils
    from django_tables2.columns import templatecolumn

    if getattr(utils.signature, "remembers", False):
        return
    inspect_signature = utils.signature
    signatures: dict[tuple, tuple] = {}

    def signature(fn):
        func = getattr(fn, "__func__", fn)
        if not inspect.isfunction(func) or hasattr(func, "__wrapped__") or hasattr(func, "__signature__"):
            return inspect_signature(fn)
        key = (func.__code__, func is not fn)
        if key not in signatures:
            signatures[key] = inspect_signature(fn)
        return signatures[key]

    compiled: dict[tuple, Template] = {}

    def template(code):
        key = (Engine.get_default(), code)
        if key not in compiled:
            compiled[key] = Template(code)
        return compiled[key]

    signature.remembers = True  # type: ignore[attr-defined]
    utils.signature = signature
    templatecolumn.Template = template  # the name TemplateColumn.render calls


_speed_up_tables2()


class PageMixin(ModuleRequiredMixin):
    """Title and breadcrumbs for the base layout."""

    title = ""
    breadcrumbs: list[tuple[str, str | None]] = []

    def get_title(self):
        return self.title

    def get_breadcrumbs(self):
        return list(self.breadcrumbs) + [(self.get_title(), None)]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.get_title()
        ctx["breadcrumbs"] = self.get_breadcrumbs()
        return ctx


class ListPaginator(Paginator):
    """The pages of a list table. A deep page of a queryset (from row DEEP_ROWS on) reads the
    primary keys of its rows first, then those rows only: the sort then walks an index or the
    bare table instead of joining every row before the page for the columns (page 200 of the
    sales orders: 11 ms → 2 ms on the load-test data). Same rows, one more query."""

    DEEP_ROWS = 1000

    def page(self, number):
        from django_tables2.rows import BoundRows

        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        qs = getattr(getattr(rows, "data", None), "data", None)
        if bottom < self.DEEP_ROWS or not isinstance(rows, BoundRows) or not _keys_first(qs):
            return self._get_page(rows[bottom:top], number, self)
        ids = list(qs.values_list("pk", flat=True)[bottom:top])
        by_pk = {obj.pk: obj for obj in qs.filter(pk__in=ids).order_by()}
        records = [by_pk[pk] for pk in ids if pk in by_pk]
        return self._get_page(BoundRows(data=records, table=rows.table, pinned_data=rows.pinned_data), number, self)


def _keys_first(qs) -> bool:
    """A plain queryset: its page can be read keys first (not a union, not DISTINCT, not sliced,
    no aggregate columns whose grouping the key query would change)."""
    from django.db.models import QuerySet

    if not isinstance(qs, QuerySet):
        return False
    q = qs.query
    return (
        not q.combinator
        and not q.distinct
        and q.low_mark == 0
        and q.high_mark is None
        and not any(getattr(a, "contains_aggregate", False) for a in q.annotations.values())
    )


class CountedPaginator(ListPaginator):
    """A paginator given its row count by the caller, who read it with something else over the
    same rows (e.g. a list's totals), so the rows are not counted a second time."""

    def __init__(self, object_list, per_page, *args, count: int, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count = count  # instead of the cached property's COUNT(*)


class ListPage(PageMixin, ExportMixin, SingleTableMixin, FilterView):
    """Sort, filter, paginate, export (`?_export=xlsx`)."""

    template_name = "erp/list.html"
    paginate_by = 25
    export_formats = ("xlsx", "csv")
    create_url_name: str | None = None
    create_label = gettext_lazy("New")

    def get_paginate_by(self, queryset):
        """The table paginates (django-tables2); the ListView's own pager is off, so the rows are
        counted once per page, not twice."""
        return None

    def get_table_pagination(self, table):
        return {"per_page": self.paginate_by, "paginator_class": ListPaginator} if self.paginate_by else False

    def get_export_filename(self, export_format):
        """`<list>-<date>.xlsx`: the list's title in the user's language and today's date."""
        from .exports import export_filename

        return export_filename(self.get_title(), export_format)

    def export_rows(self, table, columns):
        """(value, number_format) cells of every row of the filtered, sorted list, read in chunks
        from the database (a generator: a large export never sits in memory)."""
        from django.db.models import QuerySet
        from django_tables2.rows import BoundRow

        from .exports import export_value

        data = getattr(table.data, "data", table.data)
        if isinstance(data, QuerySet) and data._result_cache is None:
            records = data.iterator(chunk_size=2000)
        else:  # rows the view already loaded and annotated (progress, tracking …)
            records = iter(data)
        for record in records:
            row = BoundRow(record, table)
            cells = []
            for c in columns:
                try:
                    raw = c.accessor.resolve(record, quiet=True)
                except Exception:
                    raw = None
                cells.append(export_value(raw, row.get_cell_value(c.name)))
            yield cells

    def create_export(self, export_format):
        """Typed cells (erp.exports.export_value): numbers as numbers with their formats, dates as
        dates, plain text without HTML, yes/no in the user's language; formula-like text is written
        as text. Streamed, in xlsx and CSV."""
        from .exports import csv_response, xlsx_response

        table = self.get_table(**self.get_table_kwargs())
        columns = [
            c
            for c in table.columns
            if c.name not in (self.exclude_columns or ()) and c.column.exclude_from_export is False and c.visible
        ]
        headers = [str(c.header) for c in columns]
        rows = self.export_rows(table, columns)
        filename = self.get_export_filename(export_format)
        if export_format != "xlsx":
            return csv_response(filename, headers, rows, typed=True)
        return xlsx_response(filename, headers, rows, sheet_title=str(self.get_title()), typed=True)

    def get_table(self, **kwargs):
        """Cell links to pages the user may not open are shown as plain text (no dead ends)."""
        from .permissions import may_open

        table = super().get_table(**kwargs)
        user = self.request.user
        for bound in table.columns.iterall():
            link = getattr(bound, "link", None)
            if link is None:
                continue

            def guarded(compose=link.compose_url, **kw):
                url = compose(**kw)
                return url if url and may_open(user, url) else None

            link.compose_url = guarded
        from .numbers import format_table_numbers

        format_table_numbers(table, getattr(getattr(self, "object_list", None), "model", None))
        return table

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_url_name"] = self.create_url_name
        ctx["create_label"] = self.create_label
        return ctx


class FormPage(PageMixin, SuccessMessageMixin):
    template_name = "erp/form.html"
    success_message = gettext_lazy("Saved.")
    permission_verb = ""

    @classmethod
    def get_action_permission(cls):
        if cls.action_permission:
            return super().get_action_permission()
        model = getattr(cls, "model", None) or getattr(getattr(cls, "form_class", None), "_meta", None)
        model = getattr(model, "model", model)
        if model is None or not cls.permission_verb:
            return ()
        return (f"{model._meta.app_label}.{cls.permission_verb}_{model._meta.model_name}",)

    def get_form_class(self):
        if self.form_class is None and self.fields is not None:
            from django.forms import modelform_factory

            from .input import ModelForm

            return modelform_factory(self.model or self.get_queryset().model, form=ModelForm, fields=self.fields)
        return super().get_form_class()


class CreatePage(FormPage, CreateView):
    permission_verb = "add"


class UpdatePage(FormPage, UpdateView):
    permission_verb = "change"


def run_action(request, fn, *, success: str, redirect_to: str):
    """Call one service for a POST button; DomainError -> error message, nothing changed."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        fn()
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(redirect_to)


def document_action(model, service, *, id_kwarg: str, success, detail_url: str):
    """The POST view of one transition of a document (confirm, close, cancel …): 404 when the
    document does not exist, then `service(<id_kwarg>=pk, user=...)` through `run_action`, back
    to the document's page. Wrap it in `module_required(..., action=..., methods=("POST",))`."""

    def view(request, pk):
        get_object_or_404(model, pk=pk)
        return run_action(
            request,
            lambda: service(**{id_kwarg: pk}, user=request.user),
            success=success,
            redirect_to=reverse(detail_url, args=[pk]),
        )

    return view


def _portal_only(user) -> bool:
    """The user opens the supplier portal and no internal module (role 供应商)."""
    if user.is_superuser:
        return False
    modules = {p.split(".access_", 1)[1] for p in user.get_all_permissions() if p.startswith("erp.access_")}
    return modules == {"portal"}


@login_only
def dashboard(request):
    from .dashboard import dashboard_cards

    if _portal_only(request.user):  # supplier users: their own portal is their home
        return redirect("portal:home")
    return render(
        request,
        "erp/dashboard.html",
        {"title": _("Dashboard"), "cards": dashboard_cards(request.user), "breadcrumbs": []},
    )


@login_only
def notifications(request):
    qs = request.user.notifications.all()[:200]
    return render(
        request,
        "erp/notifications.html",
        {"title": _("Notifications"), "notifications": qs, "breadcrumbs": [(_("Notifications"), None)]},
    )


@login_only(methods=("POST",))
def notifications_mark_read(request):  # own notifications only; no permission beyond login
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the SVG icon."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("erp/favicon.svg"))


@never_cache
def healthz(request):
    """Database, broker and worker status as JSON: 200 when all up, 503 naming what is down."""
    from django.conf import settings

    from .celery import app

    status = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        status["database"] = "up"
    except Exception as exc:
        status["database"] = f"down: {exc.__class__.__name__}"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        status["broker"] = "eager"
        status["worker"] = "eager"
    else:
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            status["broker"] = "up"
        except Exception as exc:
            status["broker"] = f"down: {exc.__class__.__name__}"
        if status["broker"] == "up":
            try:
                replies = app.control.ping(timeout=1.0)
                status["worker"] = "up" if replies else "down: no worker answered"
            except Exception as exc:
                status["worker"] = f"down: {exc.__class__.__name__}"
        else:
            status["worker"] = "down: broker unreachable"
    down = [k for k, v in status.items() if v.startswith("down")]
    body = {"status": "ok" if not down else "down", "down": down, **status}
    return JsonResponse(body, status=200 if not down else 503, json_dumps_params={"ensure_ascii": False})
