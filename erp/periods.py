"""Accounting periods (calendar months). Posting services call `assert_open(date)`.

Lifecycle (PERIOD_FLOW): open → closing → closed, closing → open (close abandoned), closed →
open (reopening, latest closed period only; costing.services.periods). While a period is
*closing* business documents are refused; only the period-end steps run inside
`period_end_steps()` may post into it.
"""

import contextlib
import contextvars
import datetime

from django.utils.translation import gettext as _

from .errors import ClosedPeriodError
from .models import Period, PeriodStatus
from .states import Flow

PERIOD_FLOW = Flow(
    {
        PeriodStatus.OPEN: {PeriodStatus.CLOSING},
        PeriodStatus.CLOSING: {PeriodStatus.OPEN, PeriodStatus.CLOSED},
        PeriodStatus.CLOSED: {PeriodStatus.OPEN},
    }
)

_period_end = contextvars.ContextVar("period_end_steps", default=False)


@contextlib.contextmanager
def period_end_steps():
    """Postings made inside are period-end steps (re-accrual, cost run): allowed while closing."""
    token = _period_end.set(True)
    try:
        yield
    finally:
        _period_end.reset(token)


def period_for(day: datetime.date) -> Period:
    period, _created = Period.objects.get_or_create(year=day.year, month=day.month)
    return period


def assert_open(day: datetime.date) -> Period:
    """The open period of `day`; ClosedPeriodError when it is closed (or closing, outside the
    period-end steps). The one guard of every posting service."""
    period = period_for(day)
    if period.status == PeriodStatus.CLOSED:
        raise ClosedPeriodError(
            _("Period %(period)s is closed: nothing can be posted on %(date)s.") % {"period": period, "date": day},
            code="period_closed",
        )
    if period.status == PeriodStatus.CLOSING and not _period_end.get():
        raise ClosedPeriodError(
            _("Period %(period)s is being closed: nothing can be posted on %(date)s.")
            % {"period": period, "date": day},
            code="period_closing",
        )
    return period
