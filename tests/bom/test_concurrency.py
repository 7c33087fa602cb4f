"""Two approvals that together would close a loop: the structure lock lets only one through."""

import threading

import pytest
from django.db import connection

from bom.models import Bom
from bom.services import LineInput, bom_approve, bom_create
from erp.errors import ValidationError

from .helpers import D, made

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_approvals_cannot_create_a_cycle():
    a, b = made("A"), made("B")
    bom_a = bom_create(item_id=a.pk, lines=[LineInput(component_id=b.pk, qty_per=D(1))])
    bom_b = bom_create(item_id=b.pk, lines=[LineInput(component_id=a.pk, qty_per=D(1))])
    barrier = threading.Barrier(2)
    errors = []

    def approve(bom_id):
        try:
            barrier.wait(timeout=10)
            bom_approve(bom_id=bom_id)
        except ValidationError as exc:
            errors.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(x.pk,)) for x in (bom_a, bom_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    statuses = sorted(Bom.objects.values_list("status", flat=True))
    assert statuses == ["approved", "draft"]
    assert len(errors) == 1 and ("A → B → A" in errors[0] or "B → A → B" in errors[0])
