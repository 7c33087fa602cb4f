"""A heartbeat written from a thread of its own while a long job computes (issue #20).

A job that works inside one long transaction (the cost run posts everything or nothing) cannot
write its heartbeat on its own connection: nobody would see it before the commit, and the row
would stay locked. `Heartbeat` runs a daemon thread with its own database connection that calls
`beat(progress)` every `every` seconds in autocommit; the job sets `progress` as it goes. A killed
worker process takes the thread with it, so the heartbeat stops and the job's stale check (a
running row whose heartbeat is older than its timeout → failed) sees it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import connection, connections

log = logging.getLogger(__name__)


class Heartbeat:
    """`with Heartbeat(beat, every=2.0) as hb: ... hb.progress = 40 ...`; `beat(progress)` runs in
    the thread (its errors are logged, never raised). Not started on SQLite (one writer at a time)."""

    def __init__(self, beat: Callable[[int | None], None], *, every: float = 2.0):
        self.beat = beat
        self.every = every
        self.progress: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    self.beat(self.progress)
                except Exception:  # a lost connection must not end the job; the next beat retries
                    log.warning("heartbeat failed", exc_info=True)
        finally:
            connections.close_all()

    def __enter__(self) -> Heartbeat:
        if connection.vendor == "postgresql":
            self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop and wait for the thread (call it before the job locks the row it beats on)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every + 10)
            self._thread = None

    def __exit__(self, *exc) -> None:
        self.stop()
