"""Period end: 结转损益 (close income and expense accounts into 3103 本年利润) as one voucher."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from erp.errors import ValidationError
from erp.fields import ZERO
from erp.types import User

from ..models import AccountKind, OpeningBalance, Voucher, VoucherLine, VoucherStatus
from .accounts import accounts_by_code, rule_codes
from .reports import PERIOD_END, period_end_date
from .vouchers import LineSpec, voucher_create


@transaction.atomic
def close_profit_and_loss(*, year: int, month: int, user: User | None = None) -> Voucher:
    """Carry the balances of every income and expense account (per auxiliary item) at the end of
    the period to 3103: Dr income / Cr 3103, Dr 3103 / Cr expense. Nothing left: refused."""
    accounts_by_code()
    profit = rule_codes()[("period_end", "profit")]
    balances: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    meta: dict[tuple, tuple] = {}
    for r in (
        VoucherLine.objects.filter(
            voucher__status=VoucherStatus.POSTED,
            account__kind__in=[AccountKind.INCOME, AccountKind.EXPENSE],
        )
        .filter(Q(voucher__year__lt=year) | Q(voucher__year=year, voucher__month__lte=month))
        .values("account_id", "account__code", "account__kind", "aux_kind", "aux_id", "aux_label")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by("account__code")
    ):
        k = (r["account__code"], r["aux_kind"], r["aux_id"])
        balances[k] += (r["d"] or ZERO) - (r["c"] or ZERO)
        meta[k] = (r["account__kind"], r["aux_label"])
    for ob in OpeningBalance.objects.filter(account__kind__in=[AccountKind.INCOME, AccountKind.EXPENSE]).select_related(
        "account"
    ):
        k = (ob.account.code, ob.aux_kind, ob.aux_id)
        balances[k] += ob.debit - ob.credit
        meta[k] = (ob.account.kind, ob.aux_label)
    summary = _("Close profit and loss %(period)s") % {"period": f"{year}-{month:02d}"}
    income_lines, expense_lines = [], []
    income_total = expense_total = ZERO
    for k in sorted(balances):
        bal = balances[k]
        if not bal:
            continue
        code, aux_kind, aux_id = k
        aux: dict[str, Any] = {"aux_kind": aux_kind, "aux_id": aux_id, "aux_label": meta[k][1]}
        if meta[k][0] == AccountKind.INCOME:
            income_lines.append(LineSpec(code, debit=-bal, summary=summary, **aux))
            income_total += -bal
        else:
            expense_lines.append(LineSpec(code, credit=bal, summary=summary, **aux))
            expense_total += bal
    if not income_lines and not expense_lines:
        raise ValidationError(
            _("Nothing to close: the income and expense accounts have no balance at the end of %(period)s.")
            % {"period": f"{year}-{month:02d}"},
            code="nothing_to_close",
        )
    lines = income_lines
    if income_total:
        lines.append(LineSpec(profit, credit=income_total, summary=summary))
    if expense_total:
        lines.append(LineSpec(profit, debit=expense_total, summary=summary))
    lines += expense_lines
    return voucher_create(
        on_date=period_end_date(year, month),
        lines=lines,
        summary=summary,
        post=True,
        source_type=PERIOD_END,
        source_id=year * 100 + month,
        source_number=f"{year}-{month:02d}",
        user=user,
    )


@transaction.atomic
def overhead_allocate(*, work_order_id: int, amount, on_date, user: User | None = None) -> Voucher:
    """制造费用分配 to one work order: Dr 4001.03 (work order) / Cr 4101. Used where the cost run
    does not allocate overhead itself."""
    from erp.fields import round_money
    from production.models import WorkOrder

    wo = WorkOrder.objects.get(pk=work_order_id)
    amount = round_money(amount)
    if amount <= 0:
        raise ValidationError(_("The overhead to allocate must be greater than 0."), code="amount")
    rules = rule_codes()
    summary = _("Overhead allocated to %(wo)s") % {"wo": wo.number}
    return voucher_create(
        on_date=on_date,
        lines=[
            LineSpec(
                rules[("costing.overhead", "debit")],
                debit=amount,
                summary=summary,
                aux_kind="work_order",
                aux_id=wo.pk,
                aux_label=str(wo.number),
            ),
            LineSpec(rules[("costing.overhead", "credit")], credit=amount, summary=summary),
        ],
        summary=summary,
        post=True,
        source_type="ledger.overhead",
        source_id=wo.pk,
        source_number=str(wo.number),
        user=user,
    )
