"""Stock count (盘点 SC).

Open: the book quantity of each counted item in the warehouse is snapshotted (all items with a
balance there, or the listed ones). While the count is open, every posting that touches one of
its item x warehouse pairs is refused (a guard in `POSTING_GUARDS`), so the book quantity stays
true. Enter counted quantities; confirm posts the gains (盘盈, +) and losses (盘亏, −) at the
current average cost. Lines left uncounted post nothing; a count with no counted line is not
posted (cancel it instead). Entering saves only the changed lines, each checked against the value
the clerk's page showed (two clerks counting one count never blank each other's lines). Cancel of
a confirmed count reverses.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError as InputError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, round_money
from erp.input import errors_text, parse_quantity
from erp.locks import lock_row, lock_rows
from erp.numbering import next_number
from erp.postings import announce
from erp.types import User

from ..models import Item, StockBalance, StockCount, StockCountLine, StockCountStatus, StockMove
from ..states import COUNT_FLOW
from .documents import _warehouse
from .ledger import POSTING_GUARDS, MoveSpec, stock_moves_post, stock_moves_reverse


def open_count_guard(pairs, source_type, source_id) -> None:
    """Refuse moves of item x warehouse pairs frozen by an open stock count (except its own posting)."""
    whs = {w for _i, w in pairs}
    counts = StockCount.objects.filter(status=StockCountStatus.OPEN, warehouse_id__in=whs)
    if source_type == StockCount.SOURCE_TYPE:
        counts = counts.exclude(pk=source_id)
    open_ids = list(counts.values_list("pk", flat=True))
    if not open_ids:
        return
    items = {i for i, _w in pairs}
    hits = (
        StockCountLine.objects.filter(doc_id__in=open_ids, item_id__in=items)
        .select_related("doc", "item", "doc__warehouse")
        .order_by("doc_id", "line_no")
    )
    frozen = [ln for ln in hits if (ln.item_id, ln.doc.warehouse_id) in pairs]
    if frozen:
        ln = frozen[0]
        raise StateError(
            _(
                "%(item)s in %(warehouse)s is being counted (%(count)s): no moves until the count is posted or cancelled."
            )
            % {"item": ln.item, "warehouse": ln.doc.warehouse, "count": ln.doc.number},
            code="count_open",
        )


if open_count_guard not in POSTING_GUARDS:
    POSTING_GUARDS.append(open_count_guard)


@transaction.atomic
def stock_count_open(
    *,
    warehouse_id: int,
    item_ids: list[int] | None = None,
    doc_date: datetime.date | None = None,
    note: str = "",
    user: User | None = None,
) -> StockCount:
    doc_date = doc_date or timezone.localdate()
    wh = _warehouse(warehouse_id)
    balances = StockBalance.objects.filter(warehouse_id=warehouse_id)
    if item_ids is not None:
        wanted = set(item_ids)
        known = set(Item.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - known:
            raise ValidationError(_("Unknown item in the count list."), code="bad_item")
        balances = balances.filter(item_id__in=wanted)
    book = {b.item_id: b for b in lock_rows(balances).values()}
    ids = sorted(item_ids) if item_ids is not None else sorted(i for i, b in book.items() if b.qty != 0)
    if not ids:
        raise ValidationError(_("There is nothing to count in %(wh)s.") % {"wh": wh}, code="nothing_to_count")
    busy = StockCountLine.objects.filter(
        doc__status=StockCountStatus.OPEN, doc__warehouse_id=warehouse_id, item_id__in=ids
    ).select_related("doc")
    if busy:
        raise StateError(
            _("An open count already covers some of these items: %(count)s.") % {"count": busy[0].doc.number},
            code="count_open",
        )
    codes = dict(Item.objects.filter(pk__in=ids).values_list("pk", "code"))
    ids.sort(key=lambda i: codes[i])
    doc = StockCount.objects.create(
        number=next_number(StockCount.PREFIX, on_date=doc_date),
        doc_date=doc_date,
        warehouse_id=warehouse_id,
        note=note,
        created_by=user,
    )
    StockCountLine.objects.bulk_create(
        [
            StockCountLine(
                doc=doc,
                line_no=n,
                item_id=i,
                book_qty=book[i].qty if i in book else ZERO,
                unit_cost=book[i].avg_cost if i in book else ZERO,
            )
            for n, i in enumerate(ids, start=1)
        ]
    )
    return doc


@dataclass
class CountEntry:
    """What `stock_count_enter` did: the lines it saved, and the lines it left alone because
    someone else saved them after the user's page was opened (line as stored, value refused)."""

    doc: StockCount
    saved: list[StockCountLine] = field(default_factory=list)
    conflicts: list[tuple[StockCountLine, Decimal | None]] = field(default_factory=list)


def _counted_value(qty, ln) -> Decimal | None:
    if qty is None:
        return None
    try:
        return parse_quantity(qty, label=_("Counted quantity of %(item)s") % {"item": ln.item}, min_value=ZERO)
    except InputError as exc:
        raise ValidationError(errors_text(exc), code="bad_qty") from None


@transaction.atomic
def stock_count_enter(
    *,
    doc_id: int,
    counted: dict[int, Decimal | None],
    expected: dict[int, Decimal | None] | None = None,
    user: User | None = None,
) -> CountEntry:
    """Enter counted quantities by line id (None clears the entry).

    Only the given lines are touched, and a line whose value does not change is not written.
    `expected` maps a line id to the counted quantity the user's page showed: when the stored
    value differs, another clerk saved the line in between: it is kept (not overwritten) and
    reported in `conflicts`. The count row is locked, so concurrent entries run one after the
    other and each sees the other's saved lines.
    """
    doc = lock_row(StockCount, doc_id)
    if doc.status != StockCountStatus.OPEN:
        raise StateError(_("%(doc)s is not open for counting.") % {"doc": doc}, code="not_open")
    lines = {ln.pk: ln for ln in doc.lines.select_related("item").filter(pk__in=list(counted))}
    if set(counted) - set(lines):
        raise ValidationError(_("Unknown count line."), code="bad_line")
    expected = expected or {}
    result = CountEntry(doc)
    for line_id, qty in counted.items():
        ln = lines[line_id]
        value = _counted_value(qty, ln)
        if line_id in expected and ln.counted_qty != _counted_value(expected[line_id], ln):
            if ln.counted_qty != value:
                result.conflicts.append((ln, value))
            continue
        if ln.counted_qty == value:
            continue
        ln.counted_qty = value
        ln.diff_qty = ZERO if value is None else value - ln.book_qty
        ln.diff_value = round_money(ln.diff_qty * ln.unit_cost)
        result.saved.append(ln)
    if result.saved:
        StockCountLine.objects.bulk_update(result.saved, ["counted_qty", "diff_qty", "diff_value"])
    return result


@transaction.atomic
def stock_count_confirm(*, doc_id: int, user: User | None = None) -> StockCount:
    doc = lock_row(StockCount, doc_id)
    if doc.status == StockCountStatus.OPEN and not doc.lines.filter(counted_qty__isnull=False).exists():
        raise ValidationError(
            _("Nothing has been counted in %(doc)s: enter the counted quantities first, or cancel the count.")
            % {"doc": doc},
            code="nothing_counted",
        )
    if not COUNT_FLOW.apply(doc, StockCountStatus.CONFIRMED):
        return doc
    lines = [ln for ln in doc.lines.all() if ln.counted_qty is not None and ln.counted_qty != ln.book_qty]
    if lines:
        moves = stock_moves_post(
            source_type=doc.SOURCE_TYPE,
            source_id=doc.pk,
            moves=[
                MoveSpec(
                    ln.item_id,
                    doc.warehouse_id,
                    ln.counted_qty - ln.book_qty,
                    None,
                    source_line=ln.pk,
                    kind="count_gain" if ln.counted_qty > ln.book_qty else "count_loss",
                )
                for ln in lines
            ],
            move_date=doc.doc_date,
            user=user,
            source_number=doc.number,
        )
        by_line = {m.source_line: m for m in moves}
        for ln in lines:
            m = by_line[ln.pk]
            ln.diff_qty, ln.diff_value, ln.unit_cost = m.qty, m.value, m.unit_cost
        StockCountLine.objects.bulk_update(lines, ["diff_qty", "diff_value", "unit_cost"])
        announce(doc.SOURCE_TYPE, doc.pk, number=doc.number, on_date=doc.doc_date, user=user)
    doc.confirmed_at = timezone.now()
    doc.confirmed_by = user if getattr(user, "pk", None) else None
    doc.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    return doc


@transaction.atomic
def stock_count_cancel(*, doc_id: int, user: User | None = None, move_date: datetime.date | None = None) -> StockCount:
    doc = lock_row(StockCount, doc_id)
    was = doc.status
    if not COUNT_FLOW.apply(doc, StockCountStatus.CANCELLED):
        return doc
    if (
        was == StockCountStatus.CONFIRMED
        and StockMove.objects.filter(source_type=doc.SOURCE_TYPE, source_id=doc.pk).exists()
    ):
        stock_moves_reverse(
            source_type=doc.SOURCE_TYPE, source_id=doc.pk, move_date=move_date or timezone.localdate(), user=user
        )
        announce(
            doc.SOURCE_TYPE,
            doc.pk,
            number=doc.number,
            on_date=move_date or timezone.localdate(),
            reversal=True,
            user=user,
        )
    doc.cancelled_at = timezone.now()
    doc.save(update_fields=["status", "cancelled_at"])
    return doc
