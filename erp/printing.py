"""Print views and PDFs of documents (issue #18): one A4 layout for every document.

A domain app describes its document as a `PrintDoc` (title, number, header fields, tables of
lines, totals, signatures) and answers with `print_response(request, doc, pdf=...)`:

- HTML (`/<doc>/<pk>/print/`): `erp/print_base.html`, A4 print CSS for the browser's print dialog,
  the company header from the company settings and a QR code of the document number (segno,
  inline SVG, no network).
- PDF (`/<doc>/<pk>/pdf/`): the same HTML rendered by WeasyPrint with the Noto CJK fonts, as a
  download named `<number>.pdf`; the PDF's title is the document number.

`print_views(build, module=...)` makes both views from one `build(request, pk) -> PrintDoc`,
which loads the document the way its detail page does (404 when missing or someone else's). The
kernel knows no domain: the apps build their `PrintDoc`s and mount the views in their urls.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

PDF_CONTENT_TYPE = "application/pdf"
# Paper sizes: the CSS @page size, the sheet shown on screen, the printable width inside the margins.
PAPERS = {
    "A4": {"size": "A4", "width": "210mm", "height": "297mm", "inner": "186mm"},
    "voucher": {"size": "240mm 140mm", "width": "240mm", "height": "140mm", "inner": "216mm"},  # 凭证纸
}


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False  # right-aligned, tabular figures


@dataclass
class Table:
    """One table of the document: its lines (cells already formatted as text: numbers through
    erp.numbers, as the |qty |money |price |percent filters show them) and a footer."""

    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    title: str = ""
    footer: Sequence[tuple[str, str]] = ()  # (label, value) rows under the table, right-aligned
    total: Sequence[Any] = ()  # a bold last row with one cell per column (debit and credit totals)

    @property
    def body(self) -> list[list[tuple[Any, bool]]]:
        """Rows as (cell, numeric) pairs for the template."""
        return [[(cell, col.numeric) for cell, col in zip(row, self.columns, strict=False)] for row in self.rows]

    @property
    def total_cells(self) -> list[tuple[Any, bool]]:
        return [(cell, col.numeric) for cell, col in zip(self.total, self.columns, strict=False)]


@dataclass
class PrintDoc:
    title: str  # the kind of document: 销售订单 / Sales order
    number: str
    fields: Sequence[tuple[str, Any]] = ()  # header fields (label, value)
    tables: Sequence[Table] = ()
    totals: Sequence[tuple[str, str]] = ()  # document totals (label, value)
    note: str = ""
    signatures: Sequence[str] = ()  # labels of the signature lines
    status: str = ""
    paper: str = "A4"  # a key of PAPERS
    autoprint: bool = False  # open the browser's print dialog once the page is loaded
    extra: dict[str, Any] = field(default_factory=dict)  # for templates extending print_base

    @property
    def page(self) -> dict[str, str]:
        return PAPERS[self.paper]

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


# --- cell text: numbers through erp.numbers (format_money, format_price, format_quantity,
# format_percent: the functions behind the |money |price |qty |percent filters); dates ISO ---


def date(value) -> str:
    """ISO date; a moment (confirmed at …) on the company's calendar, not UTC's."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%Y-%m-%d") if value else ""


def qr_svg(text: str, *, scale: int = 3) -> SafeString:
    """A QR code of `text` as inline SVG (segno, pure Python); always a full QR code, never a
    Micro QR, so phone cameras read it."""
    import segno

    code = segno.make_qr(text, error="m")
    return mark_safe(code.svg_inline(scale=scale, border=2))  # segno's own markup, no user text


# --- responses --------------------------------------------------------------------------------


def render_html(request: HttpRequest, doc: PrintDoc, *, pdf: bool = False, template: str | None = None) -> str:
    from .models import CompanySettings

    context = {
        "doc": doc,
        "company": CompanySettings.get(),
        "qr": qr_svg(doc.number),
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
        "pdf": pdf,
        "title": f"{doc.title} {doc.number}",
        "pdf_url": _sibling_url(request, "pdf"),
    }
    return render_to_string(template or "erp/print_base.html", context, request=request)


def _sibling_url(request: HttpRequest, last: str) -> str:
    """`…/print/?paper=voucher` → `…/pdf/?paper=voucher`: the PDF link beside the print view."""
    path = request.path.rstrip("/")
    head, _sep, _tail = path.rpartition("/")
    query = request.GET.urlencode()
    return f"{head}/{last}/" + (f"?{query}" if query else "")


def pdf_bytes(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of a print page (WeasyPrint; fonts through fontconfig, Noto CJK for Chinese)."""
    import logging

    import weasyprint  # type: ignore[import-untyped]

    # WeasyPrint logs every rendering step at INFO; only its warnings belong in our logs.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()


def print_response(request: HttpRequest, doc: PrintDoc, *, pdf: bool = False, template: str | None = None):
    html = render_html(request, doc, pdf=pdf, template=template)
    if not pdf:
        return HttpResponse(html)
    response = HttpResponse(pdf_bytes(html, base_url=request.build_absolute_uri("/")), content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(doc.filename)}"
    return response


def print_views(
    build: Callable[[HttpRequest, int], PrintDoc],
    *,
    module: str | tuple[str, ...],
    perms: Sequence[str] = (),
    template: str | None = None,
):
    """(print view, PDF view) of one document type: read access of `module` (and `perms`), GET
    only; `build(request, pk)` loads the document as its detail page does (404 otherwise)."""
    from .permissions import module_required

    @module_required(module, *perms)
    def print_view(request, pk):
        return print_response(request, build(request, pk), template=template)

    @module_required(module, *perms)
    def pdf_view(request, pk):
        return print_response(request, build(request, pk), pdf=True, template=template)

    name = getattr(build, "__name__", "document")
    print_view.__name__ = print_view.__qualname__ = f"{name}_print"
    pdf_view.__name__ = pdf_view.__qualname__ = f"{name}_pdf"
    print_view.__module__ = pdf_view.__module__ = getattr(build, "__module__", __name__)
    return print_view, pdf_view
