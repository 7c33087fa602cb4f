"""Print views and PDFs of the warehouse documents (other receipts and issues, transfers, stock
counts) on the kernel's A4 layout (erp.printing); `item_columns`/`item_cells` give every app's
printed lines the same item columns."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from erp.numbers import format_money, format_price, format_quantity
from erp.printing import Column, PrintDoc, Table, date, print_views

from . import selectors
from .models import OtherIssue, OtherReceipt, StockCount, StockDocStatus, Transfer

MODULE = "warehouse"


def item_columns() -> list[Column]:
    return [Column(_("Item number")), Column(_("Item name")), Column(_("Unit"))]


def item_cells(item) -> list[str]:
    name = f"{item.name} {item.spec}".strip() if getattr(item, "spec", "") else item.name
    return [item.code, name, item.uom.code]


def people_fields(doc) -> list[tuple[str, str]]:
    return [
        (_("Created by"), str(doc.created_by or "")),
        (_("Confirmed by"), f"{doc.confirmed_by or '—'} {date(doc.confirmed_at)}" if doc.confirmed_at else ""),
    ]


MODELS = {
    "other_receipt": (OtherReceipt, ("warehouse",)),
    "other_issue": (OtherIssue, ("warehouse",)),
    "transfer": (Transfer, ("from_warehouse", "to_warehouse")),
    "stock_count": (StockCount, ("warehouse",)),
}


def _titles():
    return {
        "other_receipt": _("Other receipt"),
        "other_issue": _("Other issue"),
        "transfer": _("Transfer"),
        "stock_count": _("Stock count"),
    }


def stock_doc(kind: str):
    """`build(request, pk)` of one warehouse document type."""
    model, related = MODELS[kind]

    def build(request, pk) -> PrintDoc:
        doc = get_object_or_404(model.objects.select_related(*related, "created_by", "confirmed_by"), pk=pk)
        lines = list(doc.lines.select_related("item", "item__uom").order_by("line_no"))
        total = selectors.document_total(lines)
        fields: list[tuple[str, str]] = [(_("Date"), date(doc.doc_date))]
        if kind == "transfer":
            fields += [(_("From warehouse"), str(doc.from_warehouse)), (_("To warehouse"), str(doc.to_warehouse))]
        else:
            fields.append((_("Warehouse"), str(doc.warehouse)))
        if getattr(doc, "reason", ""):
            fields.append((_("Reason"), doc.reason))
        fields += people_fields(doc)
        head = [Column("#"), *item_columns()]
        if kind == "stock_count":
            columns = head + [
                Column(_("Book quantity"), True),
                Column(_("Counted quantity"), True),
                Column(_("Difference"), True),
                Column(_("Unit cost"), True),
                Column(_("Difference value"), True),
            ]
            rows = [
                [
                    ln.line_no,
                    *item_cells(ln.item),
                    format_quantity(ln.book_qty, ln.item.uom),
                    *(
                        (format_quantity(ln.counted_qty, ln.item.uom), format_quantity(ln.diff_qty, ln.item.uom))
                        if ln.counted_qty is not None
                        else ("", "")  # a blank count sheet to fill in by hand
                    ),
                    format_price(ln.unit_cost),
                    format_money(ln.diff_value) if ln.counted_qty is not None else "",
                ]
                for ln in lines
            ]
            footer = [(_("Total difference value"), format_money(total))]
            signatures = [_("Counted by"), _("Checked by"), _("Warehouse keeper")]
        else:
            costed = doc.status != StockDocStatus.DRAFT or kind == "other_receipt"
            columns = head + [Column(_("Quantity"), True), Column(_("Unit cost"), True), Column(_("Amount"), True)]
            rows = [
                [
                    ln.line_no,
                    *item_cells(ln.item),
                    format_quantity(ln.qty, ln.item.uom),
                    format_price(ln.unit_cost) if costed else "",
                    format_money(ln.amount) if costed else "",
                ]
                for ln in lines
            ]
            footer = [(_("Total"), format_money(total))] if costed else []
            signatures = [_("Prepared by"), _("Approved by"), _("Warehouse keeper")]
        return PrintDoc(
            title=_titles()[kind],
            number=doc.number,
            fields=fields,
            tables=[Table(columns=columns, rows=rows, footer=footer)],
            note=doc.note,
            signatures=signatures,
            status=doc.get_status_display(),
        )

    build.__name__ = kind
    return build


VIEWS = {kind: print_views(stock_doc(kind), module=MODULE) for kind in MODELS}
