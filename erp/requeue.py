"""Background work that could not be queued is sent again (issue #20).

Every job the app runs in the background is first a row in its queued state (an MRP run, a cost
run, a pending planning change); the broker message only says "run row N" (`erp.dispatch`). When
the broker was down, or a message was lost, the row stays queued. Apps register a *provider* here:
which task runs their rows and which rows have been waiting longer than a given moment. The
kernel knows nothing else about them.

`requeue_pending` sends every waiting row again; the periodic task `erp.tasks.requeue_pending`
(every minute, erp/celery.py) and every worker at startup call it. A row whose message is merely
slow (a busy worker) may get a second message: harmless, because workers take a row only while it
is queued (each provider's execute is idempotent).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from . import dispatch

log = logging.getLogger(__name__)

Pending = Callable[[datetime.datetime], Iterable[tuple]]


@dataclass(frozen=True)
class Provider:
    name: str
    task: str  # dotted Celery task name, e.g. "mrp.tasks.execute_run"
    pending: Pending  # rows queued before the moment → the task's args, one tuple per message


_providers: dict[str, Provider] = {}


def register(name: str, *, task: str, pending: Pending) -> None:
    """An app's queued rows: `pending(before)` yields the args of each row queued before `before`
    and still waiting (registering the same name again replaces it)."""
    _providers[name] = Provider(name=name, task=task, pending=pending)


def providers() -> list[Provider]:
    return list(_providers.values())


def requeue_after_seconds() -> int:
    return int(getattr(settings, "REQUEUE_AFTER_SECONDS", 60))


def requeue_pending(*, older_than: float | None = None) -> dict[str, int]:
    """Send each provider's rows waiting longer than `older_than` seconds (default
    settings.REQUEUE_AFTER_SECONDS) again. Returns {provider: messages sent}; stops early (and
    logs) when the broker is still down — the next call tries again."""
    from .celery import app

    seconds = requeue_after_seconds() if older_than is None else older_than
    before = timezone.now() - datetime.timedelta(seconds=seconds)
    sent: dict[str, int] = {}
    for provider in providers():
        task = app.tasks[provider.task]
        count = 0
        for args in provider.pending(before):
            if not dispatch.send(task, *args):
                log.warning("requeue stopped: broker still unreachable (%s)", provider.name)
                sent[provider.name] = count
                return sent
            count += 1
        sent[provider.name] = count
        if count:
            log.info("requeued %s waiting %s job(s)", count, provider.name)
    return sent
