"""Reconciliation of the books with the subledgers (spec: at any moment 1403 + 1405 + 1408 equal
the stock ledger's value, 4001 the WIP of production documents, 1122 open receivables, 2202 open
payables + accruals). Every difference lists the documents without a voucher."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from erp.fields import ZERO
from inventory.models import StockMove

from ..engine.rules import AT_SUBCONTRACTOR, FINISHED_GOODS, RAW_MATERIALS
from ..models import Voucher, VoucherLine, VoucherStatus
from .accounts import stock_accounts
from .reports import aux_balances, leaf_balances, period_end_date

# stock postings that are not documents of the books (opening stock comes with the opening balances)
NOT_VOUCHERED = {"inventory.opening"}
PRODUCTION = {"production.picking", "production.fgreceipt"}


@dataclass
class Difference:
    area: str
    account: str
    label: str
    books: Decimal
    subledger: Decimal
    documents: list[str] = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        return self.books - self.subledger


def _unvouchered(pairs: set[tuple[str, int, str]]) -> list[str]:
    if not pairs:
        return []
    cond = Q()
    for st in {p[0] for p in pairs}:
        cond |= Q(source_type=st, source_id__in=[p[1] for p in pairs if p[0] == st])
    done = set(Voucher.objects.filter(cond).values_list("source_type", "source_id"))
    return sorted(f"{n or st} ({st}#{i})" for st, i, n in pairs if (st, i) not in done)[:50]


def _stock(year: int, month: int, leaves) -> list[Difference]:
    end = period_end_date(year, month)
    values: dict[tuple[int, int], Decimal] = {}
    for r in (
        StockMove.objects.filter(move_date__lte=end)
        .values("item_id", "warehouse_id")
        .annotate(v=Sum("value"))
        .order_by()
    ):
        values[(r["item_id"], r["warehouse_id"])] = r["v"] or ZERO
    accounts = stock_accounts(set(values)) if values else {}
    sub: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for pair, v in values.items():
        sub[accounts[pair]] += v
    books = {r.account.code: r.closing for r in leaves.values()}
    out = []
    for code in sorted(set(sub) | {RAW_MATERIALS, FINISHED_GOODS, AT_SUBCONTRACTOR}):
        b, s = books.get(code, ZERO), sub.get(code, ZERO)
        if b != s:
            sources = set(
                StockMove.objects.filter(move_date__lte=end)
                .exclude(source_type__in=NOT_VOUCHERED)
                .values_list("source_type", "source_id", "source_number")
                .distinct()
            )
            out.append(Difference("stock", code, _("Stock value"), b, s, _unvouchered(sources)))
    return out


def _wip(year: int, month: int, leaves) -> list[Difference]:
    end = period_end_date(year, month)
    moved = (
        StockMove.objects.filter(move_date__lte=end, source_type__in=PRODUCTION).aggregate(v=Sum("value"))["v"] or ZERO
    )
    other = (
        VoucherLine.objects.filter(
            voucher__status=VoucherStatus.POSTED, account__code__startswith="4001", voucher__voucher_date__lte=end
        )
        .exclude(voucher__source_type__in=PRODUCTION)
        .aggregate(d=Sum("debit"), c=Sum("credit"))
    )
    expected = -moved + (other["d"] or ZERO) - (other["c"] or ZERO)
    books = sum((r.closing for r in leaves.values() if r.account.code.startswith("4001")), ZERO)
    if books == expected:
        return []
    sources = set(
        StockMove.objects.filter(move_date__lte=end, source_type__in=PRODUCTION)
        .values_list("source_type", "source_id", "source_number")
        .distinct()
    )
    return [Difference("wip", "4001", _("Work in process"), books, expected, _unvouchered(sources))]


def _by_aux(code: str, year: int, month: int, kind: str) -> dict[int | None, tuple[Decimal, str]]:
    out: dict[int | None, tuple[Decimal, str]] = {}
    for r in aux_balances(code, year, month):
        if r["code"] != code:
            continue
        aux_id = r["aux_id"] if r["aux_kind"] == kind else None
        prev = out.get(aux_id, (ZERO, ""))
        out[aux_id] = (prev[0] + r["closing"], r["aux_label"] or prev[1])
    return out


def _compare(area, code, label, books, sub, names, docs) -> list[Difference]:
    out = []
    for key in sorted(set(books) | set(sub), key=lambda k: (k is None, k or 0)):
        b = books.get(key, (ZERO, ""))[0]
        s = sub.get(key, ZERO)
        if b != s:
            name = books.get(key, (ZERO, ""))[1] or names.get(key, "") or "—"
            out.append(Difference(area, code, f"{label}: {name}", b, s, docs.get(key, [])))
    return out


def _receivables(year: int, month: int) -> list[Difference]:
    from crm.models import ReceiptAllocation, SalesInvoice
    from crm.states import PostStatus

    end = period_end_date(year, month)
    sub: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    names: dict[int | None, str] = {}
    pairs: dict[int | None, set] = defaultdict(set)
    for inv in SalesInvoice.objects.filter(status=PostStatus.CONFIRMED, invoice_date__lte=end).select_related(
        "customer"
    ):
        sub[inv.customer_id] += inv.total
        names[inv.customer_id] = str(inv.customer)
        pairs[inv.customer_id].add(("crm.invoice", inv.pk, inv.number))
    for a in ReceiptAllocation.objects.filter(
        receipt__status=PostStatus.CONFIRMED, receipt__receipt_date__lte=end
    ).select_related("receipt"):
        sub[a.receipt.customer_id] -= a.amount
        pairs[a.receipt.customer_id].add(("crm.receipt", a.receipt_id, a.receipt.number))
    books = _by_aux("1122", year, month, "customer")
    diffs = _compare("receivable", "1122", _("Receivables"), books, sub, names, {})
    for d in diffs:
        key = next((k for k, v in names.items() if d.label.endswith(v)), None)
        d.documents = _unvouchered(pairs.get(key, set()))
    return diffs


def _payables(year: int, month: int) -> list[Difference]:
    from procurement.models import AccrualEntry, InvoiceStatus, SupplierInvoice

    end = period_end_date(year, month)
    open_ap: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    names: dict[int | None, str] = {}
    for inv in SupplierInvoice.objects.filter(status=InvoiceStatus.CONFIRMED, invoice_date__lte=end).select_related(
        "supplier"
    ):
        open_ap[inv.supplier_id] += inv.total - inv.paid_amount
        names[inv.supplier_id] = str(inv.supplier)
    accrued: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for r in (
        AccrualEntry.objects.filter(entry_date__lte=end).values("supplier_id").annotate(s=Sum("amount")).order_by()
    ):
        accrued[r["supplier_id"]] += r["s"] or ZERO
    out = _compare(
        "payable", "2202.01", _("Payables"), _negate(_by_aux("2202.01", year, month, "supplier")), open_ap, names, {}
    )
    out += _compare(
        "payable", "2202.02", _("Accruals"), _negate(_by_aux("2202.02", year, month, "supplier")), accrued, names, {}
    )
    return out


def _negate(rows: dict) -> dict:
    return {k: (-v, label) for k, (v, label) in rows.items()}


def reconcile(year: int, month: int) -> list[Difference]:
    leaves = leaf_balances(year, month)
    return _stock(year, month, leaves) + _wip(year, month, leaves) + _receivables(year, month) + _payables(year, month)
