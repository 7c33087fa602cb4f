import re

from django.core.management.base import CommandError

from erp.models import Period

_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(value: str) -> Period:
    m = _RE.match(value or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise CommandError(f"--period must look like YYYY-MM, got {value!r}")
    period, _created = Period.objects.get_or_create(year=int(m.group(1)), month=int(m.group(2)))
    return period
