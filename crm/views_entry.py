"""Entry of quotations and sales orders in the line grid (erp/linegrid.py): new, edit while
draft, copy. Writes go through crm.services.orders; records through crm.access (owner, team
manager, admin)."""

import datetime

from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.fields import ZERO
from erp.linegrid import LineGridView

from . import access, forms
from .models import DEFAULT_TAX_RATE, Opportunity, Quotation, SalesOrder, SalesOrderLine
from .services import orders as order_svc
from .states import OrderStatus

MODULE = "sales"
DUE_DAYS = 14


def _line_inputs(lines: list[dict]) -> list:
    return [
        order_svc.LineInput(
            d["item"].pk, d["qty"], d["unit_price"], d.get("due_date"), d["tax_rate"], d.get("discount_rate") or ZERO
        )
        for d in lines
    ]


def customer_price(*, customer, item):
    """The price of the customer's last order of the item (not cancelled), else the item's
    sales price: (unit price, discount rate)."""
    if customer is not None:
        last = (
            SalesOrderLine.objects.filter(order__customer=customer, item=item)
            .exclude(order__status=OrderStatus.CANCELLED)
            .order_by("-order__order_date", "-order_id", "line_no")
            .values_list("unit_price", "discount_rate")
            .first()
        )
        if last:
            return last
    return item.sales_price, ZERO


class SalesEntry(LineGridView):
    module = MODULE
    header_form_class = forms.OrderHeaderForm
    line_form_class = forms.LineForm
    lookup_url = reverse_lazy("inventory:item_lookup")
    model = SalesOrder
    date_field = "order_date"

    def build(self, data=None):
        header, lines = super().build(data)
        header.fields["customer"].queryset = access.customers_for(self.request.user)
        return header, lines

    def formset_class(self):
        cls = super().formset_class()
        cls.blank_initial = {
            "due_date": timezone.localdate() + datetime.timedelta(days=DUE_DAYS),
            "tax_rate": DEFAULT_TAX_RATE,
            "discount_rate": ZERO,
        }
        return cls

    def get_document(self):
        return access.get_visible(
            self.model.objects.select_related("customer"), self.request.user, pk=self.kwargs["pk"]
        )

    def _customer_param(self):
        raw = self.request.GET.get("customer", "")
        return int(raw) if raw.isdigit() else None

    def header_initial(self, doc=None):
        today = timezone.localdate()
        if doc is None:
            return {"order_date": today, "customer": self._customer_param()}
        day = getattr(doc, self.date_field) if self.mode == "edit" else today
        return {"customer": doc.customer_id, "order_date": day, "customer_po": getattr(doc, "customer_po", "")}

    def lines_initial(self, doc=None):
        if doc is None:
            return []
        today = timezone.localdate()
        default_due = today + datetime.timedelta(days=DUE_DAYS)
        out = []
        for ln in doc.lines.select_related("item", "item__uom").order_by("line_no"):
            due = ln.due_date
            if self.mode == "copy" and (due is None or due < today):
                due = default_due
            out.append(
                {
                    "item": ln.item,
                    "qty": ln.qty,
                    "unit_price": ln.unit_price,
                    "tax_rate": ln.tax_rate,
                    "discount_rate": ln.discount_rate,
                    "due_date": due,
                }
            )
        return out

    def line_defaults(self, *, item, qty, header):
        price, discount = customer_price(customer=header.get("customer"), item=item)
        return {"unit_price": price, "tax_rate": item.tax_rate, "discount_rate": discount}

    def clean_lines(self, header, formset):
        day = header.get("order_date")
        for f in formset.forms:
            due = (getattr(f, "cleaned_data", None) or {}).get("due_date")
            if day and due and due < day and f.has_changed():
                f.add_error(
                    "due_date", _("The due date lies before the document date %(date)s.") % {"date": day.isoformat()}
                )

    def cancel_url(self):
        if self.document is not None:
            return self.success_url(self.document)
        return reverse(self.list_url_name)


class OrderEntry(SalesEntry):
    title_create = gettext_lazy("New sales order")
    title_edit = gettext_lazy("Edit sales order %(doc)s")
    title_copy = gettext_lazy("New sales order copied from %(doc)s")
    list_url_name = "crm:order_list"
    breadcrumbs = [(gettext_lazy("Sales orders"), reverse_lazy("crm:order_list"))]

    def opportunity_id(self):
        raw = self.request.GET.get("opportunity", "")
        if raw.isdigit() and access.scope(Opportunity.objects.filter(pk=int(raw)), self.request.user).exists():
            return int(raw)
        return None

    def save(self, *, header, lines, doc=None):
        if doc is not None:
            return order_svc.order_update(
                order_id=doc.pk,
                customer_id=header["customer"].pk,
                lines=_line_inputs(lines),
                user=self.request.user,
                order_date=header["order_date"],
                customer_po=header.get("customer_po", ""),
            )
        return order_svc.order_create(
            customer_id=header["customer"].pk,
            lines=_line_inputs(lines),
            user=self.request.user,
            order_date=header["order_date"],
            customer_po=header.get("customer_po", ""),
            opportunity_id=self.opportunity_id() if self.mode == "create" else None,
        )

    def success_url(self, doc):
        return reverse("crm:order_detail", args=[doc.pk])

    def success_message(self, doc):
        return _("Sales order %(no)s saved as draft.") % {"no": doc.number}


class QuotationEntry(SalesEntry):
    header_form_class = forms.QuotationHeaderForm
    model = Quotation
    date_field = "quote_date"
    title_create = gettext_lazy("New quotation")
    title_edit = gettext_lazy("Edit quotation %(doc)s")
    title_copy = gettext_lazy("New quotation copied from %(doc)s")
    list_url_name = "crm:quotation_list"
    breadcrumbs = [(gettext_lazy("Quotations"), reverse_lazy("crm:quotation_list"))]

    def opportunity_id(self):
        return OrderEntry.opportunity_id(self)

    def save(self, *, header, lines, doc=None):
        if doc is not None:
            return order_svc.quotation_update(
                quotation_id=doc.pk,
                customer_id=header["customer"].pk,
                lines=_line_inputs(lines),
                user=self.request.user,
                quote_date=header["order_date"],
            )
        return order_svc.quotation_create(
            customer_id=header["customer"].pk,
            lines=_line_inputs(lines),
            user=self.request.user,
            quote_date=header["order_date"],
            opportunity_id=self.opportunity_id() if self.mode == "create" else None,
        )

    def success_url(self, doc):
        return reverse("crm:quotation_detail", args=[doc.pk])

    def success_message(self, doc):
        return _("Quotation %(no)s saved as draft.") % {"no": doc.number}


class OrderCreate(OrderEntry):
    action_permission = permission_required = "crm.add_salesorder"


class OrderEdit(OrderEntry):
    mode = "edit"
    action_permission = permission_required = "crm.change_salesorder"


class OrderCopy(OrderEntry):
    mode = "copy"
    action_permission = permission_required = "crm.add_salesorder"


class QuotationCreate(QuotationEntry):
    action_permission = permission_required = "crm.add_quotation"


class QuotationEdit(QuotationEntry):
    mode = "edit"
    action_permission = permission_required = "crm.change_quotation"


class QuotationCopy(QuotationEntry):
    mode = "copy"
    action_permission = permission_required = "crm.add_quotation"
