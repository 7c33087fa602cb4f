"""Gap-free document numbers per type and year: SO-2026-000001.

One statement (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`) creates the year's sequence row
or bumps it and returns the new number: one round trip per number (issue #20). The statement
locks the row until the caller's transaction ends, so concurrent creators wait for each other and
a rolled-back document gives its number back.
"""

import datetime

from django.db import connections, models, router
from django.utils import timezone

from .models import Sequence


def bump_sequence(model: type[models.Model], **keys: str | int) -> int:
    """Create `model`'s sequence row of `keys` (the columns of its unique key) with `last` = 1, or
    add 1 to its `last`, in one statement; the new value. The row stays locked until the
    transaction ends."""
    conn = connections[router.db_for_write(model)]
    q = conn.ops.quote_name
    columns: dict[str, str] = {f.name: f.column for f in model._meta.concrete_fields if f.column}
    table, last = q(model._meta.db_table), q(columns["last"])
    cols = ", ".join(q(columns[name]) for name in keys)
    sql = (
        f"INSERT INTO {table} ({cols}, {last}) VALUES ({', '.join(['%s'] * len(keys))}, 1) "
        f"ON CONFLICT ({cols}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, [*keys.values()])
        return cursor.fetchone()[0]


def next_number(doc_type: str, *, on_date: datetime.date | None = None, width: int = 6) -> str:
    year = (on_date or timezone.localdate()).year
    last = bump_sequence(Sequence, doc_type=doc_type, year=year)
    return f"{doc_type}-{year}-{last:0{width}d}"
