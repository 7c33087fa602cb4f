"""Registry for apps above costing (the general ledger): told of every finished cost run, in the
run's own transaction, with plain data (docs/costing.md, "Hook for the general ledger")."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CostEntryData:
    entry_id: int
    period: str
    entry_date: datetime.date
    item_id: int
    warehouse_id: int | None
    work_order_id: int | None
    kind: str
    debit: str
    credit: str
    amount: Decimal
    source_type: str
    source_id: int
    source_number: str


@dataclass(frozen=True)
class CostRunEvent:
    run_id: int
    period: str
    period_id: int
    entries: list[CostEntryData]


_listeners: list[Callable[[CostRunEvent], None]] = []


def register_cost_run_listener(fn: Callable[[CostRunEvent], None]) -> None:
    if fn not in _listeners:
        _listeners.append(fn)


def unregister_cost_run_listener(fn: Callable[[CostRunEvent], None]) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


def notify(event: CostRunEvent) -> None:
    """Call every listener (inside the caller's transaction; an exception aborts the run)."""
    for fn in list(_listeners):
        fn(event)
