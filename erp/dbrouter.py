"""Reports may read from a replica (issue #20): `REPORTS_DATABASE_URL` adds the database alias
`reports`; code that only reads for a report runs inside `reporting()` (or a view decorated with
`@reporting_view`) and its reads go there. Writes always go to `default`, and without the alias
everything stays on `default`. Replicas lag a little: reports say "as of" their run, documents and
postings never read through here.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPORTS = "reports"
_reporting: ContextVar[bool] = ContextVar("reporting", default=False)


@contextmanager
def reporting():
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def reporting_view(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with reporting():
            return view(*args, **kwargs)

    return wrapper


def reports_alias() -> str:
    """The alias report reads use now: `reports` inside `reporting()` when reads are sent there
    (`REPORTS_READS`, on when REPORTS_DATABASE_URL is set), else `default`."""
    if _reporting.get() and getattr(settings, "REPORTS_READS", False) and REPORTS in settings.DATABASES:
        return REPORTS
    return "default"


class ReportsRouter:
    def db_for_read(self, model, **hints):
        alias = reports_alias()
        return alias if alias == REPORTS else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data, a replica of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
