"""Automatic vouchers: the listener of `erp.postings` (ADR 0007).

A document announces its posting inside its own transaction; the voucher is built here from
the document and its stock moves (the stock side is always exactly the stock ledger's value)
and posted at once. An error here rolls the document back too.
"""

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from costing.models import CostRole
from erp.fields import ZERO, round_money
from erp.postings import Posting
from inventory.models import StockMove

from ..models import Voucher
from .accounts import STOCK_PLACE, accounts_by_code, rule_codes, stock_accounts_of
from .vouchers import LineSpec, voucher_create, voucher_reverse

# document type -> label used in the voucher summary (lazy: read in the language of each request,
# not in the language of the first caller of the process)
LABELS: dict[str, Any] = {}


def _labels() -> dict[str, Any]:
    if not LABELS:
        LABELS.update(
            {
                "procurement.purchasereceipt": gettext_lazy("Purchase receipt"),
                "procurement.purchasereturn": gettext_lazy("Purchase return"),
                "procurement.accrualentry": gettext_lazy("Accrual"),
                "procurement.supplierinvoice": gettext_lazy("Supplier invoice"),
                "procurement.supplierpayment": gettext_lazy("Supplier payment"),
                "procurement.outsourcingissue": gettext_lazy("Issue to subcontractor"),
                "procurement.outsourcingreceipt": gettext_lazy("Outsourcing receipt"),
                "production.picking": gettext_lazy("Material issue"),
                "production.fgreceipt": gettext_lazy("FG receipt"),
                "crm.delivery": gettext_lazy("Sales delivery"),
                "crm.sales_return": gettext_lazy("Sales return"),
                "crm.invoice": gettext_lazy("Sales invoice"),
                "crm.receipt": gettext_lazy("Customer receipt"),
                "inventory.other_receipt": gettext_lazy("Other receipt"),
                "inventory.other_issue": gettext_lazy("Other issue"),
                "inventory.transfer": gettext_lazy("Transfer"),
                "inventory.stock_count": gettext_lazy("Stock count"),
                "costing": gettext_lazy("Cost run"),
                "costing.overhead": gettext_lazy("Overhead allocation"),
                "period_end": gettext_lazy("Period end"),
            }
        )
    return LABELS


def label_for(source_type: str) -> str:
    return str(_labels().get(source_type, source_type))


# line kind (role) of a voucher template -> label; the cost run's roles are costing.CostRole
ROLE_LABELS: dict[str, Any] = {
    "counter": gettext_lazy("Counter account"),
    "accrual": gettext_lazy("Accrual"),
    "vat": gettext_lazy("VAT"),
    "payable": gettext_lazy("Accounts payable"),
    "issued": gettext_lazy("Difference on issued goods"),
    "bank": gettext_lazy("Bank deposit"),
    "receivable": gettext_lazy("Accounts receivable"),
    "revenue": gettext_lazy("Revenue"),
    "advance": gettext_lazy("Advance from customers"),
    "debit": gettext_lazy("Debit side"),
    "credit": gettext_lazy("Credit side"),
    "profit": gettext_lazy("Profit for the year"),
}


def role_label(role: str) -> str:
    """The label of a voucher template's line kind in the user's language (`bank` → 银行存款)."""
    labels = {**dict(CostRole.choices), **ROLE_LABELS}
    return str(labels.get(role, role))


# stock documents whose counter-entry is the net of their stock lines (material + fee etc.)
NETTED = {"procurement.outsourcingissue", "procurement.outsourcingreceipt", "inventory.transfer"}


def _party(p: Posting) -> tuple[str, int | None, str]:
    """(aux kind, id, label) of the supplier/customer of a document."""
    st = p.source_type
    if st.startswith("procurement."):
        from procurement.models import OutsourcingReceipt, PurchaseReceipt, PurchaseReturn

        model: Any = {
            "procurement.purchasereceipt": PurchaseReceipt,
            "procurement.purchasereturn": PurchaseReturn,
            "procurement.outsourcingreceipt": OutsourcingReceipt,
        }.get(st)
        if model is None:
            return "", None, ""
        doc = model.objects.select_related("supplier").filter(pk=p.source_id).first()
        if doc is None:
            return "", None, ""
        return "supplier", doc.supplier_id, str(doc.supplier)
    return "", None, ""


def _stock_by_account(rows) -> dict[tuple[str, bool], Decimal]:
    """(stock account, debit side) → value of moves read as (*STOCK_PLACE, value)."""
    accounts = stock_accounts_of([r[:-1] for r in rows])
    stock: dict[tuple[str, bool], Decimal] = defaultdict(lambda: ZERO)
    for r in rows:
        value = r[-1]
        if value:
            stock[(accounts[(r[0], r[1])], value > 0)] += value
    return stock


def _stock_account_lines(stock: dict[tuple[str, bool], Decimal], summary: str) -> list[LineSpec]:
    """One line per stock account and side, in account order."""
    return [
        LineSpec(code, debit=value, summary=summary) if debit else LineSpec(code, credit=-value, summary=summary)
        for (code, debit), value in sorted(stock.items())
    ]


def stock_lines(p: Posting, summary: str, rules: dict, *, reversal: bool = False) -> list[LineSpec]:
    """Stock lines of the document's moves, per stock account and side, and their counter-entry."""
    # the moves with what decides their stock accounts, in one read
    moves = list(
        StockMove.objects.filter(source_type=p.source_type, source_id=p.source_id, reversal=reversal).values_list(
            *STOCK_PLACE, "value"
        )
    )
    if not moves:
        return []
    stock = _stock_by_account(moves)
    counter = rules.get((p.source_type, "counter"), "1901")
    aux_kind, aux_id, aux_label = _party(p) if counter.startswith("2202") else ("", None, "")
    lines = _stock_account_lines(stock, summary)
    if p.source_type in NETTED:
        net = sum(stock.values(), ZERO)
        if net > 0:
            lines.append(
                LineSpec(counter, credit=net, summary=summary, aux_kind=aux_kind, aux_id=aux_id, aux_label=aux_label)
            )
        elif net < 0:
            lines.append(
                LineSpec(counter, debit=-net, summary=summary, aux_kind=aux_kind, aux_id=aux_id, aux_label=aux_label)
            )
        return lines
    debit_total = sum((v for (_c, d), v in stock.items() if d), ZERO)
    credit_total = -sum((v for (_c, d), v in stock.items() if not d), ZERO)
    if debit_total:
        lines.append(
            LineSpec(
                counter, credit=debit_total, summary=summary, aux_kind=aux_kind, aux_id=aux_id, aux_label=aux_label
            )
        )
    if credit_total:
        lines.append(
            LineSpec(
                counter, debit=credit_total, summary=summary, aux_kind=aux_kind, aux_id=aux_id, aux_label=aux_label
            )
        )
    return lines


def _supplier_invoice(p: Posting, summary: str, rules: dict) -> list[LineSpec]:
    from procurement.models import AccrualEntry, AccrualReason, AdjustmentTarget, CostAdjustmentEntry, SupplierInvoice

    inv = SupplierInvoice.objects.select_related("supplier").get(pk=p.source_id)
    aux: dict[str, Any] = {"aux_kind": "supplier", "aux_id": inv.supplier_id, "aux_label": str(inv.supplier)}
    r = lambda role: rules[("procurement.supplierinvoice", role)]  # noqa: E731
    cleared = -(
        AccrualEntry.objects.filter(reason=AccrualReason.INVOICE, document_number=inv.number).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    issued = (
        CostAdjustmentEntry.objects.filter(document_number=inv.number, target=AdjustmentTarget.ISSUED).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    lines = [ln for ln in stock_lines(p, summary, {}, reversal=False) if ln.account != "1901"]
    out = []
    if cleared:
        out.append(LineSpec(r("accrual"), debit=cleared, summary=summary, **aux))
    if inv.tax_amount:
        out.append(LineSpec(r("vat"), debit=inv.tax_amount, summary=summary))
    out.extend(lines)
    if issued:
        out.append(LineSpec(r("issued"), debit=issued, summary=summary))
    out.append(LineSpec(r("payable"), credit=inv.total, summary=summary, **aux))
    return out


def _supplier_payment(p: Posting, summary: str, rules: dict) -> list[LineSpec]:
    from procurement.models import SupplierInvoice

    inv = SupplierInvoice.objects.select_related("supplier").get(pk=p.source_id)
    amount = round_money(p.amount or ZERO)
    aux: dict[str, Any] = {"aux_kind": "supplier", "aux_id": inv.supplier_id, "aux_label": str(inv.supplier)}
    return [
        LineSpec(rules[("procurement.supplierpayment", "payable")], debit=amount, summary=summary, **aux),
        LineSpec(rules[("procurement.supplierpayment", "bank")], credit=amount, summary=summary),
    ]


def _sales_invoice(p: Posting, summary: str, rules: dict) -> list[LineSpec]:
    from crm.models import SalesInvoice

    inv = SalesInvoice.objects.select_related("customer").get(pk=p.source_id)
    aux: dict[str, Any] = {"aux_kind": "customer", "aux_id": inv.customer_id, "aux_label": str(inv.customer)}
    lines = [LineSpec(rules[("crm.invoice", "receivable")], debit=inv.total, summary=summary, **aux)]
    lines.append(LineSpec(rules[("crm.invoice", "revenue")], credit=inv.amount, summary=summary))
    if inv.tax_amount:
        lines.append(LineSpec(rules[("crm.invoice", "vat")], credit=inv.tax_amount, summary=summary))
    return lines


def _customer_receipt(p: Posting, summary: str, rules: dict) -> list[LineSpec]:
    from crm.models import Receipt

    rc = Receipt.objects.select_related("customer").get(pk=p.source_id)
    aux: dict[str, Any] = {"aux_kind": "customer", "aux_id": rc.customer_id, "aux_label": str(rc.customer)}
    matched = rc.allocations.aggregate(s=Sum("amount"))["s"] or ZERO
    lines = [LineSpec(rules[("crm.receipt", "bank")], debit=rc.amount, summary=summary)]
    if matched:
        lines.append(LineSpec(rules[("crm.receipt", "receivable")], credit=matched, summary=summary, **aux))
    if rc.amount - matched:
        lines.append(LineSpec(rules[("crm.receipt", "advance")], credit=rc.amount - matched, summary=summary, **aux))
    return lines


WIP_ELEMENTS = ["4001.01", "4001.02", "4001.03", "4001.04"]


class _Moves(list):
    """(item, warehouse, source line, value, kind) of a document's moves; `valued`: the same moves
    as (*STOCK_PLACE, value), what decides their stock accounts, read with them."""

    valued: list


def _move_rows(p: Posting, reversal: bool = False) -> _Moves:
    rows = list(
        StockMove.objects.filter(source_type=p.source_type, source_id=p.source_id, reversal=reversal).values_list(
            "source_line", "value", "kind", *STOCK_PLACE
        )
    )
    moves = _Moves((r[3], r[4], r[0], r[1], r[2]) for r in rows)
    moves.valued = [(*r[3:], r[1]) for r in rows]
    return moves


def _stock_side(moves: _Moves, summary: str) -> list[LineSpec]:
    return _stock_account_lines(_stock_by_account(moves.valued), summary)


def _wo_label(ids) -> dict[int, str]:
    from production.models import WorkOrder

    return {wo.pk: str(wo.number) for wo in WorkOrder.objects.filter(pk__in=list(ids)).only("pk", "number")}


def _picking(p: Posting, summary: str, rules: dict) -> list[LineSpec]:
    """Material issue: Dr 4001.01 per work order (auxiliary), Cr the stock accounts."""
    from production.models import PickingAllocation

    moves = _move_rows(p)
    if not moves:
        return []
    allocs: dict[int, list[tuple[int | None, Decimal]]] = defaultdict(list)
    for line_id, order_id, issued, planned in PickingAllocation.objects.filter(
        line_id__in={m[2] for m in moves}
    ).values_list("line_id", "material__work_order_id", "issued_qty", "qty"):
        allocs[line_id].append((order_id, abs(issued) or abs(planned)))
    per_wo: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for _i, _w, line_id, value, _kind in moves:
        shares = allocs.get(line_id) or [(None, Decimal(1))]
        total = sum((s for _wo, s in shares), ZERO) or Decimal(1)
        left = value
        for n, (share_wo, share) in enumerate(shares):
            part = left if n == len(shares) - 1 else round_money(value * share / total)
            per_wo[share_wo] -= part
            left -= part
    labels = _wo_label({w for w in per_wo if w})
    counter = rules[("production.picking", "counter")]
    lines = []
    for wo_id, amount in sorted(per_wo.items(), key=lambda kv: kv[0] or 0):
        aux: dict[str, Any] = (
            {"aux_kind": "work_order", "aux_id": wo_id, "aux_label": labels.get(wo_id, "")} if wo_id else {}
        )
        if amount > 0:
            lines.append(LineSpec(counter, debit=amount, summary=summary, **aux))
        elif amount < 0:
            lines.append(LineSpec(counter, credit=-amount, summary=summary, **aux))
    return lines + _stock_side(moves, summary)


def wip_balances(wo_id: int) -> dict[str, Decimal]:
    """Balance per WIP element account of one work order (posted vouchers)."""
    from ..models import VoucherLine, VoucherStatus

    rows = (
        VoucherLine.objects.filter(
            aux_kind="work_order", aux_id=wo_id, account__code__startswith="4001", voucher__status=VoucherStatus.POSTED
        )
        .values("account__code")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
    )
    return {r["account__code"]: (r["d"] or ZERO) - (r["c"] or ZERO) for r in rows}


def relieve_wip(wo_id: int | None, amount: Decimal, summary: str, label: str, extra_material: Decimal = ZERO):
    """Credit `amount` of finished output to the work order's WIP elements in order (材料, 人工,
    制造费用, 委外): each up to its balance; what is left to direct materials."""
    aux: dict[str, Any] = {"aux_kind": "work_order", "aux_id": wo_id, "aux_label": label} if wo_id else {}
    if amount <= 0 or not wo_id:
        side = "credit" if amount >= 0 else "debit"
        if not amount:
            return []
        if side == "credit":
            return [LineSpec(WIP_ELEMENTS[0], credit=amount, summary=summary, **aux)]
        return [LineSpec(WIP_ELEMENTS[0], debit=-amount, summary=summary, **aux)]
    bal = wip_balances(wo_id)
    bal[WIP_ELEMENTS[0]] = bal.get(WIP_ELEMENTS[0], ZERO) + extra_material
    lines, left = [], amount
    for code in WIP_ELEMENTS:
        take = min(left, max(bal.get(code, ZERO), ZERO))
        if take > 0:
            lines.append(LineSpec(code, credit=take, summary=summary, **aux))
            left -= take
    if left > 0:
        lines.append(LineSpec(WIP_ELEMENTS[0], credit=left, summary=summary, **aux))
    return lines


def _fg_receipt(p: Posting, summary: str, rules: dict) -> list[LineSpec]:
    """FG receipt: Dr 1405 / Cr 4001.xx by element; backflush Dr 4001.01 / Cr 1403."""
    from production.models import FGReceipt

    moves = _move_rows(p)
    if not moves:
        return []
    rc = FGReceipt.objects.select_related("work_order").get(pk=p.source_id)
    wo = rc.work_order
    label = str(wo.number)
    aux: dict[str, Any] = {"aux_kind": "work_order", "aux_id": wo.pk, "aux_label": label}
    out_value = sum((v for _i, _w, _l, v, k in moves if k in ("fg_receipt", "co_product")), ZERO)
    backflush = -sum((v for _i, _w, _l, v, k in moves if k not in ("fg_receipt", "co_product")), ZERO)
    lines = _stock_side(moves, summary)
    if backflush:
        lines.append(LineSpec(WIP_ELEMENTS[0], debit=backflush, summary=summary, **aux))
    lines.extend(relieve_wip(wo.pk, out_value, summary, label, extra_material=backflush))
    return lines


def _stock(p: Posting, summary: str, rules: dict) -> list[LineSpec]:
    return stock_lines(p, summary, rules)


BUILDERS: dict[str, Callable[[Posting, str, dict], list[LineSpec]]] = {
    "production.picking": _picking,
    "production.fgreceipt": _fg_receipt,
    "procurement.supplierinvoice": _supplier_invoice,
    "procurement.supplierpayment": _supplier_payment,
    "crm.invoice": _sales_invoice,
    "crm.receipt": _customer_receipt,
}
# one voucher per document (a second announcement of the same posting changes nothing)
REPEATABLE = {"procurement.supplierpayment"}


def on_posting(p: Posting) -> Voucher | None:
    """The listener: post the voucher of `p` (or the red reversal of the document's voucher)."""
    on_date = p.on_date
    if on_date is None:
        from django.utils import timezone

        on_date = timezone.localdate()
    summary = f"{label_for(p.source_type)} {p.number}".strip()
    if p.reversal:
        originals = list(
            Voucher.objects.filter(
                source_type=p.source_type, source_id=p.source_id, is_reversal=False, reversals__isnull=True
            ).order_by("pk")
        )
        made = None
        for v in originals:
            made = voucher_reverse(
                voucher_id=v.pk, on_date=on_date, user=p.user, summary=_("Reversal: %(s)s") % {"s": summary}
            )
        return made
    if (
        p.source_type not in REPEATABLE
        and Voucher.objects.filter(source_type=p.source_type, source_id=p.source_id, is_reversal=False).exists()
    ):
        return None
    accounts = accounts_by_code()  # the default chart exists before the first voucher
    rules = rule_codes()
    builder = BUILDERS.get(p.source_type, _stock)
    lines = [ln for ln in builder(p, summary, rules) if ln.debit or ln.credit]
    if not lines:
        return None
    for ln in lines:  # resolved here once (an unknown code stays a code: voucher_create refuses it)
        if isinstance(ln.account, str) and ln.account in accounts:
            ln.account = accounts[ln.account]
    return voucher_create(
        on_date=on_date,
        lines=lines,
        summary=summary,
        post=True,
        source_type=p.source_type,
        source_id=p.source_id,
        source_number=p.number,
        user=p.user,
        chart=accounts,
        savepoint=False,  # inside the document's transaction: an error here rolls the document back
    )
