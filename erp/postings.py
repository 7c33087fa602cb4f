"""Posting announcements (ADR 0007): a document that has just posted (or reversed) tells the
listeners, inside its own transaction, which document it was. The kernel knows no domain: the
listeners (the general ledger) read the document and its stock moves themselves.

    from erp.postings import announce
    announce("crm.delivery", dn.pk, number=dn.number, on_date=dn.delivery_date, user=user)

A listener that raises aborts the posting: document and voucher commit together or not at all.

Documents can also show what their postings produced (the voucher) through `document_links`:
a higher app registers a provider `(source_type, source_id) -> list[(label, url)]`.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Posting:
    source_type: str
    source_id: int
    number: str = ""
    on_date: datetime.date | None = None
    reversal: bool = False
    user: Any = None
    # optional figures of documents without a document row of their own (a payment on an invoice)
    amount: Decimal | None = None
    extra: dict = field(default_factory=dict)


_listeners: list[Callable[[Posting], None]] = []
_link_providers: list[Callable[[str, int], list[tuple[str, str]]]] = []


def register(listener: Callable[[Posting], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def unregister(listener: Callable[[Posting], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def announce(
    source_type: str,
    source_id: int,
    *,
    number: str = "",
    on_date: datetime.date | None = None,
    reversal: bool = False,
    user: Any = None,
    amount: Decimal | None = None,
    **extra: Any,
) -> None:
    """Call every listener with the posting (in the caller's transaction)."""
    if not _listeners:
        return
    posting = Posting(source_type, source_id, number, on_date, reversal, user, amount, extra)
    for listener in list(_listeners):
        listener(posting)


def register_link_provider(provider: Callable[[str, int], list[tuple[str, str]]]) -> None:
    if provider not in _link_providers:
        _link_providers.append(provider)


def document_links(source_type: str, source_id: int) -> list[tuple[str, str]]:
    """(label, url) of what the postings of a document produced (e.g. its vouchers)."""
    out: list[tuple[str, str]] = []
    for provider in _link_providers:
        out.extend(provider(source_type, source_id))
    return out
