"""Manual vouchers (记账凭证) entered in the line grid (erp/linegrid.py): accounts looked up by
code, name or pinyin initials (`ledger:account_lookup`), debit and credit totals and their
difference kept live in the browser; an unbalanced voucher is refused with the message above the
grid and nothing saved. New and edit while draft; copy is the voucher page's Copy (a new draft,
ledger.services.vouchers.voucher_copy). Writes through ledger.services.vouchers."""

from decimal import Decimal

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import ValidationError
from erp.fields import ZERO
from erp.linegrid import VALIDATE_HEADER, LineGridView
from erp.numbers import format_money

from .forms import VoucherHeaderForm, VoucherLineForm
from .models import Account, Auxiliary, Voucher, VoucherStatus
from .services import accounts as account_services
from .services import vouchers as voucher_services

MODULE = "ledger"


def aux_lookup(account: Account, text: str):
    """(kind, id, label) of the auxiliary item typed as its code (or name)."""
    if account.auxiliary == Auxiliary.NONE or not text.strip():
        return "", None, ""
    text = text.strip()
    if account.auxiliary == Auxiliary.CUSTOMER:
        from crm.models import Customer

        obj = Customer.objects.filter(Q(code=text) | Q(name=text)).first()
    elif account.auxiliary == Auxiliary.SUPPLIER:
        from inventory.models import Supplier

        obj = Supplier.objects.filter(Q(code=text) | Q(name=text)).first()
    elif account.auxiliary == Auxiliary.WAREHOUSE:
        from inventory.models import Warehouse

        obj = Warehouse.objects.filter(Q(code=text) | Q(name=text)).first()
    else:
        return account.auxiliary, None, text[:200]
    if obj is None:
        raise ValidationError(
            _("'%(value)s' is not a %(kind)s.") % {"value": text, "kind": account.get_auxiliary_display()},
            code="no_aux",
        )
    return account.auxiliary, obj.pk, str(obj)[:200]


class VoucherEntry(LineGridView):
    module = MODULE
    permission_required = "ledger.view_voucher"
    header_form_class = VoucherHeaderForm
    line_form_class = VoucherLineForm
    lookup_url = reverse_lazy("ledger:account_lookup")
    totals = "sums"
    extra = 2
    title_create = gettext_lazy("Voucher entry")
    title_edit = gettext_lazy("Edit voucher %(doc)s")
    draft_statuses = (VoucherStatus.DRAFT,)
    breadcrumbs = [(gettext_lazy("Vouchers"), reverse_lazy("ledger:vouchers"))]

    def get_document(self):
        return get_object_or_404(Voucher, pk=self.kwargs["pk"])

    def build(self, data=None):
        account_services.ensure_default_chart()  # the shipped chart's accounts exist before lookup
        return super().build(data)

    def header_initial(self, doc=None):
        if doc is None:
            return {"voucher_date": timezone.localdate(), "attachments": 0}
        return {"voucher_date": doc.voucher_date, "summary": doc.summary, "attachments": doc.attachments}

    def lines_initial(self, doc=None):
        if doc is None:
            return []
        return [
            {
                "summary": ln.summary,
                "account": ln.account,
                "aux": ln.aux_label,
                "debit": ln.debit or None,
                "credit": ln.credit or None,
            }
            for ln in doc.lines.select_related("account").order_by("line_no")
        ]

    def clean_lines(self, header, formset):
        """A line is a debit or a credit (not both, not none); the auxiliary item exists; debits
        equal credits (the difference is named above the grid)."""
        debit = credit = ZERO
        for f in formset.forms:
            data = getattr(f, "cleaned_data", None) or {}
            if not f.has_changed() or not data:
                continue
            d, c = data.get("debit") or ZERO, data.get("credit") or ZERO
            if d and c:
                f.add_error("credit", _("A voucher line is either a debit or a credit."))
            elif not d and not c:
                f.add_error("debit", _("Enter a debit or a credit amount."))
            account = data.get("account")
            if account is not None:
                try:
                    aux_lookup(account, data.get("aux") or "")
                except ValidationError as exc:
                    f.add_error("aux", str(exc))
            debit, credit = debit + d, credit + c
        # while typing the difference shows under the grid; the message is for a save
        live = self.request.META.get(VALIDATE_HEADER) == "validate"
        if debit != credit and not live and not any(f.errors for f in formset.forms):
            formset.add_non_form_error(
                _("The voucher does not balance: debit %(d)s, credit %(c)s, difference %(diff)s.")
                % {"d": format_money(debit), "c": format_money(credit), "diff": format_money(debit - credit)}
            )

    def save(self, *, header, lines, doc=None):
        specs = []
        for d in lines:
            kind, aux_id, aux_label = aux_lookup(d["account"], d.get("aux") or "")
            specs.append(
                voucher_services.LineSpec(
                    d["account"],
                    d.get("debit") or Decimal(0),
                    d.get("credit") or Decimal(0),
                    (d.get("summary") or "").strip()[:200],
                    kind,
                    aux_id,
                    aux_label,
                )
            )
        common = {
            "on_date": header["voucher_date"],
            "lines": specs,
            "summary": (header.get("summary") or "").strip(),
            "attachments": header.get("attachments") or 0,
            "user": self.request.user,
        }
        if doc is not None:
            return voucher_services.voucher_update(voucher_id=doc.pk, **common)
        return voucher_services.voucher_create(**common)

    def success_message(self, doc) -> str:
        return _("Voucher saved.")

    def success_url(self, doc):
        return reverse("ledger:voucher", args=[doc.pk])

    def cancel_url(self):
        if self.document is not None:
            return self.success_url(self.document)
        return reverse("ledger:vouchers")


class VoucherCreate(VoucherEntry):
    action_permission = "ledger.add_voucher"


class VoucherEdit(VoucherEntry):
    mode = "edit"
    action_permission = "ledger.change_voucher"
