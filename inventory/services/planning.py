"""Planning changes: every change of demand or supply records the items it affects (net change,
docs/mrp.md §5; ADR "net-change MRP").

The apps that change demand or supply (crm, procurement, production, inventory) sit below MRP and
cannot import it. They call `record_planning_change(item_ids=..., cause=...)` inside their own
transaction; MRP registers a listener (`register_planning_listener`, in its AppConfig.ready) that
is called after commit and queues the debounced net-change task.
"""

import functools
from collections.abc import Callable, Iterable

from django.db import transaction

from ..models import PlanningChange

_listeners: list[Callable[[PlanningChange], None]] = []


def register_planning_listener(fn: Callable[[PlanningChange], None]) -> None:
    """`fn(change)` is called after the recording transaction commits (never on rollback)."""
    if fn not in _listeners:
        _listeners.append(fn)


def unregister_planning_listener(fn: Callable[[PlanningChange], None]) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


def record_planning_change(
    *,
    item_ids: Iterable[int | None],
    cause: str,
    document: str = "",
    line_no: int | None = None,
    kind: str = "",
    scope: str = "all",
    params: dict | None = None,
) -> PlanningChange | None:
    """Record that the plan of these items (and everything below them in the BOM) may have changed.
    `cause` is the English message marked with `gettext_noop` ("%(doc)s line %(line)s changed") and
    `params` its language-neutral values: each reader sees it in their language
    (`PlanningChange.cause_text`, erp.texts). Planning pages show the change from `document`,
    `line_no` and `kind`. Nothing is recorded without items."""
    ids = sorted({int(i) for i in item_ids if i})
    if not ids:
        return None
    change = PlanningChange.objects.create(
        scope=scope,
        kind=kind[:30],
        document=document[:80],
        line_no=line_no,
        cause=cause[:200],
        params=params or {},
        item_ids=ids,
    )
    for fn in list(_listeners):
        transaction.on_commit(functools.partial(fn, change))
    return change
