"""`manage.py ctp` answers from the current plan when it is up to date (docs/mrp.md §5, issue 14).

The base plan of the parents outside the asked item's scope is then read from the plan instead of
being computed in memory from them and everything above them. The answers must be those of the
full path (`memory=True`): on the spec's worked example after a full run, for a table of demands
with their dates, and for random demands over several seeds. A pending planning change or a
changed item sends the command back to the full path.
"""

import datetime
import io
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from crm.models import Customer
from crm.services.orders import LineInput, order_confirm, order_create
from erp.exchange import import_files
from inventory.models import Item, PlanningChange
from mrp.services.promise import ctp_promise, plan_is_current
from tests.mrp.test_mrp_run import D0, files, issue_to_work_order


def day(n):
    return D0 + datetime.timedelta(days=n)


@pytest.fixture
def planned(db):
    """The worked example of docs/mrp.md §4 with today's plan of it (a full run on D0); the changes
    recorded while the data was entered are in that plan (net change has nothing left to do)."""
    import_files(files())
    issue_to_work_order("WO-1", {"A": 15, "B": 20})
    PlanningChange.objects.update(processed_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    call_command("mrp_run", date=D0.isoformat(), stdout=io.StringIO())
    return {code: pk for code, pk in Item.objects.values_list("code", "pk")}


def both(item_id, qty):
    fast = ctp_promise(item_id=item_id, qty=Decimal(qty), d0=D0)
    full = ctp_promise(item_id=item_id, qty=Decimal(qty), d0=D0, memory=True)
    return fast, full


def answer(p):
    return (p.date, p.kind, p.limiting_item_code, p.chain_text)


def expected_offset(code, qty):
    """The answer of the worked example, by hand. FG: 30 on hand cover q ≤ 30 today (only FG's
    order of D0+10 grows); beyond, FG q − 30 is made (LT 2) from B (none on hand, outsourced in 3
    days: D0+5) and 2 A each — A keeps its safety stock of 10 from its 15 left on D0+3 for q ≤ 32,
    else A is bought (LT 5: D0+7, the spec's answer). A: 5 of its 15 above safety stock today, more
    bought in 5 days. B: outsourced in 3 days."""
    if code == "FG":
        return 0 if qty <= 30 else 5 if qty <= 32 else 7
    if code == "A":
        return 0 if qty <= 5 else 5
    return 3


CASES = [
    ("FG", 50, "ctp", "A: buy, 5 days; FG: make, 2 days"),
    ("FG", 30, "ctp", "FG: make, 2 days"),
    ("FG", 32, "ctp", "B: outsource, 3 days; FG: make, 2 days"),
    ("FG", 33, "ctp", "A: buy, 5 days; FG: make, 2 days"),
    ("A", 5, "atp", ""),
    ("A", 6, "ctp", "A: buy, 5 days"),
    ("B", 1, "ctp", "B: outsource, 3 days"),
]


@pytest.mark.django_db
def test_fast_path_answers_the_spec_cases_like_the_full_path(planned):
    assert plan_is_current(D0)
    with translation.override("en"):
        for code, qty, kind, chain in CASES:
            fast, full = both(planned[code], qty)
            assert fast.from_plan and not full.from_plan
            assert (fast.date, fast.kind, fast.chain_text) == (day(expected_offset(code, qty)), kind, chain), (
                code,
                qty,
            )
            assert answer(fast) == answer(full), (code, qty)


@pytest.mark.django_db
def test_fast_path_equals_the_full_path_on_random_demands(planned):
    for seed in range(12):
        rnd = random.Random(seed)
        code, qty = rnd.choice(["FG", "A", "B"]), rnd.choice([rnd.randint(1, 40), rnd.randint(1, 400)])
        fast, full = both(planned[code], qty)
        assert fast.from_plan
        assert fast.date == day(expected_offset(code, qty)), (seed, code, qty)
        assert answer(fast) == answer(full), (seed, code, qty)


@pytest.mark.django_db
def test_the_command_prints_d0_plus_7_from_the_plan(planned):
    out = io.StringIO()
    call_command("ctp", date=D0.isoformat(), item="FG", qty="50", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == day(7).isoformat()
    assert "base: current plan" in lines[0]


@pytest.mark.django_db
def test_a_pending_change_or_a_changed_item_sends_it_to_the_full_path(planned):
    customer = Customer.objects.get(code="C1")
    order = order_create(
        customer_id=customer.pk,
        order_date=D0,
        lines=[LineInput(planned["FG"], Decimal(60), Decimal(100), day(4))],
        user=None,
    )
    order_confirm(order_id=order.pk, user=None, today=D0)
    assert PlanningChange.objects.filter(processed_at__isnull=True).exists()
    assert not plan_is_current(D0)
    fast, full = both(planned["A"], 5)
    assert not fast.from_plan
    assert answer(fast) == answer(full)
    PlanningChange.objects.update(processed_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    item = Item.objects.get(code="A")
    item.lead_time_days = 7
    item.save()
    assert not plan_is_current(D0)
