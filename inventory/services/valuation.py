"""Valuation hook for the period cost run (costing app).

At posting, issues take the current moving average as a provisional cost (see ledger). The
monthly weighted average (全月一次加权平均) is computed by the costing app's period cost run;
it hands the value corrections back here and they post as quantity-0 revaluation moves
(kind "revaluation"), so the ledger stays append-only and balances stay equal to the sum of
moves. `period_inputs` gives the cost run what it needs per item x warehouse in one query.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum

from erp.fields import ZERO
from erp.types import User

from ..models import StockMove
from .ledger import MoveSpec, stock_moves_post


@dataclass(frozen=True)
class PeriodInputs:
    opening_qty: Decimal
    opening_value: Decimal
    receipt_qty: Decimal
    receipt_value: Decimal
    issue_qty: Decimal  # positive number
    issue_value: Decimal  # positive number

    @property
    def weighted_average(self) -> Decimal:
        qty = self.opening_qty + self.receipt_qty
        return (self.opening_value + self.receipt_value) / qty if qty else ZERO


def period_inputs(*, start: datetime.date, end: datetime.date, item_ids=None) -> dict[tuple[int, int], PeriodInputs]:
    """Opening (before `start`), receipts and issues (start..end inclusive) per (item, warehouse)."""
    qs = StockMove.objects.all()
    if item_ids is not None:
        qs = qs.filter(item_id__in=list(item_ids))
    before = Q(move_date__lt=start)
    within = Q(move_date__gte=start, move_date__lte=end)
    rows = (
        qs.filter(move_date__lte=end)
        .values("item_id", "warehouse_id")
        .annotate(
            oq=Sum("qty", filter=before),
            ov=Sum("value", filter=before),
            rq=Sum("qty", filter=within & Q(qty__gt=0)),
            rv=Sum("value", filter=within & Q(qty__gt=0)),
            iq=Sum("qty", filter=within & Q(qty__lt=0)),
            iv=Sum("value", filter=within & Q(qty__lt=0)),
        )
    )
    return {
        (r["item_id"], r["warehouse_id"]): PeriodInputs(
            r["oq"] or ZERO, r["ov"] or ZERO, r["rq"] or ZERO, r["rv"] or ZERO, -(r["iq"] or ZERO), -(r["iv"] or ZERO)
        )
        for r in rows
    }


@dataclass(frozen=True)
class Revaluation:
    item_id: int
    warehouse_id: int
    value: Decimal  # signed change of stock value
    source_line: int = 0
    note: str = ""


@transaction.atomic
def stock_revalue(
    *,
    source_type: str,
    source_id: int,
    adjustments: list[Revaluation],
    move_date: datetime.date,
    user: User | None = None,
    source_number: str = "",
):
    """Post value-only corrections (qty 0), e.g. from the period cost run. Idempotent per line."""
    return stock_moves_post(
        source_type=source_type,
        source_id=source_id,
        moves=[
            MoveSpec(
                a.item_id,
                a.warehouse_id,
                ZERO,
                ZERO,
                source_line=a.source_line,
                kind="revaluation",
                value=a.value,
                note=a.note,
            )
            for a in adjustments
            if a.value
        ],
        move_date=move_date,
        user=user,
        source_number=source_number,
    )
