"""暂估 (accruals) and invoice cost adjustments — domain rules §4, see docs/procurement.md.

Accrual ledger: every receipt accrues `received × price` (purchase) or `received × unit fee`
(outsourcing); entries are only ever added. Adjustments from invoices are split between the part
still in stock (a value-only stock move through the ledger) and the part already issued (a
CostAdjustmentEntry with target "issued" that costing books to cost of goods sold / WIP).
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from erp.fields import ZERO, round_money
from erp.locks import lock_row, lock_rows
from erp.models import CompanySettings, Period, PeriodStatus
from erp.periods import assert_open, period_for
from erp.postings import announce
from erp.types import User
from inventory.models import StockBalance
from inventory.services.ledger import MoveSpec, stock_moves_post

from ..models import (
    AccrualEntry,
    AccrualReason,
    AdjustmentKind,
    AdjustmentTarget,
    CostAdjustmentEntry,
    OutsourcingReceipt,
    PurchaseReceiptLine,
)
from .common import split_in_stock

GR_LINE = "procurement.purchasereceiptline"
OR_RECEIPT = "procurement.outsourcingreceipt"


@dataclass
class Source:
    """What the accrual rules need to know about one received line."""

    source_type: str
    source_id: int
    supplier_id: int
    item_id: int
    warehouse_id: int
    number: str
    received_date: datetime.date
    uninvoiced_qty: Decimal
    unit_price: Decimal


def receipt_line_source(ln: PurchaseReceiptLine) -> Source:
    """The accrual view of a purchase receipt line (its `receipt` loaded with it)."""
    return Source(
        GR_LINE,
        ln.pk,
        ln.receipt.supplier_id,
        ln.item_id,
        ln.receipt.warehouse_id,
        f"{ln.receipt.number}/{ln.line_no}",
        ln.receipt.receipt_date,
        ln.uninvoiced_qty,
        ln.unit_price,
    )


def outsourcing_receipt_source(rc: OutsourcingReceipt) -> Source:
    return Source(
        OR_RECEIPT,
        rc.pk,
        rc.supplier_id,
        rc.item_id,
        rc.warehouse_id,
        rc.number,
        rc.receipt_date,
        rc.uninvoiced_qty,
        rc.unit_fee,
    )


def sources(source_type: str, ids) -> dict[int, Source]:
    if source_type == GR_LINE:
        rows = PurchaseReceiptLine.objects.select_related("receipt").filter(pk__in=list(ids))
        return {ln.pk: receipt_line_source(ln) for ln in rows}
    return {rc.pk: outsourcing_receipt_source(rc) for rc in OutsourcingReceipt.objects.filter(pk__in=list(ids))}


@dataclass
class AccrualSpec:
    """One accrual ledger entry to add (see accrual_add_many)."""

    src: Source
    on_date: datetime.date
    qty: Decimal
    amount: Decimal
    reason: str
    document_number: str = ""


def accrual_add_many(specs: list[AccrualSpec], *, period: Period | None = None) -> list[AccrualEntry]:
    """Add accrual entries in one insert (each date must lie in an open period; `period`, already
    checked with `assert_open` by the caller in this transaction, is not read again)."""
    periods = {
        d: period if period is not None and (period.year, period.month) == (d.year, d.month) else assert_open(d)
        for d in {s.on_date for s in specs}
    }
    return AccrualEntry.objects.bulk_create(
        [
            AccrualEntry(
                entry_date=s.on_date,
                period=periods[s.on_date],
                supplier_id=s.src.supplier_id,
                item_id=s.src.item_id,
                source_type=s.src.source_type,
                source_id=s.src.source_id,
                source_number=s.src.number,
                reason=s.reason,
                document_number=s.document_number,
                qty=s.qty,
                amount=round_money(s.amount),
            )
            for s in specs
        ]
    )


def accrual_add(
    *,
    src: Source,
    on_date: datetime.date,
    qty: Decimal,
    amount: Decimal,
    reason: str,
    document_number: str = "",
) -> AccrualEntry:
    return accrual_add_many([AccrualSpec(src, on_date, qty, amount, reason, document_number)])[0]


def accrual_balances(keys, *, until: datetime.date | None = None) -> dict[tuple[str, int], Decimal]:
    """Open accrual per (source_type, source_id) in one query (0 for keys without entries)."""
    keys = set(keys)
    out = dict.fromkeys(keys, ZERO)
    if not keys:
        return out
    cond = Q()
    for source_type in {t for t, _i in keys}:
        cond |= Q(source_type=source_type, source_id__in=[i for t, i in keys if t == source_type])
    qs = AccrualEntry.objects.filter(cond)
    if until is not None:
        qs = qs.filter(entry_date__lte=until)
    for r in qs.values("source_type", "source_id").annotate(s=Sum("amount")).order_by():
        out[(r["source_type"], r["source_id"])] = r["s"] or ZERO
    return out


def accrual_balance(source_type: str, source_id: int, *, until: datetime.date | None = None) -> Decimal:
    return accrual_balances([(source_type, source_id)], until=until)[(source_type, source_id)]


@dataclass
class AdjustmentSpec:
    """Value components (kind, signed amount) of `qty` received units of `src`; the stock part
    is posted as a value-only move on `stock_source_line` of the calling document."""

    src: Source
    components: list[tuple[str, Decimal]]
    qty: Decimal
    stock_source_line: int


def post_adjustments_many(
    specs: list[AdjustmentSpec],
    *,
    on_date: datetime.date,
    stock_source_type: str,
    stock_source_id: int,
    document_number: str,
    user: User | None = None,
) -> list[CostAdjustmentEntry]:
    """Post the value components of several received lines of one document: for each, the share
    still in the receiving warehouse to stock value, the rest to the cost of goods already
    issued. The balance rows are locked at once in primary-key order (erp.locks); one stock
    posting, one insert of adjustment entries."""
    specs = [sp for sp in specs if any(round_money(a) for _k, a in sp.components)]
    if not specs:
        return []
    period = assert_open(on_date)
    pairs = {(sp.src.item_id, sp.src.warehouse_id) for sp in specs}
    locked = lock_rows(
        StockBalance.objects.filter(item_id__in={i for i, _w in pairs}, warehouse_id__in={w for _i, w in pairs})
    )
    on_hand = {(b.item_id, b.warehouse_id): b.qty for b in locked.values()}
    entries, moves = [], []
    for sp in specs:
        src = sp.src
        in_stock = on_hand.get((src.item_id, src.warehouse_id), ZERO)
        for kind, amount in sp.components:
            amount = round_money(amount)
            if amount == 0:
                continue
            to_stock, to_issued = split_in_stock(amount=amount, qty=sp.qty, in_stock=in_stock)
            for target, part in ((AdjustmentTarget.STOCK, to_stock), (AdjustmentTarget.ISSUED, to_issued)):
                if part == 0:
                    continue
                entries.append(
                    CostAdjustmentEntry(
                        entry_date=on_date,
                        period=period,
                        item_id=src.item_id,
                        warehouse_id=src.warehouse_id,
                        kind=kind,
                        target=target,
                        amount=part,
                        source_type=src.source_type,
                        source_id=src.source_id,
                        document_number=document_number,
                    )
                )
                if target == AdjustmentTarget.STOCK:
                    moves.append(
                        MoveSpec(
                            item_id=src.item_id,
                            warehouse_id=src.warehouse_id,
                            qty=ZERO,
                            value=part,
                            source_line=sp.stock_source_line,
                            kind=kind,
                            note=_("Invoice adjustment %(doc)s") % {"doc": document_number},
                        )
                    )
    if moves:
        stock_moves_post(
            source_type=stock_source_type,
            source_id=stock_source_id,
            moves=moves,
            move_date=on_date,
            user=user,
            source_number=document_number,
        )
    return CostAdjustmentEntry.objects.bulk_create(entries)


def post_adjustments(
    *,
    src: Source,
    components: list[tuple[str, Decimal]],
    qty: Decimal,
    on_date: datetime.date,
    stock_source_type: str,
    stock_source_id: int,
    stock_source_line: int,
    document_number: str,
    user: User | None = None,
) -> list[CostAdjustmentEntry]:
    """post_adjustments_many for one received line."""
    return post_adjustments_many(
        [AdjustmentSpec(src, components, qty, stock_source_line)],
        on_date=on_date,
        stock_source_type=stock_source_type,
        stock_source_id=stock_source_id,
        document_number=document_number,
        user=user,
    )


def _open_sources(until: datetime.date) -> list[tuple[str, int]]:
    rows = (
        AccrualEntry.objects.filter(entry_date__lte=until)
        .values("source_type", "source_id")
        .annotate(b=Sum("amount"))
        .filter(b__gt=0)
        .order_by("source_type", "source_id")
    )
    return [(r["source_type"], r["source_id"]) for r in rows]


@transaction.atomic
def accruals_period_start(*, on_date: datetime.date, user: User | None = None) -> int:
    """月初一次冲回 (company mode "next_period"): reverse, on the first day of `on_date`'s period,
    every accrual still open at the end of the previous period. Idempotent; returns entries made.

    Before that, the previous period (when still open) gets its period-end re-accrual of receipts
    reversed at its own start and still not invoiced."""
    if CompanySettings.get().accrual_mode != "next_period":
        return 0
    start = on_date.replace(day=1)
    prev_end = start - datetime.timedelta(days=1)
    made = 0
    if period_for(prev_end).status == PeriodStatus.OPEN:
        made += accruals_period_end(year=prev_end.year, month=prev_end.month, user=user)
    period = assert_open(start)
    lock_row(Period, period.pk)  # one roll of a period at a time (two invoices confirming at once)
    done = set(
        AccrualEntry.objects.filter(period=period, reason=AccrualReason.PERIOD_START).values_list(
            "source_type", "source_id"
        )
    )
    todo = [key for key in _open_sources(prev_end) if key not in done]
    for source_type in {t for t, _i in todo}:
        ids = [i for t, i in todo if t == source_type]
        infos = sources(source_type, ids)
        for source_id in ids:
            src = infos[source_id]
            balance = accrual_balance(source_type, source_id, until=prev_end)
            entry = accrual_add(
                src=src,
                on_date=start,
                qty=ZERO,
                amount=-balance,
                reason=AccrualReason.PERIOD_START,
                document_number=str(period),
            )
            post_adjustments(
                src=src,
                components=[(AdjustmentKind.ACCRUAL_REVERSAL, -balance)],
                qty=src.uninvoiced_qty,
                on_date=start,
                stock_source_type="procurement.accrualentry",
                stock_source_id=entry.pk,
                stock_source_line=0,
                document_number=str(period),
                user=user,
            )
            announce("procurement.accrualentry", entry.pk, number=str(period), on_date=start, user=user)
            made += 1
    return made


@transaction.atomic
def accruals_period_end(*, year: int, month: int, user: User | None = None) -> int:
    """Re-accrue, on the last day of the period, receipts reversed at its start that are still not
    invoiced (mode "next_period"); run before the period is closed. Idempotent."""
    if CompanySettings.get().accrual_mode != "next_period":
        return 0
    end = datetime.date(year, month, calendar.monthrange(year, month)[1])
    period = assert_open(end)
    lock_row(Period, period.pk)
    reversed_keys = set(
        AccrualEntry.objects.filter(period=period, reason=AccrualReason.PERIOD_START).values_list(
            "source_type", "source_id"
        )
    )
    done = set(
        AccrualEntry.objects.filter(period=period, reason=AccrualReason.PERIOD_END).values_list(
            "source_type", "source_id"
        )
    )
    made = 0
    for source_type in {t for t, _i in reversed_keys}:
        ids = [i for t, i in reversed_keys if t == source_type and (t, i) not in done]
        for _source_id, src in sources(source_type, ids).items():
            if src.uninvoiced_qty <= 0:
                continue
            amount = round_money(src.uninvoiced_qty * src.unit_price)
            entry = accrual_add(
                src=src,
                on_date=end,
                qty=src.uninvoiced_qty,
                amount=amount,
                reason=AccrualReason.PERIOD_END,
                document_number=str(period),
            )
            post_adjustments(
                src=src,
                components=[(AdjustmentKind.REACCRUAL, amount)],
                qty=src.uninvoiced_qty,
                on_date=end,
                stock_source_type="procurement.accrualentry",
                stock_source_id=entry.pk,
                stock_source_line=0,
                document_number=str(period),
                user=user,
            )
            announce("procurement.accrualentry", entry.pk, number=str(period), on_date=end, user=user)
            made += 1
    return made


def _same_period(a: datetime.date, b: datetime.date) -> bool:
    return (a.year, a.month) == (b.year, b.month)


def invoice_components(
    *, mode: str, same_period: bool, accrued: Decimal, still_accrued: Decimal, invoiced: Decimal
) -> list[tuple[str, Decimal]]:
    """The value entries an invoice line posts (they always sum to invoiced − accrued in the
    invoice period, counting a period-start reversal made in that period).

    accrued: the accrual value of the invoiced quantity; still_accrued: the part of it still open
    in the accrual ledger (less than `accrued` after a period-start reversal)."""
    if same_period or mode == "difference":
        return [(AdjustmentKind.PRICE_DIFFERENCE, invoiced - accrued)]
    if mode == "on_invoice":
        return [(AdjustmentKind.ACCRUAL_REVERSAL, -accrued), (AdjustmentKind.INVOICE_COST, invoiced)]
    # next_period: the open part is reversed now, the rest was reversed at the period start
    return [(AdjustmentKind.ACCRUAL_REVERSAL, -still_accrued), (AdjustmentKind.INVOICE_COST, invoiced)]
