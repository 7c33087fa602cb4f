"""The demo data shows the three kitting statuses and a requisition made from source; idempotent."""

import io

import pytest
from django.core.management import call_command

from procurement.models import Requisition, RequisitionLineSource
from production.models import WorkOrder


@pytest.mark.django_db
def test_demo_shows_three_statuses_and_a_requisition_from_source():
    call_command("seed_demo", stdout=io.StringIO())
    got = dict(WorkOrder.objects.filter(number__startswith="KT-WO").values_list("number", "kit_status"))
    assert got == {"KT-WO1": "complete", "KT-WO2": "partial", "KT-WO3": "short"}
    sources = sorted(RequisitionLineSource.objects.values_list("source_number", "qty"))
    assert sources == [("KT-WO3 / KT-A", 16), ("KT-WO3 / KT-B", 3), ("KT-WO3 / KT-C", 24)]
    call_command("seed_demo", stdout=io.StringIO())
    assert Requisition.objects.filter(lines__sources__isnull=False).distinct().count() == 1
