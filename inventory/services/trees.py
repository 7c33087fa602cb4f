"""django-mptt tree writes are serialized with a transaction-scoped advisory lock (PostgreSQL).

Concurrent structural writes can corrupt an MPTT tree; every service that inserts, moves or
rebuilds categories or warehouses calls `tree_lock(<model label>)` first, inside its transaction.
"""

from erp.locks import AdvisoryLock, advisory_lock


def tree_lock(label: str) -> None:
    advisory_lock(AdvisoryLock.MPTT_TREES, f"mptt:{label}")
