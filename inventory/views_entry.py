"""Entry of stock documents in the line grid (erp/linegrid.py): other receipt, other issue and
transfer — new, edit while draft, copy. Writes go through inventory.services.documents."""

from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy

from erp.linegrid import LineGridView

from . import forms
from .models import OtherIssue, OtherReceipt, Transfer
from .services import documents

MODULE = "warehouse"

KINDS = {
    "other_receipt": {
        "model": OtherReceipt,
        "header": forms.WarehouseDocForm,
        "line": forms.ReceiptLineForm,
        "titles": (
            gettext_lazy("New other receipt"),
            gettext_lazy("Edit other receipt %(doc)s"),
            gettext_lazy("New other receipt copied from %(doc)s"),
        ),
        "list": gettext_lazy("Other receipts"),
    },
    "other_issue": {
        "model": OtherIssue,
        "header": forms.WarehouseDocForm,
        "line": forms.LineForm,
        "titles": (
            gettext_lazy("New other issue"),
            gettext_lazy("Edit other issue %(doc)s"),
            gettext_lazy("New other issue copied from %(doc)s"),
        ),
        "list": gettext_lazy("Other issues"),
    },
    "transfer": {
        "model": Transfer,
        "header": forms.TransferForm,
        "line": forms.LineForm,
        "titles": (
            gettext_lazy("New transfer"),
            gettext_lazy("Edit transfer %(doc)s"),
            gettext_lazy("New transfer copied from %(doc)s"),
        ),
        "list": gettext_lazy("Transfers"),
    },
}


class StockDocEntry(LineGridView):
    module = MODULE
    kind = ""
    lookup_url = reverse_lazy("inventory:item_lookup")
    totals = "qty"

    @property
    def cfg(self):
        return KINDS[self.kind]

    def get_document(self):
        return get_object_or_404(self.cfg["model"], pk=self.kwargs["pk"])

    def header_initial(self, doc=None):
        if doc is None:
            return {"doc_date": timezone.localdate()}
        out = {"doc_date": doc.doc_date if self.mode == "edit" else timezone.localdate(), "note": doc.note}
        if self.kind == "transfer":
            out.update(from_warehouse=doc.from_warehouse_id, to_warehouse=doc.to_warehouse_id)
        else:
            out.update(warehouse=doc.warehouse_id, reason=doc.reason)
        return out

    def lines_initial(self, doc=None):
        if doc is None:
            return []
        rows = []
        for ln in doc.lines.select_related("item", "item__uom").order_by("line_no"):
            row = {"item": ln.item, "qty": ln.qty}
            if self.kind == "other_receipt":
                row["unit_cost"] = ln.unit_cost
            rows.append(row)
        return rows

    def line_defaults(self, *, item, qty, header):
        return {"unit_cost": item.standard_cost} if self.kind == "other_receipt" else {}

    def save(self, *, header, lines, doc=None):
        inputs = [documents.LineInput(d["item"].pk, d["qty"], d.get("unit_cost")) for d in lines]
        common = {"lines": inputs, "doc_date": header["doc_date"], "note": header["note"], "user": self.request.user}
        if self.kind == "transfer":
            common.update(from_warehouse_id=header["from_warehouse"].pk, to_warehouse_id=header["to_warehouse"].pk)
        else:
            common.update(warehouse_id=header["warehouse"].pk, reason=header["reason"])
        if doc is not None:
            return getattr(documents, f"{self.kind}_update")(doc_id=doc.pk, **common)
        return getattr(documents, f"{self.kind}_create")(**common)

    def success_url(self, doc):
        return reverse(f"inventory:{self.kind}_detail", args=[doc.pk])

    def cancel_url(self):
        if self.document is not None:
            return self.success_url(self.document)
        return reverse(f"inventory:{self.kind}_list")


def entry_views(kind: str) -> dict:
    """{"create", "edit", "copy"}: the grid views of one stock document type."""
    cfg = KINDS[kind]
    model = cfg["model"]._meta.model_name
    add, change = f"inventory.add_{model}", f"inventory.change_{model}"
    out = {}
    for mode, perm in (("create", add), ("edit", change), ("copy", add)):
        attrs = {
            "kind": kind,
            "mode": mode,
            "header_form_class": cfg["header"],
            "line_form_class": cfg["line"],
            "title_create": cfg["titles"][0],
            "title_edit": cfg["titles"][1],
            "title_copy": cfg["titles"][2],
            "breadcrumbs": [(cfg["list"], reverse_lazy(f"inventory:{kind}_list"))],
            "action_permission": perm,
            "permission_required": perm,
            "__module__": __name__,
        }
        cls = type(f"{cfg['model'].__name__}{mode.title()}", (StockDocEntry,), attrs)
        out[mode] = cls.as_view()
    return out
