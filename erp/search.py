"""Global search (top bar): documents by number, items, customers, suppliers. The kernel knows no
domain: apps register what they can be searched for in AppConfig.ready():

    from erp.search import register
    register(
        "sales_order", _("Sales orders"), "crm:order_detail",
        queryset=lambda user: crm.access.scope(SalesOrder.objects.all(), user),
        fields=("number",), title="number", subtitle=lambda o: o.customer.name,
        select_related=("customer",), order=20,
    )

A result is shown only when the user may open its page: the module and permissions the detail
view declares (erp.permissions) are checked here, and `queryset(user)` narrows the rows (owners).
Matching is case-insensitive substring (`icontains`, i.e. `UPPER(col) LIKE UPPER('%q%')`); each
app keeps a GIN trigram index on `UPPER(col)` for its searched columns (erp.migration_ops
.TrigramIndex, extension pg_trgm from erp migration 0008), so that a query answers within
milliseconds on 100,000 documents. One query per kind, at most `limit` rows each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When
from django.urls import reverse

from .permissions import may_open

MIN_LENGTH = 2
MAX_LENGTH = 60


@dataclass
class SearchSource:
    kind: str
    label: Any  # lazy translated plural, the heading of the group
    url_name: str  # detail page, reversed with the row's pk
    queryset: Callable[[Any], QuerySet]  # rows `user` may see
    fields: tuple[str, ...]  # searched columns (icontains), the first one ranks prefix matches first
    title: str | Callable[[Any], str] = "number"
    subtitle: Callable[[Any], str] | None = None
    select_related: tuple[str, ...] = ()
    order: int = 100
    prefix_first: bool = False

    def title_of(self, obj) -> str:
        return str(getattr(obj, self.title)) if isinstance(self.title, str) else str(self.title(obj))


_registry: dict[str, SearchSource] = {}


def register(
    kind: str,
    label,
    url_name: str,
    *,
    queryset: Callable[[Any], QuerySet],
    fields: tuple[str, ...],
    title: str | Callable[[Any], str] = "number",
    subtitle: Callable[[Any], str] | None = None,
    select_related: tuple[str, ...] = (),
    order: int = 100,
    prefix_first: bool = False,
) -> None:
    """Add (or replace) a searchable kind. Rows come newest first; `prefix_first` (master data:
    items, customers) puts the rows whose first field starts with the query before the others
    (documents do without: the ranking sorts every match, the plain order stops at the limit)."""
    _registry[kind] = SearchSource(
        kind, label, url_name, queryset, tuple(fields), title, subtitle, select_related, order, prefix_first
    )


# bench_search: apps that own searchable documents register a generator `generate(start, count)`
# that bulk-creates `count` documents (numbers from `start`) for the benchmark database.
_bench_generators: dict[str, Callable[[int, int], None]] = {}


def register_bench(kind: str, generate: Callable[[int, int], None]) -> None:
    _bench_generators[kind] = generate


def bench_generators() -> dict[str, Callable[[int, int], None]]:
    return dict(_bench_generators)


def sources() -> list[SearchSource]:
    return sorted(_registry.values(), key=lambda s: (s.order, s.kind))


def may_search(user, source: SearchSource) -> bool:
    """The user may open the detail pages of this kind (what the detail view declares:
    module, page permissions; erp.permissions.may_open)."""
    return may_open(user, reverse(source.url_name, args=[1]))


def normalize(q: str) -> str:
    return " ".join((q or "").split())[:MAX_LENGTH]


def search(user, q: str, *, limit: int = 8) -> list[dict]:
    """Groups of results [{kind, label, results: [{title, subtitle, url}], more}] for `q`;
    empty when `q` is shorter than MIN_LENGTH characters."""
    q = normalize(q)
    if len(q) < MIN_LENGTH:
        return []
    groups = []
    for source in sources():
        if not may_search(user, source):
            continue
        match = Q()
        for name in source.fields:
            match |= Q(**{f"{name}__icontains": q})
        qs = source.queryset(user).filter(match)
        if source.select_related:
            qs = qs.select_related(*source.select_related)
        if source.prefix_first:
            rank = Case(When(**{f"{source.fields[0]}__istartswith": q}, then=Value(0)), default=Value(1))
            qs = qs.annotate(_rank=rank).order_by("_rank", "-pk")
        else:
            qs = qs.order_by("-pk")
        rows = list(qs[: limit + 1])
        if not rows:
            continue
        groups.append(
            {
                "kind": source.kind,
                "label": source.label,
                "more": len(rows) > limit,
                "results": [
                    {
                        "title": source.title_of(obj),
                        "subtitle": source.subtitle(obj) if source.subtitle else "",
                        "url": reverse(source.url_name, args=[obj.pk]),
                    }
                    for obj in rows[:limit]
                ],
            }
        )
    return groups
