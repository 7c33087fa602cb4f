"""The load test's tools (issue #20), on tiny sizes: the loader (COPY) and `check_integrity`."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from crm.models import SalesOrder, SalesOrderLine
from erp.models import Sequence
from inventory.models import StockBalance, StockMove
from production.models import WorkOrder


def _integrity() -> tuple[str, bool]:
    out = io.StringIO()
    try:
        call_command("check_integrity", stdout=out)
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


@pytest.mark.django_db
def test_loader_writes_consistent_data_and_check_integrity_finds_a_lost_number_and_a_wrong_balance():
    out = io.StringIO()
    call_command("load_bench_data", items=60, sales_lines=95, moves=800, work_orders=3, stdout=out)
    text = out.getvalue()
    assert "total" in text and "800 moves" in text
    loaded = SalesOrder.objects.filter(number__startswith="SO-")
    assert loaded.count() == 10  # 95 lines, 10 per order
    assert SalesOrderLine.objects.filter(order__in=loaded).count() == 95
    year = int(loaded.first().number.split("-")[1])
    assert Sequence.objects.get(doc_type="SO", year=year).last == 10
    assert StockMove.objects.count() == 800
    moved = StockMove.objects.aggregate(q=Sum("qty"), v=Sum("value"))
    held = StockBalance.objects.aggregate(q=Sum("qty"), v=Sum("value"))
    assert (moved["q"], moved["v"]) == (held["q"], held["v"]) and held["v"] > 0
    assert not StockBalance.objects.filter(qty__lt=0).exists()
    assert WorkOrder.objects.filter(status="released").count() == 3

    report, ok = _integrity()
    assert ok, report
    assert report.count("ok    ") == 4
    assert "0 differing" in report and "0 differences" in report

    # a lost number and a balance that no longer equals its moves are reported, with a failing exit
    loaded.order_by("number").last().lines.all().delete()
    loaded.order_by("number").last().delete()
    balance = StockBalance.objects.order_by("pk").first()
    StockBalance.objects.filter(pk=balance.pk).update(value=balance.value + D("1.00"))
    report, ok = _integrity()
    assert not ok
    assert "FAILED document numbers (none lost or duplicated): " in report and f"SO-{year}: last 10" in report
    assert "lost 1" in report
    assert "FAILED stock ledger = balances" in report and "1 differing" in report


@pytest.mark.django_db
def test_loader_refuses_a_database_with_items():
    from tests import factories as f

    f.item("X1")
    with pytest.raises(CommandError, match="already has items"):
        call_command("load_bench_data", items=60, sales_lines=10, moves=10, work_orders=0, stdout=io.StringIO())
    assert StockMove.objects.count() == 0
