"""Who is affected by an engineering change: a small registry that other apps fill.

production registers open work orders, procurement open outsourcing orders and open purchase
order lines:

    from bom.impact import ImpactRow, register_provider
    register_provider(lambda item_ids: [ImpactRow(kind="work_order", number=..., item_id=..., qty=...)])

A provider receives the ECN's parent item and its old components (ids) and returns the open
orders that make the parent (work / outsourcing orders, kind "work_order" /
"outsourcing_order") or buy one of the components (kind "purchase_order"), in one bulk query.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from erp.fields import ZERO

WORK_ORDER = "work_order"
OUTSOURCING_ORDER = "outsourcing_order"
PURCHASE_ORDER = "purchase_order"


@dataclass
class ImpactRow:
    kind: str
    number: str
    item_id: int
    qty: Decimal = ZERO
    date: datetime.date | None = None
    url: str = ""
    status: str = ""
    note: str = ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


KIND_LABELS = {
    WORK_ORDER: _("Work order"),
    OUTSOURCING_ORDER: _("Outsourcing order"),
    PURCHASE_ORDER: _("Purchase order"),
}
PROVIDERS: list = []


def register_provider(fn) -> None:
    if fn not in PROVIDERS:
        PROVIDERS.append(fn)


def unregister_provider(fn) -> None:
    if fn in PROVIDERS:
        PROVIDERS.remove(fn)


def collect(item_ids) -> list[ImpactRow]:
    rows: list[ImpactRow] = []
    for fn in PROVIDERS:
        for row in fn(list(item_ids)) or []:
            rows.append(row if isinstance(row, ImpactRow) else ImpactRow(**row))
    return rows
