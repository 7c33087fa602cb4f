"""Keyset pages for long lists read newest first (the kernel's pager for lists too long to count).

A page is the rows before a cursor `after=<key>_<id>` in the order (key desc, id desc), read by a
range scan of an index on (key, id): every page costs the same, the first and the ten-thousandth,
and nothing counts the whole list. The page links (`erp/_keyset_pager.html`) are "first page" and
"older": a list read this way has no page numbers and no total.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

PARAM = "after"


@dataclass
class KeysetPage:
    rows: list
    next_url: str | None  # query string of the next (older) page; None on the last page
    first_url: str | None  # query string of the first page; None on the first page


def _cursor(queryset: QuerySet, key: str, raw: str):
    """(key value, id) of a cursor, or None when it is missing or not one of ours."""
    value, sep, pk = raw.rpartition("_")
    if not sep or not pk.isdigit() or len(pk) > 18:
        return None
    try:
        parsed = queryset.model._meta.get_field(key).to_python(value)
    except (ValidationError, ValueError, TypeError):
        return None
    return (parsed, int(pk)) if parsed is not None else None


def keyset_page(queryset: QuerySet, params, *, key: str, per_page: int) -> KeysetPage:
    """One page of `queryset` (already filtered) in the order (key desc, id desc), after the
    cursor in `params[PARAM]`; `params` (request.GET) give the other filters of the links."""
    qs = queryset.order_by(f"-{key}", "-id")
    cursor = _cursor(queryset, key, params.get(PARAM) or "")
    if cursor is not None:
        value, pk = cursor
        # key <= value bounds the index scan; the rows of `value` at or after the cursor's id go
        qs = qs.filter(**{f"{key}__lte": value}).exclude(**{key: value, "id__gte": pk})
    rows = list(qs[: per_page + 1])
    query = params.copy()
    query.pop(PARAM, None)
    query.pop("page", None)
    first = f"?{query.urlencode()}" if cursor is not None else None
    nxt = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        last = rows[-1]
        value = getattr(last, key)
        query[PARAM] = f"{value.isoformat() if hasattr(value, 'isoformat') else value}_{last.pk}"
        nxt = f"?{query.urlencode()}"
    return KeysetPage(rows=rows, next_url=nxt, first_url=first)
