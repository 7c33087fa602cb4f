"""One document-entry pattern (issue 18): a header form and a grid of lines, for every document
with lines (quotation, sales order, requisition, purchase order, stock documents …).

A document's entry page is a subclass of `LineGridView` with

- `header_form_class` (a Form) and `line_form_class` (a `LineGridForm`);
- `save(header=..., lines=[...], doc=None)` calling the app's service (`*_create`, or
  `*_update` for a draft being edited) and returning the document;
- for edit and copy: `get_document()` (through the app's access helper), `header_initial(doc)`,
  `lines_initial(doc)`;
- optionally `line_defaults(item=..., qty=..., header=...)` (price, tax rate, … of a picked item
  from the app's price rules) and `clean_lines(header, formset)` (cross-field rules with a
  message in the cell).

The same class serves three modes (`as_view(mode="create" | "edit" | "copy")`): a new document,
a draft changed in place (refused with nothing changed when the document is no longer a draft),
a new document pre-filled from another one. The POST keeps the field names of a Django formset
(`lines-TOTAL_FORMS`, `lines-0-item`, …); blank lines are skipped, every other line is validated
cell by cell by the kernel input fields (erp.input) and the message is shown in its cell.

The browser side (`erp/_line_grid.html`, `static/erp/linegrid.js`, no inline JavaScript) adds,
removes and duplicates lines, looks items up by number, name or pinyin initials (`lookup_url`),
fills unit, price and tax rate from `?lg=defaults`, keeps line and document totals up to date,
moves with Enter like Tab (a new line appears after the last one) and asks the server to
validate the cells the user touched (a POST with the header `X-Line-Grid: validate`, which never
saves).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from .errors import DomainError
from .input import same_date_bounds
from .views import PageMixin

PREFIX = "lines"
VALIDATE_HEADER = "HTTP_X_LINE_GRID"


class CodeChoiceField(forms.ModelChoiceField):
    """A record typed by its code (an item number) into a text input. In a grid every line's code
    is resolved in one query (`LineGridFormSet` fills `cache`); alone it looks the code up."""

    default_error_messages = {
        "invalid_choice": gettext_lazy("%(field)s: there is no %(value)s."),
    }

    def __init__(self, queryset, *, to_field_name: str = "code", **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
        super().__init__(queryset, to_field_name=to_field_name, **kwargs)
        self.cache: dict[str, Any] | None = None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            return value
        key = str(value).strip()[:100]
        if self.cache is not None and key in self.cache:
            return self.cache[key]
        obj = None
        if self.cache is None:
            obj = self.queryset.filter(**{self.to_field_name: key}).first()
        if obj is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"] % {"field": self.label or _("Value"), "value": key},
                code="invalid_choice",
            )
        return obj

    def resolve(self, codes) -> dict[str, Any]:
        codes = sorted({str(c).strip()[:100] for c in codes if c and str(c).strip()})
        if not codes:
            return {}
        return {getattr(o, self.to_field_name): o for o in self.queryset.filter(**{f"{self.to_field_name}__in": codes})}


class LineGridForm(forms.Form):
    """One line of a grid. `grid_roles` names the cells the browser computes with:
    item, qty, price, tax (a percentage), discount (a percentage); `key_fields` decide whether a
    line is blank (then it is skipped, not refused)."""

    grid_roles: dict[str, str] = {"item": "item", "qty": "qty"}
    key_fields: tuple[str, ...] = ("item", "qty")
    # text shown under the item cell (the item's name); the item's unit in its own column
    item_field = "item"
    show_unit = True  # False for records without a unit (accounts of a voucher)
    # columns summed in the grid's footer (a voucher's debit and credit), and the pair whose
    # difference is shown under it (debit − credit)
    sum_fields: tuple[str, ...] = ()
    difference: tuple[str, str] | None = None
    difference_label = ""  # its label (translated by the document's app)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial = {k: plain(v) for k, v in self.initial.items()}
        for name, field in self.fields.items():
            field.label = capfirst(field.label) if field.label else field.label
            attrs = field.widget.attrs
            if isinstance(field.widget, forms.Select):
                attrs["class"] = "form-select form-select-sm"
            else:
                attrs["class"] = (attrs.get("class", "") + " form-control form-control-sm").strip()
            attrs["data-lg-col"] = name
            role = self.grid_roles.get(name)
            if role:
                attrs["data-lg-role"] = role
            attrs["aria-label"] = str(field.label or name)

    def has_changed(self) -> bool:
        if not self.is_bound:
            return super().has_changed()
        return any(str(self.data.get(self.add_prefix(n)) or "").strip() for n in self.key_fields)

    def item_object(self):
        """The line's item for the page (its name and unit), without a query."""
        name = self.item_field
        if name not in self.fields:
            return None
        if self.is_bound:
            field = self.fields[name]
            code = str(self.data.get(self.add_prefix(name)) or "").strip()
            return (field.cache or {}).get(code) if isinstance(field, CodeChoiceField) else None
        value = self.initial.get(name)
        return value if hasattr(value, "pk") else None


class LineGridFormSet(forms.BaseFormSet):
    """Lines of a grid: every form is optional (blank lines are skipped), at least one filled
    line is required, codes of every line are resolved in one query per code column."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._caches: dict[str, dict] = {}
        if self.is_bound:
            try:
                total = self.total_form_count()
            except forms.ValidationError:
                total = 0
            for name, field in self.form.base_fields.items():
                if isinstance(field, CodeChoiceField):
                    values = [self.data.get(f"{self.prefix}-{i}-{name}") for i in range(total)]
                    self._caches[name] = field.resolve(values)

    # initial values of a blank line (a due date …); not counted as typed (see has_changed)
    blank_initial: dict = {}

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if self.blank_initial and (index is None or index >= len(self.initial or [])):
            kwargs["initial"] = dict(self.blank_initial)
        return kwargs

    def initial_form_count(self) -> int:
        # lines are replaced as a whole by the service: no line is "initial" (each may be removed)
        return 0

    def total_form_count(self) -> int:
        if self.is_bound:
            return super().total_form_count()
        return min(len(self.initial or []) + self.extra, self.absolute_max)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        for name, cache in self._caches.items():
            form.fields[name].cache = cache
        return form

    def full_clean(self):
        with same_date_bounds():
            super().full_clean()

    def clean(self):
        super().clean()
        if not any(f.has_changed() for f in self.forms):
            raise forms.ValidationError(_("Add at least one line."), code="no_lines")

    def add_non_form_error(self, message: str) -> None:
        """A rule over all lines (debits equal credits) broken: shown above the grid, nothing saved."""
        self.non_form_errors().append(message)

    def filled(self) -> list[dict]:
        """cleaned_data of the non-blank lines, in page order."""
        return [f.cleaned_data for f in self.forms if f.has_changed() and getattr(f, "cleaned_data", None)]


def field_errors(form) -> dict[str, list[str]]:
    return {
        form.add_prefix(name) if name != "__all__" else "__all__": [str(m) for m in errs]
        for name, errs in form.errors.items()
    }


def plain(value):
    """Decimals without trailing zeros (1180.000000 → 1180), never in exponent form."""
    if isinstance(value, Decimal) and value.is_finite():
        return Decimal(format(value.normalize(), "f"))
    return value


def display_value(field: forms.Field, value) -> str:
    """A value as the field's widget shows it (a stored 0.13 in a percentage field as 13)."""
    shown = field.widget.format_value(field.prepare_value(plain(value)))
    if isinstance(shown, list):  # a select's chosen values
        shown = shown[0] if shown else None
    return "" if shown is None else str(shown)


class LineGridView(PageMixin, TemplateView):
    """Create, edit (draft only) or copy a document with lines. See the module docstring."""

    template_name = "erp/_line_grid_form.html"
    header_form_class: type[forms.Form] = forms.Form
    line_form_class: type[LineGridForm] = LineGridForm
    prefix = PREFIX
    extra = 1
    mode = "create"  # "create" | "edit" | "copy"
    lookup_url = ""  # item lookup (JSON), e.g. reverse_lazy("inventory:item_lookup")
    title_create = gettext_lazy("New document")
    title_edit = gettext_lazy("Edit %(doc)s")
    title_copy = gettext_lazy("New document copied from %(doc)s")
    draft_statuses: tuple[str, ...] = ("draft",)
    # totals the grid shows: "amount" (price × qty with tax), "qty" (quantities only)
    totals = "amount"
    # an amount of the header shown live under it: (quantity, price, tax rate) field names (an
    # outsourcing order's fee), its label and what shows while the price is blank
    header_amount: tuple[str, str, str] | None = None
    header_amount_label = ""
    header_amount_blank = ""
    document = None

    # --- hooks of the document's view ------------------------------------------------------
    def get_document(self):
        raise NotImplementedError

    def header_initial(self, doc=None) -> dict:
        return {}

    def lines_initial(self, doc=None) -> list[dict]:
        return []

    def line_defaults(self, *, item, qty, header: dict) -> dict:
        """{field: value} for a picked item (model values; shown as the field shows them)."""
        return {}

    def clean_lines(self, header: dict, formset: LineGridFormSet) -> None:
        """Cross-field rules: `form.add_error(field, message)` on the line's cell."""

    def save(self, *, header: dict, lines: list[dict], doc=None):
        raise NotImplementedError

    def success_url(self, doc) -> str:
        raise NotImplementedError

    def success_message(self, doc) -> str:
        return _("%(doc)s saved as draft.") % {"doc": getattr(doc, "number", doc)}

    def cancel_url(self) -> str:
        return self.request.META.get("HTTP_REFERER") or "/"

    def is_editable(self, doc) -> bool:
        return getattr(doc, "status", None) in self.draft_statuses

    # --- machinery ---------------------------------------------------------------------------
    def get_title(self):
        if self.mode == "edit":
            return self.title_edit % {"doc": self.document}
        if self.mode == "copy":
            return self.title_copy % {"doc": self.document}
        return self.title_create

    def formset_class(self):
        return forms.formset_factory(self.line_form_class, formset=LineGridFormSet, extra=self.extra)

    def build(self, data=None):
        doc = self.document
        header = self.header_form_class(data, **self.header_form_kwargs())
        for field in header.fields.values():
            field.label = capfirst(field.label) if field.label else field.label
        if data is None:
            header.initial = {**header.initial, **{k: plain(v) for k, v in self.header_initial(doc).items()}}
        lines = self.formset_class()(data, prefix=self.prefix, initial=None if data else self.lines_initial(doc))
        return header, lines

    def header_form_kwargs(self) -> dict:
        return {}

    def _refuse_edit(self):
        messages.error(
            self.request,
            _("%(doc)s is %(status)s: only a draft can be changed; nothing was changed.")
            % {"doc": self.document, "status": self.document.get_status_display()},
        )
        return HttpResponseRedirect(self.success_url(self.document))

    def _load(self):
        self.document = self.get_document() if self.mode in ("edit", "copy") else None
        if self.mode == "edit" and not self.is_editable(self.document):
            return self._refuse_edit()
        return None

    def get(self, request, *args, **kwargs):
        refusal = self._load()
        if refusal is not None:
            return refusal
        if request.GET.get("lg") == "defaults":
            return self.defaults_response()
        header, lines = self.build()
        return self.render_to_response(self.get_context_data(form=header, formset=lines))

    def post(self, request, *args, **kwargs):
        refusal = self._load()
        if refusal is not None:
            if request.META.get(VALIDATE_HEADER) == "validate":
                return JsonResponse({"errors": {}, "non_field": [str(m) for m in messages.get_messages(request)]})
            return refusal
        header, lines = self.build(request.POST)
        valid = header.is_valid() & lines.is_valid()
        if header.is_valid():
            self.clean_lines(header.cleaned_data, lines)
            # clean_lines may add cell errors, a grid-wide error (formset.non_form_errors()) or a
            # header error
            valid = valid and not header.errors and not lines.non_form_errors()
            valid = valid and not any(f.errors for f in lines.forms)
        if request.META.get(VALIDATE_HEADER) == "validate":
            return self.validation_response(header, lines)
        if valid:
            try:
                editing = self.document if self.mode == "edit" else None
                doc = self.save(header=header.cleaned_data, lines=lines.filled(), doc=editing)
            except DomainError as exc:
                # a rule of the service (credit, amounts, state): its own message, nothing saved
                messages.error(request, str(exc))
            else:
                messages.success(request, self.success_message(doc))
                return redirect(self.success_url(doc))
        else:
            messages.error(request, _("Correct the fields marked below; nothing was saved."))
        return self.render_to_response(self.get_context_data(form=header, formset=lines))

    def validation_response(self, header, lines) -> JsonResponse:
        errors = {k: v for k, v in field_errors(header).items() if k != "__all__"}
        for f in lines.forms:
            if f.has_changed():
                errors.update({k: v for k, v in field_errors(f).items() if k != "__all__"})
        non_field = [str(m) for m in header.non_field_errors()] + [str(m) for m in lines.non_form_errors()]
        return JsonResponse({"errors": errors, "non_field": non_field})

    def defaults_response(self) -> JsonResponse:
        """?lg=defaults&item=<code>&qty=<qty>&<header fields>: the defaults of a picked line."""
        form = self.line_form_class(prefix="x")
        field = form.fields.get(form.item_field)
        code = (self.request.GET.get("item") or "").strip()[:100]
        item = field.resolve([code]).get(code) if isinstance(field, CodeChoiceField) else None
        if item is None:
            return JsonResponse({"found": False, "values": {}})
        qty_field = form.fields.get("qty")
        qty = None
        if qty_field is not None:
            try:
                qty = qty_field.clean(self.request.GET.get("qty") or None)
            except forms.ValidationError:
                qty = None
        header = self.header_form_class(self.request.GET, **self.header_form_kwargs())
        header.is_valid()
        values = self.line_defaults(item=item, qty=qty, header=getattr(header, "cleaned_data", {}) or {})
        shown = {
            name: display_value(form.fields[name], value) if name in form.fields else str(value)
            for name, value in values.items()
        }
        return JsonResponse({"found": True, "values": shown})

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        formset = kwargs["formset"]
        form = formset.empty_form
        columns = [(name, field) for name, field in form.fields.items() if not field.widget.is_hidden]
        amounts = self.totals == "amount" and "price" in form.grid_roles.values()
        ctx.update(
            {
                "grid": {
                    "mode": self.mode,
                    "document": self.document,
                    "lookup_url": str(self.lookup_url),
                    "defaults_url": self.request.path,
                    "columns": columns,
                    "roles": form.grid_roles,
                    "qty_field": next((n for n, r in form.grid_roles.items() if r == "qty"), ""),
                    "amounts": amounts,
                    "sums": form.sum_fields,
                    "difference": ",".join(form.difference or ()),
                    "difference_label": form.difference_label,
                    "width": 2 + len(columns) + bool(form.show_unit) + 3 * amounts,
                    "cancel_url": self.cancel_url(),
                    "header_amount": ",".join(self.header_amount or ()),
                    "header_amount_label": self.header_amount_label,
                    "header_amount_blank": self.header_amount_blank,
                },
            }
        )
        return ctx
