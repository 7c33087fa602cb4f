"""Print views and PDFs of work orders (with their material lists), picking lists and
finished-goods receipts (erp.printing), opened by the roles that open their detail pages."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from erp.numbers import format_quantity
from erp.permissions import has_any_module, in_scope
from erp.printing import Column, PrintDoc, Table, date, print_views
from inventory.views_print import item_cells, item_columns, people_fields

from .models import FGReceipt, Picking, WorkOrder
from .selectors import receipt_preview
from .services.work_orders import material_list_draft

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
            format_quantity(ln.qty, ln.item.uom),
            format_quantity(ln.issued_qty, ln.item.uom) if ln.issued_qty else "",
        ]
        for ln in lines
    ]
    fields = [
        (_("Mode"), p.get_mode_display()),
        (_("Date"), date(p.pick_date)),
        (_("Work orders"), ", ".join(wo.number for wo in p.work_orders.all())),
    ]
    if p.target_sets:
        fields.append((_("Target sets"), format_quantity(p.target_sets, "set")))
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
    rows = [[_("Finished product"), *item_cells(wo.item), str(r.warehouse), format_quantity(r.qty, wo.item.uom)]]
    if r.status == "draft":
        rows += [
            [p["kind"], *item_cells(p["item"]), "", format_quantity(p["qty"], p["item"].uom)]
            for p in receipt_preview(r)
        ]
    else:
        for ln in r.lines.select_related("item", "item__uom", "warehouse").order_by("id"):
            signed = -ln.qty if ln.kind == "backflush" else ln.qty
            rows.append(
                [ln.get_kind_display(), *item_cells(ln.item), str(ln.warehouse), format_quantity(signed, ln.item.uom)]
            )
    return PrintDoc(
        title=_("Finished-goods receipt"),
        number=r.number,
        status=r.get_status_display(),
        fields=[
            (_("Work order"), wo.number),
            (_("Date"), date(r.receipt_date)),
            (_("Warehouse"), str(r.warehouse)),
            (_("Order quantity"), format_quantity(wo.qty, wo.item.uom)),
            *people_fields(r),
        ],
        tables=[Table(columns=columns, rows=rows)],
        note=r.note,
        signatures=[_("Delivered by (workshop)"), _("Inspected by"), _("Warehouse keeper")],
    )


def work_order(request, pk) -> PrintDoc:
    """生产任务单: the order and its material list (a planned order without one: the BOM's, as
    release will take it). Read as its detail page: sales only for an order of its own sales line."""
    wo = get_object_or_404(
        WorkOrder.objects.select_related("item", "item__uom", "warehouse", "created_by", "confirmed_by"), pk=pk
    )
    if not has_any_module(request.user, PRODUCTION_OR_WAREHOUSE) and not (
        wo.sales_order_line_id and in_scope("crm.salesorderline", request.user, wo.sales_order_line_id)
    ):
        raise Http404
    columns = [
        Column("#"),
        *item_columns(),
        Column(_("Line type")),
        Column(_("Issue method")),
        Column(_("Warehouse")),
        Column(_("Quantity per"), True),
        Column(_("Required"), True),
        Column(_("Issued"), True),
    ]
    rows = [
        [
            m.line_no,
            *item_cells(m.component),
            m.get_line_type_display(),
            m.get_issue_method_display(),
            str(m.warehouse or ""),
            format_quantity(m.qty_per, places=6),
            format_quantity(m.required, m.component.uom),
            format_quantity(m.issued_qty, m.component.uom) if m.issued_qty else "",
        ]
        for m in material_list_draft(wo)
    ]
    fields = [
        (_("Item"), f"{wo.item.code} {wo.item.name}"),
        (_("Quantity"), f"{format_quantity(wo.qty, wo.item.uom)} {wo.item.uom.code}"),
        (_("Planned start"), date(wo.planned_start)),
        (_("Planned finish"), date(wo.planned_finish)),
        (_("Receiving warehouse"), str(wo.warehouse or "")),
        (_("BOM version"), wo.bom_version),
        *people_fields(wo),
    ]
    return PrintDoc(
        title=_("Work order"),
        number=wo.number,
        status=wo.get_status_display(),
        fields=fields,
        tables=[Table(columns=columns, rows=rows, title=_("Material list"))],
        note=wo.note,
        signatures=[_("Planner"), _("Workshop"), _("Warehouse keeper")],
    )


work_order_print, work_order_pdf = print_views(work_order, module=(*PRODUCTION_OR_WAREHOUSE, "sales"))
picking_print, picking_pdf = print_views(picking, module=PRODUCTION_OR_WAREHOUSE)
receipt_print, receipt_pdf = print_views(fg_receipt, module=PRODUCTION_OR_WAREHOUSE)
