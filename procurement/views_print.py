"""Print views and PDFs of purchase requisitions, purchase orders and outsourcing orders
(erp.printing), with the access of their detail pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from erp.numbers import format_money, format_percent, format_price, format_quantity
from erp.printing import Column, PrintDoc, Table, date, print_views
from inventory.views_print import item_cells, item_columns, people_fields

from . import permissions as acl
from .models import OutsourcingOrder, PurchaseOrder, Requisition


def _supplier_fields(supplier) -> list[tuple[str, str]]:
    fields = [(_("Supplier"), f"{supplier.name} ({supplier.code})")]
    if supplier.contact or supplier.phone:
        fields.append((_("Contact"), f"{supplier.contact} {supplier.phone}".strip()))
    if supplier.address:
        fields.append((_("Address"), supplier.address))
    return fields


def _totals(doc) -> list[tuple[str, str]]:
    return [
        (_("Amount excl. tax"), format_money(doc.amount)),
        (_("Tax"), format_money(doc.tax_amount)),
        (_("Total incl. tax"), format_money(doc.total)),
    ]


def requisition(request, pk) -> PrintDoc:
    req = get_object_or_404(Requisition.objects.select_related("created_by", "confirmed_by"), pk=pk)
    lines = list(req.lines.select_related("item", "item__uom", "supplier").order_by("line_no"))
    columns = [
        Column("#"),
        *item_columns(),
        Column(_("Quantity"), True),
        Column(_("Need date")),
        Column(_("Suggested supplier")),
        Column(_("Estimated unit price"), True),
        Column(_("Estimated amount"), True),
    ]
    rows = [
        [
            ln.line_no,
            *item_cells(ln.item),
            format_quantity(ln.qty, ln.item.uom),
            date(ln.need_date),
            ln.supplier.name if ln.supplier_id else "",
            format_price(ln.unit_price),
            format_money(ln.amount),
        ]
        for ln in lines
    ]
    return PrintDoc(
        title=_("Purchase requisition"),
        number=req.number,
        status=req.get_status_display(),
        fields=[
            (_("Request date"), date(req.request_date)),
            (_("Department"), req.department),
            *people_fields(req),
        ],
        tables=[Table(columns=columns, rows=rows, footer=[(_("Estimated amount"), format_money(req.amount))])],
        note=req.note,
        signatures=[_("Requested by"), _("Department head"), _("Approved by")],
    )


def purchase_order(request, pk) -> PrintDoc:
    po = get_object_or_404(
        PurchaseOrder.objects.select_related("supplier", "warehouse", "created_by", "confirmed_by"), pk=pk
    )
    lines = list(po.lines.select_related("item", "item__uom").order_by("line_no"))
    columns = [
        Column("#"),
        *item_columns(),
        Column(_("Quantity"), True),
        Column(_("Due date")),
        Column(_("Unit price"), True),
        Column(_("Tax rate"), True),
        Column(_("Amount excl. tax"), True),
        Column(_("Tax"), True),
    ]
    rows = [
        [
            ln.line_no,
            *item_cells(ln.item),
            format_quantity(ln.qty, ln.item.uom),
            date(ln.due_date),
            format_price(ln.unit_price),
            format_percent(ln.tax_rate),
            format_money(ln.amount),
            format_money(ln.tax_amount),
        ]
        for ln in lines
    ]
    return PrintDoc(
        title=_("Purchase order"),
        number=po.number,
        status=po.get_status_display(),
        fields=[
            *_supplier_fields(po.supplier),
            (_("Order date"), date(po.order_date)),
            (_("Currency"), po.currency),
            (_("Receiving warehouse"), str(po.warehouse or "")),
            *people_fields(po),
        ],
        tables=[Table(columns=columns, rows=rows)],
        totals=_totals(po),
        note=po.note,
        signatures=[_("Buyer"), _("Approved by"), _("Supplier confirmation")],
    )


def outsourcing_order(request, pk) -> PrintDoc:
    oo = get_object_or_404(
        OutsourcingOrder.objects.select_related("supplier", "item__uom", "warehouse", "created_by", "confirmed_by"),
        pk=pk,
    )
    materials = list(oo.materials.select_related("component", "component__uom", "warehouse").order_by("line_no"))
    product = Table(
        title=_("Processed item"),
        columns=[
            *item_columns(),
            Column(_("Quantity"), True),
            Column(_("Processing fee per unit"), True),
            Column(_("Tax rate"), True),
            Column(_("Processing fee excl. tax"), True),
            Column(_("Tax"), True),
        ],
        rows=[
            [
                *item_cells(oo.item),
                format_quantity(oo.qty, oo.item.uom),
                format_price(oo.unit_fee),
                format_percent(oo.tax_rate),
                format_money(oo.amount),
                format_money(oo.tax_amount),
            ]
        ],
    )
    supplied = Table(
        title=_("Materials supplied"),
        columns=[
            Column("#"),
            *item_columns(),
            Column(_("Quantity per"), True),
            Column(_("Required quantity"), True),
            Column(_("Issued"), True),
            Column(_("Warehouse")),
        ],
        rows=[
            [
                m.line_no,
                *item_cells(m.component),
                format_quantity(m.qty_per, places=6),  # per unit: 0.5 pcs stays 0.5
                format_quantity(m.required_qty, m.component.uom),
                format_quantity(m.issued_qty, m.component.uom),
                str(m.warehouse or ""),
            ]
            for m in materials
        ],
    )
    return PrintDoc(
        title=_("Outsourcing order"),
        number=oo.number,
        status=oo.get_status_display(),
        fields=[
            *_supplier_fields(oo.supplier),
            (_("Order date"), date(oo.order_date)),
            (_("Start date"), date(oo.start_date)),
            (_("Due date"), date(oo.due_date)),
            (_("Receiving warehouse"), str(oo.warehouse or "")),
            *people_fields(oo),
        ],
        tables=[product, supplied] if materials else [product],
        totals=_totals(oo),
        note=oo.note,
        signatures=[_("Buyer"), _("Approved by"), _("Supplier confirmation")],
    )


requisition_print, requisition_pdf = print_views(requisition, module="purchasing")
po_print, po_pdf = print_views(purchase_order, module="purchasing")
outsourcing_print, outsourcing_pdf = print_views(outsourcing_order, module=acl.OUTSOURCING_FLOOR)
