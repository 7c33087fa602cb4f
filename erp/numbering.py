"""Gap-free document numbers per type and year: SO-2026-000001.

The sequence row is locked (SELECT ... FOR UPDATE) until the caller's transaction ends, so
concurrent creators wait for each other and a rolled-back document gives its number back.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from .models import Sequence


def next_number(doc_type: str, *, on_date: datetime.date | None = None, width: int = 6) -> str:
    year = (on_date or timezone.localdate()).year
    with transaction.atomic():
        Sequence.objects.bulk_create([Sequence(doc_type=doc_type, year=year)], ignore_conflicts=True)
        seq = Sequence.objects.select_for_update().get(doc_type=doc_type, year=year)
        seq.last += 1
        seq.save(update_fields=["last"])
    return f"{doc_type}-{year}-{seq.last:0{width}d}"
