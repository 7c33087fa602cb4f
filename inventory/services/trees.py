"""django-mptt tree writes are serialized with a transaction-scoped advisory lock (PostgreSQL).

Concurrent structural writes can corrupt an MPTT tree; every service that inserts, moves or
rebuilds categories or warehouses calls `tree_lock(<model label>)` first, inside its transaction.
"""

import zlib

from django.db import connection


def tree_lock(label: str) -> None:
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(f"mptt:{label}".encode())
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [key])
