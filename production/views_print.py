"""Print views and PDFs of picking lists and finished-goods receipts (erp.printing), opened by
production and the warehouse like their detail pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from erp.printing import Column, PrintDoc, Table, date, print_views, qty
from inventory.views_print import item_cells, item_columns, people_fields

from .models import FGReceipt, Picking
from .selectors import receipt_preview

PRODUCTION_OR_WAREHOUSE = ("production", "warehouse")


def picking(request, pk) -> PrintDoc:
    p = get_object_or_404(
        Picking.objects.select_related("created_by", "confirmed_by").prefetch_related("work_orders"), pk=pk
    )
    lines = list(p.lines.select_related("item", "item__uom", "warehouse").order_by("line_no"))
    columns = [
        Column("#"),
        *item_columns(),
        Column(_("Warehouse")),
        Column(_("Quantity"), True),
        Column(_("Issued"), True),
    ]
    rows = [
        [
            ln.line_no,
            *item_cells(ln.item),
            str(ln.warehouse),
            qty(ln.qty, ln.item.uom),
            qty(ln.issued_qty, ln.item.uom) if ln.issued_qty else "",
        ]
        for ln in lines
    ]
    fields = [
        (_("Mode"), p.get_mode_display()),
        (_("Date"), date(p.pick_date)),
        (_("Work orders"), ", ".join(wo.number for wo in p.work_orders.all())),
    ]
    if p.target_sets:
        fields.append((_("Target sets"), qty(p.target_sets, "set")))
    if p.reason:
        fields.append((_("Reason"), p.reason))
    fields += people_fields(p)
    return PrintDoc(
        title=_("Picking list"),
        number=p.number,
        status=p.get_status_display(),
        fields=fields,
        tables=[Table(columns=columns, rows=rows)],
        note=p.note,
        signatures=[_("Requested by"), _("Issued by"), _("Received by")],
    )


def fg_receipt(request, pk) -> PrintDoc:
    r = get_object_or_404(
        FGReceipt.objects.select_related(
            "work_order", "work_order__item", "work_order__item__uom", "warehouse", "created_by", "confirmed_by"
        ),
        pk=pk,
    )
    wo = r.work_order
    columns = [Column(_("Kind")), *item_columns(), Column(_("Warehouse")), Column(_("Quantity"), True)]
    rows = [[_("Finished product"), *item_cells(wo.item), str(r.warehouse), qty(r.qty, wo.item.uom)]]
    if r.status == "draft":
        rows += [[p["kind"], *item_cells(p["item"]), "", qty(p["qty"], p["item"].uom)] for p in receipt_preview(r)]
    else:
        for ln in r.lines.select_related("item", "item__uom", "warehouse").order_by("id"):
            signed = -ln.qty if ln.kind == "backflush" else ln.qty
            rows.append([ln.get_kind_display(), *item_cells(ln.item), str(ln.warehouse), qty(signed, ln.item.uom)])
    return PrintDoc(
        title=_("Finished-goods receipt"),
        number=r.number,
        status=r.get_status_display(),
        fields=[
            (_("Work order"), wo.number),
            (_("Date"), date(r.receipt_date)),
            (_("Warehouse"), str(r.warehouse)),
            (_("Order quantity"), qty(wo.qty, wo.item.uom)),
            *people_fields(r),
        ],
        tables=[Table(columns=columns, rows=rows)],
        note=r.note,
        signatures=[_("Delivered by (workshop)"), _("Inspected by"), _("Warehouse keeper")],
    )


picking_print, picking_pdf = print_views(picking, module=PRODUCTION_OR_WAREHOUSE)
receipt_print, receipt_pdf = print_views(fg_receipt, module=PRODUCTION_OR_WAREHOUSE)
