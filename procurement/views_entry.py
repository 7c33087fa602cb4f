"""Entry of requisitions and purchase orders in the line grid (erp/linegrid.py): new, edit while
draft, copy. Writes go through procurement.services; prices from the supplier price list."""

import datetime

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.fields import round_qty
from erp.linegrid import LineGridFormSet, LineGridView

from . import permissions as acl
from . import services
from .forms import (
    OutsourcingEntryForm,
    OutsourcingMaterialLineForm,
    PurchaseOrderForm,
    PurchaseOrderLineForm,
    RequisitionForm,
    RequisitionLineForm,
    not_before,
)
from .models import OutsourcingOrder, PurchaseOrder, Requisition
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


class MaterialLinesFormSet(LineGridFormSet):
    """The material list of an outsourcing order may stay empty: the order's BOM gives it."""

    def clean(self):
        forms.BaseFormSet.clean(self)


class OutsourcingEntry(LineGridView):
    """An outsourcing order (委外加工单): the header names the product, supplier, quantity and
    fee (blank: the supplier's price list); the grid is the order's own material list (blank:
    the product's BOM for the quantity)."""

    module = "outsourcing"
    header_form_class = OutsourcingEntryForm
    line_form_class = OutsourcingMaterialLineForm
    lookup_url = reverse_lazy("inventory:item_lookup")
    totals = "qty"
    header_amount = ("qty", "unit_fee", "tax_rate")
    header_amount_label = gettext_lazy("Processing fee")
    header_amount_blank = gettext_lazy("from the supplier's price list")
    title_create = gettext_lazy("New outsourcing order")
    title_edit = gettext_lazy("Edit outsourcing order %(doc)s")
    title_copy = gettext_lazy("New outsourcing order copied from %(doc)s")
    breadcrumbs = [(gettext_lazy("Outsourcing orders"), reverse_lazy("procurement:outsourcing_list"))]

    def formset_class(self):
        return forms.formset_factory(self.line_form_class, formset=MaterialLinesFormSet, extra=self.extra)

    def get_document(self):
        return get_object_or_404(OutsourcingOrder, pk=self.kwargs["pk"])

    def header_initial(self, doc=None):
        if doc is None:
            return {"order_date": timezone.localdate()}
        today = timezone.localdate()
        keep = self.mode == "edit"
        shift = datetime.timedelta(days=0 if keep else max(0, (today - doc.order_date).days))
        return {
            "supplier": doc.supplier_id,
            "product": doc.item_id,
            "qty": doc.qty,
            "unit_fee": doc.unit_fee,
            "tax_rate": doc.tax_rate,
            "order_date": doc.order_date + shift,
            "start_date": doc.start_date + shift,
            "due_date": doc.due_date + shift,
            "warehouse": doc.warehouse_id,
            "note": doc.note,
        }

    def lines_initial(self, doc=None):
        if doc is None:
            return []
        return [
            {"component": m.component, "required": m.required_qty, "warehouse": m.warehouse_id}
            for m in doc.materials.select_related("component", "component__uom").order_by("line_no")
        ]

    def line_defaults(self, *, item, qty, header):
        """The component's quantity in the product's BOM for the order quantity, and the warehouse
        it is issued from (the header's, else the BOM line's, else the component's own)."""
        from bom.selectors import material_list

        product, order_qty = header.get("product"), header.get("qty")
        values: dict = {}
        row = None
        if product is not None and order_qty:
            day = header.get("start_date") or header.get("order_date") or timezone.localdate()
            row = next(
                (r for r in material_list(item_id=product.pk, qty=order_qty, as_of=day) if r.component_id == item.pk),
                None,
            )
        if row is not None and not qty:
            values["required"] = round_qty(row.required)
        warehouse = header.get("issue_warehouse")
        warehouse_id = warehouse.pk if warehouse else (row.warehouse_id if row else None) or item.default_warehouse_id
        if warehouse_id:
            values["warehouse"] = warehouse_id
        return values

    def save(self, *, header, lines, doc=None):
        qty = header["qty"]
        materials = [
            {
                "component_id": d["component"].pk,
                "qty_per": round_qty(d["required"] / qty),
                "required": d["required"],
                "warehouse_id": d["warehouse"].pk if d.get("warehouse") else None,
            }
            for d in lines
        ]
        common = {
            "supplier_id": header["supplier"].pk,
            "item_id": header["product"].pk,
            "qty": qty,
            "unit_fee": header["unit_fee"],
            "tax_rate": header["tax_rate"],
            "order_date": header["order_date"],
            "start_date": header["start_date"],
            "due_date": header["due_date"],
            "warehouse_id": header["warehouse"].pk if header["warehouse"] else None,
            "issue_warehouse_id": header["issue_warehouse"].pk if header["issue_warehouse"] else None,
            "materials": materials or None,
            "user": self.request.user,
            "note": header["note"],
        }
        if doc is not None:
            return services.outsourcing_order_update(order_id=doc.pk, **common)
        return services.outsourcing_order_create(**common)

    def success_url(self, doc):
        return reverse("procurement:outsourcing_detail", args=[doc.pk])

    def cancel_url(self):
        if self.document is not None:
            return self.success_url(self.document)
        return reverse("procurement:outsourcing_list")


class OutsourcingCreate(OutsourcingEntry):
    action_permission = permission_required = acl.ADD_OUTSOURCING


class OutsourcingEdit(OutsourcingEntry):
    mode = "edit"
    action_permission = permission_required = acl.CHANGE_OUTSOURCING


class OutsourcingCopy(OutsourcingEntry):
    mode = "copy"
    action_permission = permission_required = acl.ADD_OUTSOURCING


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
