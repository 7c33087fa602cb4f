"""Accounting periods (calendar months). Posting services call `assert_open(date)`."""

import datetime

from django.utils.translation import gettext as _

from .errors import ClosedPeriodError
from .models import Period, PeriodStatus


def period_for(day: datetime.date) -> Period:
    period, _created = Period.objects.get_or_create(year=day.year, month=day.month)
    return period


def assert_open(day: datetime.date) -> Period:
    """The open period of `day`; ClosedPeriodError when it is closed."""
    period = period_for(day)
    if period.status == PeriodStatus.CLOSED:
        raise ClosedPeriodError(
            _("Period %(period)s is closed: nothing can be posted on %(date)s.") % {"period": period, "date": day},
            code="period_closed",
        )
    return period
