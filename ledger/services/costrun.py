"""Vouchers of cost runs (costing.services.listeners, docs/costing.md): one voucher per run with
the run's correction entries; a WIP credit of a work order is split by element (relieve_wip)."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from erp.fields import ZERO

from ..models import Voucher
from .accounts import accounts_by_code, rule_codes, stock_accounts
from .auto import _wo_label, relieve_wip
from .reports import period_end_date
from .vouchers import LineSpec, voucher_create

SOURCE = "costing.costrun"


def _account(role: str, entry, rules: dict, stock: dict) -> str:
    if role == "stock" and entry.warehouse_id:
        return stock[(entry.item_id, entry.warehouse_id)]
    if role == "expense":
        return rules.get((entry.source_type, "counter")) or rules[("costing", "expense")]
    return rules.get(("costing", role)) or rules.get(("costing", "expense")) or "5602"


POOLS = "costing.pools"
POOL_ACCOUNTS = {"labour": "4001.02", "overhead": "4001.03"}


def post_pool_allocations(event) -> Voucher | None:
    """Labour and overhead the run allocated to work orders (costing OrderCost, this period):
    Dr 4001.02 / 4001.03 per order, Cr 4101 — only the change against what earlier runs of the
    period posted, so re-runs post nothing."""
    from costing.models import OrderCost

    from ..models import VoucherLine, VoucherStatus

    year, month = (int(x) for x in str(event.period).split("-"))
    wanted: dict[tuple[str, int | None], Decimal] = defaultdict(lambda: ZERO)
    labels: dict[int, str] = {}
    for oc in OrderCost.objects.filter(
        run_id=event.run_id, element__in=list(POOL_ACCOUNTS), work_order__isnull=False
    ).values("element", "work_order_id", "order_no", "this_period"):
        wanted[(POOL_ACCOUNTS[oc["element"]], oc["work_order_id"])] += oc["this_period"] or ZERO
        labels[oc["work_order_id"]] = oc["order_no"]
    posted: dict[tuple[str, int | None], Decimal] = defaultdict(lambda: ZERO)
    for r in (
        VoucherLine.objects.filter(
            voucher__source_type=POOLS,
            voucher__year=year,
            voucher__month=month,
            voucher__status=VoucherStatus.POSTED,
            account__code__in=list(POOL_ACCOUNTS.values()),
        )
        .values("account__code", "aux_id")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
    ):
        posted[(r["account__code"], r["aux_id"])] += (r["d"] or ZERO) - (r["c"] or ZERO)
    rules = rule_codes()
    summary = _("Labour and overhead allocated, cost run %(period)s") % {"period": event.period}
    lines, total = [], ZERO
    for key in sorted(set(wanted) | set(posted), key=lambda k: (k[0], k[1] or 0)):
        diff = wanted.get(key, ZERO) - posted.get(key, ZERO)
        if diff:
            code, wo_id = key
            lines.append(
                LineSpec(
                    code,
                    debit=diff,
                    summary=summary,
                    aux_kind="work_order",
                    aux_id=wo_id,
                    aux_label=labels.get(wo_id or 0, ""),
                )
            )
            total += diff
    if not lines:
        return None
    lines.append(LineSpec(rules[("costing.overhead", "credit")], credit=total, summary=summary))
    entry_dates = [e.entry_date for e in event.entries]
    on_date = max(entry_dates) if entry_dates else period_end_date(year, month)
    return voucher_create(
        on_date=on_date,
        lines=lines,
        summary=summary,
        post=True,
        source_type=POOLS,
        source_id=event.run_id,
        source_number=str(event.period),
    )


def on_cost_run(event) -> Voucher | None:
    accounts_by_code()
    post_pool_allocations(event)
    entries = [e for e in event.entries if e.amount]
    if not entries:
        return None
    rules = rule_codes()
    stock = stock_accounts({(e.item_id, e.warehouse_id) for e in entries if e.warehouse_id})
    labels = _wo_label({e.work_order_id for e in entries if e.work_order_id})
    lines: list[LineSpec] = []
    for e in entries:
        summary = (_("Cost run %(period)s") % {"period": event.period} + f" {e.kind} {e.source_number}").strip()[:200]
        aux: dict[str, Any] = (
            {"aux_kind": "work_order", "aux_id": e.work_order_id, "aux_label": labels.get(e.work_order_id, "")}
            if e.work_order_id
            else {}
        )
        debit = _account(e.debit, e, rules, stock)
        lines.append(LineSpec(debit, debit=e.amount, summary=summary, **(aux if debit.startswith("4001") else {})))
        if e.credit == "wip" and e.work_order_id and e.amount > 0:
            lines.extend(relieve_wip(e.work_order_id, e.amount, summary, labels.get(e.work_order_id, "")))
            continue
        credit = _account(e.credit, e, rules, stock)
        lines.append(LineSpec(credit, credit=e.amount, summary=summary, **(aux if credit.startswith("4001") else {})))
    if not any(ln.debit or ln.credit for ln in lines):
        return None
    on_date = max(e.entry_date for e in entries)
    total = sum((ln.debit for ln in lines), ZERO)
    if not total and not any(ln.credit for ln in lines):
        return None
    return voucher_create(
        on_date=on_date,
        lines=lines,
        summary=_("Cost run %(period)s") % {"period": event.period},
        post=True,
        source_type=SOURCE,
        source_id=event.run_id,
        source_number=str(event.period),
    )
