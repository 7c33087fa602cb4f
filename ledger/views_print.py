"""Print view and PDF of an accounting voucher on the kernel's print layout (erp.printing): A4 or
voucher paper (`?paper=voucher`, 240 × 140 mm), opening the print dialog once loaded."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from erp.numbers import format_money
from erp.printing import Column, PrintDoc, Table, date, print_views

from .models import Voucher

MODULE = "ledger"


def voucher_number(v: Voucher) -> str:
    """记-0007 (2026-06) → `2026-06-记-0007`; a draft has no number yet: `记-draft-<id>`."""
    if v.number:
        return f"{v.year}-{v.month:02d}-{v.word}-{v.number:04d}"
    return f"{v.word}-{_('draft')}-{v.pk}"


def voucher(request, pk) -> PrintDoc:
    v = get_object_or_404(Voucher.objects.select_related("created_by", "audited_by", "posted_by"), pk=pk)
    lines = list(v.lines.select_related("account").order_by("line_no"))
    rows = [
        [
            ln.summary,
            f"{ln.account.code} {ln.account.name}" + (f" / {ln.aux_label}" if ln.aux_label else ""),
            format_money(ln.debit) if ln.debit else "",
            format_money(ln.credit) if ln.credit else "",
        ]
        for ln in lines
    ]
    table = Table(
        columns=[
            Column(capfirst(_("summary"))),
            Column(capfirst(_("account"))),
            Column(capfirst(_("debit")), True),
            Column(capfirst(_("credit")), True),
        ],
        rows=rows,
        total=["", _("Total"), format_money(v.debit_total), format_money(v.credit_total)],
    )
    return PrintDoc(
        title=_("Accounting voucher"),
        number=voucher_number(v),
        status=v.get_status_display(),
        fields=[
            (capfirst(_("date")), date(v.voucher_date)),
            (capfirst(_("voucher word")), _("%(word)s No. %(number)s") % {"word": v.word, "number": v.number or "—"}),
            (capfirst(_("period")), f"{v.year}-{v.month:02d}"),
            (capfirst(_("attachments")), v.attachments),
        ],
        tables=[table],
        signatures=[
            f"{capfirst(_('made by'))}: {v.created_by or ''}",
            f"{capfirst(_('audited by'))}: {v.audited_by or ''}",
            f"{capfirst(_('posted by'))}: {v.posted_by or ''}",
        ],
        paper="voucher" if request.GET.get("paper") == "voucher" else "A4",
        autoprint=True,
    )


voucher_print, voucher_pdf = print_views(voucher, module=MODULE, perms=("ledger.view_voucher",))
