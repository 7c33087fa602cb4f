"""Print views and PDFs of quotations, sales orders and delivery notes (erp.printing). Reached
through crm.access like their detail pages: another salesperson's document is a 404."""

from __future__ import annotations

from django.utils.translation import gettext as _

from erp.numbers import format_money, format_percent, format_price, format_quantity
from erp.printing import Column, PrintDoc, Table, date, print_views
from inventory.views_print import item_cells, item_columns, people_fields

from . import access
from .models import Delivery, Quotation, SalesOrder

MODULE = "sales"


def _customer_fields(customer) -> list[tuple[str, str]]:
    fields = [(_("Customer"), f"{customer.name} ({customer.code})")]
    if customer.contact or customer.phone:
        fields.append((_("Contact"), f"{customer.contact} {customer.phone}".strip()))
    if customer.address:
        fields.append((_("Address"), customer.address))
    if customer.tax_id:
        fields.append((_("Tax ID"), customer.tax_id))
    return fields


def _priced_table(lines, *, with_due: bool) -> Table:
    columns = [Column("#"), *item_columns(), Column(_("Quantity"), True)]
    if with_due:
        columns.append(Column(_("Due date")))
    columns += [
        Column(_("Unit price excl. tax"), True),
        Column(_("Discount"), True),
        Column(_("Tax rate"), True),
        Column(_("Amount excl. tax"), True),
        Column(_("Tax"), True),
    ]
    rows = []
    for ln in lines:
        row = [ln.line_no, *item_cells(ln.item), format_quantity(ln.qty, ln.item.uom)]
        if with_due:
            row.append(date(ln.due_date))
        row += [
            format_price(ln.unit_price),
            format_percent(ln.discount_rate) if ln.discount_rate else "",
            format_percent(ln.tax_rate),
            format_money(ln.amount),
            format_money(ln.tax_amount),
        ]
        rows.append(row)
    return Table(columns=columns, rows=rows)


def _totals(doc) -> list[tuple[str, str]]:
    return [
        (_("Amount excl. tax"), format_money(doc.amount)),
        (_("Tax"), format_money(doc.tax_amount)),
        (_("Total incl. tax"), format_money(doc.total)),
    ]


def quotation(request, pk) -> PrintDoc:
    q = access.get_visible(Quotation.objects.select_related("customer", "owner", "created_by"), request.user, pk=pk)
    lines = q.lines.select_related("item", "item__uom").order_by("line_no")
    return PrintDoc(
        title=_("Quotation"),
        number=q.number,
        status=q.get_status_display(),
        fields=[
            *_customer_fields(q.customer),
            (_("Quotation date"), date(q.quote_date)),
            (_("Valid until"), date(q.valid_until)),
            (_("Salesperson"), str(q.owner or "")),
        ],
        tables=[_priced_table(lines, with_due=True)],
        totals=_totals(q),
        note=q.note,
        signatures=[_("Prepared by"), _("Approved by"), _("Customer confirmation")],
    )


def order(request, pk) -> PrintDoc:
    so = access.get_visible(
        SalesOrder.objects.select_related("customer", "owner", "quotation", "created_by", "confirmed_by"),
        request.user,
        pk=pk,
    )
    lines = so.lines.select_related("item", "item__uom").order_by("line_no")
    fields = [
        *_customer_fields(so.customer),
        (_("Order date"), date(so.order_date)),
        (_("Customer PO"), so.customer_po),
        (_("Salesperson"), str(so.owner or "")),
    ]
    if so.quotation_id:
        fields.append((_("Quotation"), so.quotation.number))
    return PrintDoc(
        title=_("Sales order"),
        number=so.number,
        status=so.get_status_display(),
        fields=fields,
        tables=[_priced_table(lines, with_due=True)],
        totals=_totals(so),
        note=so.note,
        signatures=[_("Prepared by"), _("Approved by"), _("Customer confirmation")],
    )


def delivery(request, pk) -> PrintDoc:
    dn = access.get_visible(
        Delivery.objects.select_related("customer", "order", "warehouse", "created_by", "confirmed_by"),
        request.user,
        pk=pk,
    )
    lines = list(dn.lines.select_related("item", "item__uom", "order_line").order_by("line_no"))
    columns = [Column("#"), *item_columns(), Column(_("Order line"), True), Column(_("Quantity"), True)]
    rows = [
        [ln.line_no, *item_cells(ln.item), ln.order_line.line_no, format_quantity(ln.qty, ln.item.uom)] for ln in lines
    ]
    total_qty = sum((ln.qty for ln in lines), start=0)
    return PrintDoc(
        title=_("Delivery note"),
        number=dn.number,
        status=dn.get_status_display(),
        fields=[
            *_customer_fields(dn.customer),
            (_("Delivery date"), date(dn.delivery_date)),
            (_("Sales order"), dn.order.number),
            (_("Customer PO"), dn.order.customer_po),
            (_("Warehouse"), str(dn.warehouse)),
            *people_fields(dn),
        ],
        tables=[Table(columns=columns, rows=rows, footer=[(_("Total quantity"), format_quantity(total_qty))])],
        note=dn.note,
        signatures=[_("Prepared by"), _("Warehouse keeper"), _("Received by (customer)")],
    )


quotation_print, quotation_pdf = print_views(quotation, module=MODULE)
order_print, order_pdf = print_views(order, module=MODULE)
delivery_print, delivery_pdf = print_views(delivery, module=MODULE)
