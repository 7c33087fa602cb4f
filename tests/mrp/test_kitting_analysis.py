"""Kitting analysis service and `kitting_analysis` command on imported data (mrp.md §2,
exchange-format "Analysis output"): exact numbers, CSV row for row, every option."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from mrp.services.analysis import kitting_analyse
from production.models import WorkOrder

from .analysis_data import D0, d, kitting_example, lowest_example

HEAD = "demand,item_code,demand_qty,kittable_sets,status,component_code,required,available_before,allocated,short,left_after"


def run_csv(tmp_path, **opts) -> list[str]:
    out = tmp_path / "kitting.csv"
    call_command("kitting_analysis", date=D0.isoformat(), export=str(out), stdout=io.StringIO(), **opts)
    return out.read_text(encoding="utf-8").splitlines()


@pytest.mark.django_db
def test_spec_example_5_7_0_through_the_command_row_for_row(tmp_path):
    kitting_example()
    assert run_csv(tmp_path) == [
        HEAD,
        "WO1,FG,5,5,complete,A,10,25,10,0,15",
        "WO1,FG,5,5,complete,B,5,20,5,0,15",
        "WO1,FG,5,5,complete,C,15,40,15,0,25",
        "WO2,FG,10,7,partial,A,20,15,15,5,0",
        "WO2,FG,10,7,partial,B,10,15,10,0,5",
        "WO2,FG,10,7,partial,C,30,25,25,5,0",
        "WO3,FG,8,0,short,A,16,0,0,16,0",
        "WO3,FG,8,0,short,B,8,5,5,3,0",
        "WO3,FG,8,0,short,C,24,0,0,24,0",
    ]
    # written back on the work orders with the analysis time
    got = {wo.number: (wo.kit_status, wo.kittable_sets) for wo in WorkOrder.objects.all()}
    assert got == {"WO1": ("complete", 5), "WO2": ("partial", 7), "WO3": ("short", 0)}
    assert WorkOrder.objects.filter(kit_analysed_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_priority_finish_serves_the_earliest_finish_first(tmp_path):
    kitting_example()
    rows = [r.split(",") for r in run_csv(tmp_path, priority="finish")[1:]]
    assert [(r[0], r[3], r[4]) for r in rows[::3]] == [
        ("WO3", "8", "complete"),
        ("WO2", "4", "partial"),
        ("WO1", "0", "short"),
    ]


@pytest.mark.django_db
def test_manual_priority_takes_the_order_given():
    kitting_example()
    ids = {wo.number: wo.pk for wo in WorkOrder.objects.all()}
    report = kitting_analyse(on_date=D0, priority="manual", manual_order=[ids["WO2"], ids["WO1"], ids["WO3"]])
    assert [(x.label, x.kittable, x.status) for x in report.demands] == [
        ("WO2", 10, "complete"),
        ("WO1", 2, "partial"),
        ("WO3", 0, "short"),
    ]


@pytest.mark.django_db
def test_scope_without_backflush_lines_drops_the_backflushed_component(tmp_path):
    kitting_example(c_method="backflush")  # C (3 per set) is backflushed
    rows = [r.split(",") for r in run_csv(tmp_path, scope="no_backflush")[1:]]
    assert {r[5] for r in rows} == {"A", "B"}
    assert [(r[0], r[3], r[4]) for r in rows[::2]] == [
        ("WO1", "5", "complete"),
        ("WO2", "7", "partial"),
        ("WO3", "0", "short"),
    ]
    # all lines: C limits WO2 as in the spec example
    assert [r for r in run_csv(tmp_path, scope="all") if r.startswith("WO2,")][
        2
    ] == "WO2,FG,10,7,partial,C,30,25,25,5,0"


@pytest.mark.django_db
def test_scope_key_parts_only(tmp_path):
    kitting_example(a_key=1)  # only A is a key part: 25 A -> 5 sets, then 7 (short 5), then 0
    assert run_csv(tmp_path, scope="key_parts") == [
        HEAD,
        "WO1,FG,5,5,complete,A,10,25,10,0,15",
        "WO2,FG,10,7,partial,A,20,15,15,5,0",
        "WO3,FG,8,0,short,A,16,0,0,16,0",
    ]


@pytest.mark.django_db
def test_lowest_level_8_sets_against_first_level_3(tmp_path):
    lowest_example()
    assert run_csv(tmp_path, level="first") == [
        HEAD,
        "WO-FG,FG,10,3,partial,C,10,20,10,0,10",
        "WO-FG,FG,10,3,partial,SA,10,3,3,7,0",
    ]
    assert run_csv(tmp_path, level="lowest") == [
        HEAD,
        "WO-FG,FG,10,8,partial,A,14,10,10,4,0",
        "WO-FG,FG,10,8,partial,C,10,20,10,0,10",
        "WO-FG,FG,10,8,partial,SA,10,3,3,7,0",
    ]


@pytest.mark.django_db
def test_receipts_until_a_date_count_as_available(tmp_path):
    from tests.mrp.analysis_data import load

    kitting_example()
    load(
        {
            "purchase_orders.csv": (
                "po_no,supplier,order_date,line_no,item_code,qty,received_qty,due_date,unit_price\n"
                f"PO-1,S1,{d(0)},1,A,5,0,{d(5)},1\nPO-1,S1,{d(0)},2,C,30,0,{d(20)},1\n"
            )
        }
    )
    assert [r for r in run_csv(tmp_path) if r.startswith("WO2,FG")][0].split(",")[3] == "7"  # stock only
    rows = [r for r in run_csv(tmp_path, receipts_until=d(5)) if r.startswith("WO2,")]
    assert rows[0] == "WO2,FG,10,8,partial,A,20,20,20,0,0"  # +5 A due on d5; C (due d20) not yet
    rows = [r for r in run_csv(tmp_path, receipts_until=d(20)) if r.startswith("WO2,")]
    assert rows[0].split(",")[3:5] == ["10", "complete"]


@pytest.mark.django_db
def test_sales_order_lines_as_demands(tmp_path):
    from tests.mrp.analysis_data import load

    kitting_example()
    load(
        {
            "sales_orders.csv": (
                "order_no,customer,order_date,line_no,item_code,qty,delivered_qty,due_date,unit_price\n"
                f"SO-1,C1,{d(0)},1,FG,6,0,{d(10)},100\nSO-1,C1,{d(0)},2,FG,20,0,{d(4)},100\n"
            )
        }
    )
    from crm.models import SalesOrder

    SalesOrder.objects.update(status="confirmed")
    rows = run_csv(tmp_path, demands="sales_orders")
    assert rows[1:4] == [
        "SO-1/2,FG,20,12,partial,A,40,25,25,15,0",
        "SO-1/2,FG,20,12,partial,B,20,20,20,0,0",
        "SO-1/2,FG,20,12,partial,C,60,40,40,20,0",
    ]
    assert rows[4].startswith("SO-1/1,FG,6,0,short,")


@pytest.mark.django_db
def test_typed_item_and_quantity():
    kitting_example()
    from inventory.models import Item

    fg = Item.objects.get(code="FG")
    report = kitting_analyse(on_date=D0, demands="items", typed=[(fg.pk, D(12))])
    (only,) = report.demands
    assert (only.label, only.kittable, only.status) == ("FG", 12, "complete")
    assert [(r.component_code, r.required) for r in only.rows] == [("A", 24), ("B", 12), ("C", 36)]


@pytest.mark.django_db
def test_bad_option_is_one_clear_line():
    with pytest.raises(CommandError):
        call_command("kitting_analysis", date="2026-13-01", stdout=io.StringIO())


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_orders(django_assert_max_num_queries):
    kitting_example(extra_wo="".join(f"WX{i:03},FG,1,0,{d(4)},{d(9)},,\n" for i in range(40)))
    with django_assert_max_num_queries(14):
        report = kitting_analyse(on_date=D0, receipts_until=d(30), level="lowest")
    assert len(report.demands) == 43
