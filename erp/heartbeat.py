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


def fail_stale(
    model,
    *,
    flow,
    running: str,
    failed: str,
    seconds: int,
    message: Callable[[str, int], str],
    run_id: int | None = None,
) -> int:
    """Rows of `model` in status `running` whose heartbeat (or start) is older than `seconds` →
    `failed` through `flow`, with `message(last_beat_text, seconds)`. A row a live worker holds
    locked (it is finishing) is skipped. Returns the count. One rule for every job with a heartbeat
    (MRP runs, cost runs)."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    limit = timezone.now() - datetime.timedelta(seconds=seconds)
    qs = model.objects.filter(status=running)
    if run_id is not None:
        qs = qs.filter(pk=run_id)
    candidates = [
        r.pk for r in qs.only("pk", "heartbeat_at", "started_at") if (r.heartbeat_at or r.started_at or limit) < limit
    ]
    count = 0
    for pk in candidates:
        with transaction.atomic():
            run = model.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if run is None or run.status != running:
                continue
            last = run.heartbeat_at or run.started_at
            if last is None or last >= limit:
                continue
            flow.apply(run, failed)
            run.message = message(timezone.localtime(last).strftime("%Y-%m-%d %H:%M:%S"), seconds)
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "message", "finished_at"])
            count += 1
    return count
