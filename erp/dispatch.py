"""Sending work to the Celery workers without depending on the broker being up (issue #20).

A job that must run in the background is first a row in the database (an MRP run, a cost run,
an analysis) in its queued state; the message to the broker only says "run row N". When Redis is
down, `send` logs a warning and returns False instead of failing the user's request: the row stays
queued and the app's periodic `requeue_*` task sends it again once the broker is back (beat itself
runs only then). Workers take a row only while it is queued, so a message sent twice runs once.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def send(task, *args, countdown: float | None = None) -> bool:
    """Queue `task(*args)`; False (and a warning in the log) when the broker can't be reached.

    The message goes through the app's producer pool (one broker connection per process, reused
    by every send; it was one new connection per message). A send that fails drops that pooled
    connection (`collect`) so the next send connects afresh instead of reusing a dead socket."""
    if task.app.conf.task_always_eager:  # no broker (quick start, tests): runs here and now
        task.apply_async(args=args, countdown=countdown)
        return True
    try:
        with task.app.producer_or_acquire() as producer:
            try:
                # connected already: no round trip; else two quick tries instead of kombu's default
                # retries (seconds of sleeping per request)
                producer.connection.ensure_connection(
                    max_retries=1, interval_start=0.2, interval_step=0.2, interval_max=0.5, timeout=2
                )
                # ignore_result: the row is the result; no result-backend call (it would wait for Redis too)
                task.apply_async(args=args, countdown=countdown, retry=False, ignore_result=True, producer=producer)
            except BaseException:
                producer.connection.collect()
                raise
    except (OperationalError, OSError) as exc:
        log.warning("broker unreachable, %s%r stays queued for the requeue job: %s", task.name, args, exc)
        return False
    return True


def send_on_commit(task, *args, countdown: float | None = None) -> None:
    """`send` once the current transaction commits (the row the task reads exists by then)."""
    transaction.on_commit(lambda: send(task, *args, countdown=countdown))
