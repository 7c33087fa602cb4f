"""Entry of requisitions and purchase orders in the line grid (erp/linegrid.py): new, edit while
draft, copy. Writes go through procurement.services; prices from the supplier price list."""

import datetime

from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.linegrid import LineGridView

from . import permissions as acl
from . import services
from .forms import PurchaseOrderForm, PurchaseOrderLineForm, RequisitionForm, RequisitionLineForm, not_before
from .models import PurchaseOrder, Requisition
from .services import prices

NEED_DAYS = 7


def _not_before(header: dict, formset, *, field: str, date_field: str, earlier_label) -> None:
    day = header.get(date_field)
    for f in formset.forms:
        data = getattr(f, "cleaned_data", None) or {}
        if not f.has_changed():
            continue
        message = not_before(
            data.get(field), day, later_label=str(f.fields[field].label), earlier_label=str(earlier_label)
        )
        if message:
            f.add_error(field, message)


class RequisitionEntry(LineGridView):
    module = "purchasing"
    header_form_class = RequisitionForm
    line_form_class = RequisitionLineForm
    lookup_url = reverse_lazy("inventory:item_lookup")
    totals = "qty"
    title_create = gettext_lazy("New purchase requisition")
    title_edit = gettext_lazy("Edit purchase requisition %(doc)s")
    title_copy = gettext_lazy("New purchase requisition copied from %(doc)s")
    breadcrumbs = [(gettext_lazy("Purchase requisitions"), reverse_lazy("procurement:requisition_list"))]

    def formset_class(self):
        cls = super().formset_class()
        cls.blank_initial = {"need_date": timezone.localdate() + datetime.timedelta(days=NEED_DAYS)}
        return cls

    def get_document(self):
        return get_object_or_404(Requisition, pk=self.kwargs["pk"])

    def header_initial(self, doc=None):
        if doc is None:
            return {"request_date": timezone.localdate()}
        day = doc.request_date if self.mode == "edit" else timezone.localdate()
        return {"request_date": day, "department": doc.department, "note": doc.note}

    def lines_initial(self, doc=None):
        if doc is None:
            return []
        today = timezone.localdate()
        out = []
        for ln in doc.lines.select_related("item", "item__uom", "supplier").order_by("line_no"):
            need = ln.need_date
            if self.mode == "copy" and need < today:
                need = today + datetime.timedelta(days=NEED_DAYS)
            out.append({"item": ln.item, "qty": ln.qty, "need_date": need, "supplier": ln.supplier})
        return out

    def line_defaults(self, *, item, qty, header):
        supplier = item.default_supplier
        if supplier is None:
            row = prices.best_supplier_for(
                item_id=item.pk, qty=qty or 1, on_date=header.get("request_date") or timezone.localdate()
            )
            supplier = row.supplier if row else None
        return {"supplier": supplier.code} if supplier else {}

    def clean_lines(self, header, formset):
        _not_before(header, formset, field="need_date", date_field="request_date", earlier_label=_("request date"))

    def save(self, *, header, lines, doc=None):
        rows = [
            {
                "item_id": d["item"].pk,
                "qty": d["qty"],
                "need_date": d["need_date"],
                "supplier_id": d["supplier"].pk if d.get("supplier") else None,
            }
            for d in lines
        ]
        common = {
            "request_date": header["request_date"],
            "lines": rows,
            "user": self.request.user,
            "department": header["department"],
            "note": header["note"],
        }
        if doc is not None:
            return services.requisition_update(requisition_id=doc.pk, **common)
        return services.requisition_create(**common)

    def success_url(self, doc):
        return reverse("procurement:requisition_detail", args=[doc.pk])

    def cancel_url(self):
        if self.document is not None:
            return self.success_url(self.document)
        return reverse("procurement:requisition_list")


class PurchaseOrderEntry(LineGridView):
    module = "purchasing"
    header_form_class = PurchaseOrderForm
    line_form_class = PurchaseOrderLineForm
    lookup_url = reverse_lazy("inventory:item_lookup")
    title_create = gettext_lazy("New purchase order")
    title_edit = gettext_lazy("Edit purchase order %(doc)s")
    title_copy = gettext_lazy("New purchase order copied from %(doc)s")
    breadcrumbs = [(gettext_lazy("Purchase orders"), reverse_lazy("procurement:po_list"))]

    def get_document(self):
        return get_object_or_404(PurchaseOrder, pk=self.kwargs["pk"])

    def header_initial(self, doc=None):
        if doc is None:
            return {"order_date": timezone.localdate()}
        day = doc.order_date if self.mode == "edit" else timezone.localdate()
        return {"supplier": doc.supplier_id, "order_date": day, "warehouse": doc.warehouse_id, "note": doc.note}

    def lines_initial(self, doc=None):
        if doc is None:
            return []
        today = timezone.localdate()
        out = []
        for ln in doc.lines.select_related("item", "item__uom").order_by("line_no"):
            due = ln.due_date
            if self.mode == "copy" and due < today:
                due = None  # the service sets order date + lead time
            out.append(
                {"item": ln.item, "qty": ln.qty, "unit_price": ln.unit_price, "tax_rate": ln.tax_rate, "due_date": due}
            )
        return out

    def line_defaults(self, *, item, qty, header):
        """The supplier's price-list price for the quantity (else the item's standard cost), the
        item's tax rate, the due date after the price list's (else the item's) lead time."""
        day = header.get("order_date") or timezone.localdate()
        supplier = header.get("supplier")
        row = (
            prices.price_for(item_id=item.pk, supplier_id=supplier.pk, qty=qty or 1, on_date=day) if supplier else None
        )
        lead = row.lead_time_days if row else item.lead_time_days
        return {
            "unit_price": row.price if row else item.standard_cost,
            "tax_rate": item.tax_rate,
            "due_date": (day + datetime.timedelta(days=lead)).isoformat(),
        }

    def clean_lines(self, header, formset):
        _not_before(header, formset, field="due_date", date_field="order_date", earlier_label=_("order date"))

    def save(self, *, header, lines, doc=None):
        rows = [
            {
                "item_id": d["item"].pk,
                "qty": d["qty"],
                "unit_price": d.get("unit_price"),
                "tax_rate": d.get("tax_rate"),
                "due_date": d.get("due_date"),
            }
            for d in lines
        ]
        common = {
            "supplier_id": header["supplier"].pk,
            "order_date": header["order_date"],
            "warehouse_id": header["warehouse"].pk if header["warehouse"] else None,
            "lines": rows,
            "user": self.request.user,
            "note": header["note"],
        }
        if doc is not None:
            return services.purchase_order_update(order_id=doc.pk, **common)
        return services.purchase_order_create(**common)

    def success_url(self, doc):
        return reverse("procurement:po_detail", args=[doc.pk])

    def cancel_url(self):
        if self.document is not None:
            return self.success_url(self.document)
        return reverse("procurement:po_list")


class RequisitionCreate(RequisitionEntry):
    action_permission = permission_required = acl.ADD_REQUISITION


class RequisitionEdit(RequisitionEntry):
    mode = "edit"
    action_permission = permission_required = acl.CHANGE_REQUISITION


class RequisitionCopy(RequisitionEntry):
    mode = "copy"
    action_permission = permission_required = acl.ADD_REQUISITION


class PurchaseOrderCreate(PurchaseOrderEntry):
    action_permission = permission_required = acl.ADD_PO


class PurchaseOrderEdit(PurchaseOrderEntry):
    mode = "edit"
    action_permission = permission_required = acl.CHANGE_PO


class PurchaseOrderCopy(PurchaseOrderEntry):
    mode = "copy"
    action_permission = permission_required = acl.ADD_PO
