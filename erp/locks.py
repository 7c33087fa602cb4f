"""Locks in one place (issue #11). Every service that writes several rows locks them through
these helpers, so that two transactions always take their locks in the same order and never
wait for each other in a circle (deadlock):

1. advisory locks first (`advisory_lock(AdvisoryLock.BOM_STRUCTURE)`): transaction-scoped, on
   PostgreSQL only (SQLite serializes writers anyway);
2. then rows, each table in primary-key order (`lock_rows(queryset, ids)`), parents before
   children (document header, then its lines, then balances).

    lines = lock_rows(PurchaseReceiptLine.objects.select_related("item"), ids)   # {pk: row}
    order = lock_row(PurchaseOrder.objects.all(), order_id)                      # or DoesNotExist

See saleor's `warehouse/lock_objects.py` for the idea and ADR 0003 for the stock ledger.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from enum import IntEnum
from typing import TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


class AdvisoryLock(IntEnum):
    """Keys of the transaction-scoped advisory locks (one constant per scope)."""

    BOM_STRUCTURE = 0x424F4D  # "BOM": structure changes (cycle checks) serialized
    MPTT_TREES = 0x4D505454  # "MPTT": category / warehouse tree writes (plus the model's label)
    REQUISITION_SOURCES = 0x50525352  # "PRSR": requisitions from source lines (no line twice)
    MRP_PLAN = 0x4D525046  # "MRPF": writes to the current plan of a scope (net change, plus the scope)


def advisory_lock(key: AdvisoryLock, scope: str = "") -> None:
    """Take the transaction-scoped advisory lock `key` (narrowed by `scope`, e.g. a model label).
    Must run inside `transaction.atomic`; released at commit or rollback."""
    if connection.vendor != "postgresql":
        return
    value = int(key) if not scope else zlib.crc32(f"{int(key)}:{scope}".encode())
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [value])


def lock_rows(queryset: QuerySet[M], ids: Iterable[int] | None = None, *, of: tuple[str, ...] = ()) -> dict[int, M]:
    """Lock the rows of `queryset` (narrowed to `ids` when given) in primary-key order and return
    them as {pk: row}. `of` limits the lock to some tables of a select_related join (PostgreSQL)."""
    qs = queryset.select_for_update(of=of) if of else queryset.select_for_update()
    if ids is not None:
        qs = qs.filter(pk__in=sorted(set(ids)))
    return {row.pk: row for row in qs.order_by("pk")}


def lock_row(queryset: QuerySet[M] | type[M], pk: int, *, of: tuple[str, ...] = ()) -> M:
    """Lock one row (DoesNotExist when missing: a 404 in views)."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    qs = qs.select_for_update(of=of) if of else qs.select_for_update()
    return qs.get(pk=pk)
