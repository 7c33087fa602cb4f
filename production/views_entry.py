"""The material list of a planned work order entered in the line grid (erp/linegrid.py): add,
remove and duplicate lines, components looked up by number, name or pinyin initials, the
required quantity defaulting from the BOM. Writes through
production.services.work_orders.work_order_materials_replace; release keeps the list."""

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.fields import round_qty
from erp.linegrid import LineGridView
from erp.numbers import format_quantity

from .forms import MaterialLineForm
from .models import WorkOrder
from .services import work_orders as wos
from .states import IssueMethod, LineType, WorkOrderStatus

CHANGE_MATERIAL = "production.change_workordermaterial"


class MaterialListEdit(LineGridView):
    module = "production"
    action_permission = permission_required = CHANGE_MATERIAL
    mode = "edit"
    header_form_class = forms.Form
    line_form_class = MaterialLineForm
    lookup_url = reverse_lazy("inventory:item_lookup")
    totals = "qty"
    title_edit = gettext_lazy("Material list of %(doc)s")
    draft_statuses = (WorkOrderStatus.PLANNED,)
    breadcrumbs = [(gettext_lazy("Work orders"), reverse_lazy("production:wo_list"))]

    def get_title(self):
        wo = self.document
        return _("Material list of %(doc)s: %(qty)s %(unit)s %(item)s") % {
            "doc": wo.number,
            "qty": format_quantity(wo.qty, wo.item.uom),
            "unit": wo.item.uom.code,
            "item": f"{wo.item.code} {wo.item.name}",
        }

    def get_document(self):
        return get_object_or_404(WorkOrder.objects.select_related("item", "item__uom"), pk=self.kwargs["pk"])

    def _refuse_edit(self):
        from django.contrib import messages
        from django.http import HttpResponseRedirect

        messages.error(
            self.request,
            _("%(doc)s is %(status)s: only a planned order's material list is changed here; nothing was changed.")
            % {"doc": self.document, "status": self.document.get_status_display()},
        )
        return HttpResponseRedirect(self.success_url(self.document))

    def lines_initial(self, doc=None):
        return [
            {
                "component": m.component,
                "required": m.required,
                "line_type": m.line_type,
                "issue_method": m.issue_method,
                "warehouse": m.warehouse_id,
            }
            for m in wos.material_list_draft(doc)
        ]

    def line_defaults(self, *, item, qty, header):
        """From the order's BOM when the component is on it (required for the order quantity,
        issue method, warehouse), else the component's own warehouse and manual issue."""
        wo = self.document
        snapshot = wos.material_snapshot(wo, wo.planned_start) if wo.bom_id else []
        row = next((m for m in snapshot if m.component_id == item.pk), None)
        values: dict = {
            "line_type": row.line_type if row else LineType.COMPONENT,
            "issue_method": row.issue_method if row else IssueMethod.MANUAL,
        }
        if row is not None and not qty:
            values["required"] = round_qty(row.required)
        warehouse_id = (row.warehouse_id if row else None) or item.default_warehouse_id
        if warehouse_id:
            values["warehouse"] = warehouse_id
        return values

    def clean_lines(self, header, formset):
        wo = self.document
        for f in formset.forms:
            data = getattr(f, "cleaned_data", None) or {}
            if f.has_changed() and data.get("component") is not None and data["component"].pk == wo.item_id:
                f.add_error("component", _("%(item)s is the item the order makes.") % {"item": wo.item.code})

    def save(self, *, header, lines, doc=None):
        rows = [
            {
                "component_id": d["component"].pk,
                "required": d["required"],
                "line_type": d["line_type"],
                "issue_method": d["issue_method"],
                "warehouse_id": d["warehouse"].pk if d.get("warehouse") else None,
            }
            for d in lines
        ]
        return wos.work_order_materials_replace(work_order_id=doc.pk, lines=rows, user=self.request.user)

    def success_message(self, doc) -> str:
        return _("Material list of %(doc)s saved.") % {"doc": doc.number}

    def success_url(self, doc):
        return reverse("production:wo_detail", args=[doc.pk])

    def cancel_url(self):
        return self.success_url(self.document)
