"""Other receipt / other issue / transfer / stock count: exact balances and values."""

import datetime
from decimal import Decimal

import pytest

from erp.errors import ClosedPeriodError, InsufficientStock, StateError, ValidationError
from erp.models import Period, PeriodStatus
from inventory.models import OtherIssue, StockBalance, StockCount, StockMove, Transfer
from inventory.services.counts import stock_count_cancel, stock_count_confirm, stock_count_enter, stock_count_open
from inventory.services.documents import (
    LineInput,
    other_issue_cancel,
    other_issue_confirm,
    other_issue_create,
    other_receipt_cancel,
    other_receipt_confirm,
    other_receipt_create,
    transfer_cancel,
    transfer_confirm,
    transfer_create,
)
from inventory.services.ledger import MoveSpec, stock_moves_post
from tests import factories as f

D = Decimal
pytestmark = pytest.mark.django_db


def bal(item, wh):
    b = StockBalance.objects.filter(item=item, warehouse=wh).first()
    return (b.qty, b.value) if b else (D(0), D(0))


@pytest.fixture
def setup():
    return f.item("TYRE", standard_cost=D("9")), f.warehouse("RM"), f.warehouse("FG")


def test_other_receipt_posts_and_cancel_reverses(setup):
    tyre, rm, _fg = setup
    doc = other_receipt_create(warehouse_id=rm.pk, lines=[LineInput(tyre.pk, D(10), D("4.00"))])
    assert bal(tyre, rm) == (D(0), D(0))  # draft posts nothing
    other_receipt_confirm(doc_id=doc.pk)
    other_receipt_confirm(doc_id=doc.pk)  # double click: harmless
    assert bal(tyre, rm) == (D(10), D("40.00"))
    assert StockMove.objects.filter(source_type="inventory.other_receipt").count() == 1
    other_receipt_cancel(doc_id=doc.pk)
    assert bal(tyre, rm) == (D(0), D("0.00"))
    moves = StockMove.objects.filter(source_type="inventory.other_receipt", source_id=doc.pk).order_by("pk")
    assert [(m.qty, m.value, m.reversal) for m in moves] == [(D(10), D("40.00"), False), (D(-10), D("-40.00"), True)]


def test_moving_average_then_other_issue_at_average_and_reversal(setup):
    tyre, rm, _fg = setup
    for qty, cost in ((10, "4.00"), (30, "6.00")):
        doc = other_receipt_create(warehouse_id=rm.pk, lines=[LineInput(tyre.pk, D(qty), D(cost))])
        other_receipt_confirm(doc_id=doc.pk)
    assert bal(tyre, rm) == (D(40), D("220.00"))  # average 5.50
    issue = other_issue_create(warehouse_id=rm.pk, lines=[LineInput(tyre.pk, D(8))])
    other_issue_confirm(doc_id=issue.pk)
    line = issue.lines.get()
    assert (line.unit_cost, line.amount) == (D("5.5"), D("44.00"))
    assert bal(tyre, rm) == (D(32), D("176.00"))
    other_issue_cancel(doc_id=issue.pk)
    assert bal(tyre, rm) == (D(40), D("220.00"))
    assert OtherIssue.objects.get(pk=issue.pk).status == "cancelled"


def test_other_issue_short_refused_nothing_written(setup):
    tyre, rm, _fg = setup
    f.stock(tyre, rm, 5, "2")
    issue = other_issue_create(warehouse_id=rm.pk, lines=[LineInput(tyre.pk, D(7))])
    moves_before = StockMove.objects.count()
    with pytest.raises(InsufficientStock) as exc:
        other_issue_confirm(doc_id=issue.pk)
    assert "needed 7" in str(exc.value) and "available 5" in str(exc.value) and "TYRE" in str(exc.value)
    issue.refresh_from_db()
    assert issue.status == "draft"
    assert StockMove.objects.count() == moves_before
    assert bal(tyre, rm) == (D(5), D("10.00"))


def test_transfer_keeps_value_and_cost(setup):
    tyre, rm, fg = setup
    f.stock(tyre, rm, 10, "4.00")
    f.stock(tyre, rm, 30, "6.00")
    tr = transfer_create(from_warehouse_id=rm.pk, to_warehouse_id=fg.pk, lines=[LineInput(tyre.pk, D(8))])
    transfer_confirm(doc_id=tr.pk)
    assert bal(tyre, rm) == (D(32), D("176.00"))
    assert bal(tyre, fg) == (D(8), D("44.00"))
    assert tr.lines.get().unit_cost == D("5.5")
    total_value = sum(m.value for m in StockMove.objects.filter(item=tyre))
    assert total_value == D("220.00")  # the company's stock value is unchanged
    transfer_cancel(doc_id=tr.pk)
    assert bal(tyre, rm) == (D(40), D("220.00")) and bal(tyre, fg) == (D(0), D("0.00"))
    assert Transfer.objects.get(pk=tr.pk).status == "cancelled"


def test_transfer_needs_two_warehouses(setup):
    tyre, rm, _fg = setup
    with pytest.raises(ValidationError):
        transfer_create(from_warehouse_id=rm.pk, to_warehouse_id=rm.pk, lines=[LineInput(tyre.pk, D(1))])
    assert Transfer.objects.count() == 0


def test_confirmed_document_cannot_go_back_to_draft_or_be_confirmed_after_cancel(setup):
    tyre, rm, _fg = setup
    doc = other_receipt_create(warehouse_id=rm.pk, lines=[LineInput(tyre.pk, D(1), D(1))])
    other_receipt_cancel(doc_id=doc.pk)
    with pytest.raises(StateError):
        other_receipt_confirm(doc_id=doc.pk)
    assert StockMove.objects.count() == 0


def test_stock_count_gains_and_losses_at_average_cost():
    # given: bolts 40 @ 5.50 and chains 10 @ 20 in RM
    bolt, chain, rm = f.item("BOLT"), f.item("CHAIN"), f.warehouse("RM")
    f.stock(bolt, rm, 10, "4.00")
    f.stock(bolt, rm, 30, "6.00")
    f.stock(chain, rm, 10, "20")
    count = stock_count_open(warehouse_id=rm.pk)
    lines = {ln.item.code: ln for ln in count.lines.select_related("item")}
    assert (lines["BOLT"].book_qty, lines["CHAIN"].book_qty) == (D(40), D(10))
    # when: counted 43 bolts (gain 3) and 7 chains (loss 3)
    stock_count_enter(doc_id=count.pk, counted={lines["BOLT"].pk: D(43), lines["CHAIN"].pk: D(7)})
    stock_count_confirm(doc_id=count.pk)
    # then
    assert bal(bolt, rm) == (D(43), D("236.50"))  # +3 x 5.50 = +16.50
    assert bal(chain, rm) == (D(7), D("140.00"))  # -3 x 20 = -60.00
    done = {ln.item.code: ln for ln in StockCount.objects.get(pk=count.pk).lines.select_related("item")}
    assert (done["BOLT"].diff_qty, done["BOLT"].diff_value) == (D(3), D("16.50"))
    assert (done["CHAIN"].diff_qty, done["CHAIN"].diff_value) == (D(-3), D("-60.00"))
    stock_count_cancel(doc_id=count.pk)
    assert bal(bolt, rm) == (D(40), D("220.00")) and bal(chain, rm) == (D(10), D("200.00"))


def test_open_count_freezes_moves_of_counted_items_only():
    bolt, chain, rm = f.item("BOLT"), f.item("CHAIN"), f.warehouse("RM")
    f.stock(bolt, rm, 10, "1")
    f.stock(chain, rm, 10, "1")
    count = stock_count_open(warehouse_id=rm.pk, item_ids=[bolt.pk])
    before = StockMove.objects.count()
    with pytest.raises(StateError) as exc:
        stock_moves_post(source_type="t", source_id=99, moves=[MoveSpec(bolt.pk, rm.pk, D(-1))])
    assert count.number in str(exc.value)
    assert StockMove.objects.count() == before and bal(bolt, rm) == (D(10), D("10.00"))
    stock_moves_post(source_type="t", source_id=98, moves=[MoveSpec(chain.pk, rm.pk, D(-1))])  # not counted: fine
    with pytest.raises(ValidationError, match="Nothing has been counted"):
        stock_count_confirm(doc_id=count.pk)  # nothing counted: not posted (issue #10) ...
    assert StockCount.objects.get(pk=count.pk).status == "open"
    stock_count_cancel(doc_id=count.pk)  # ... cancelling frees the item
    stock_moves_post(source_type="t", source_id=99, moves=[MoveSpec(bolt.pk, rm.pk, D(-1))])
    assert bal(bolt, rm) == (D(9), D("9.00"))


def test_posting_into_closed_period_refused_nothing_written(setup):
    tyre, rm, _fg = setup
    Period.objects.create(year=2025, month=3, status=PeriodStatus.CLOSED)
    doc = other_receipt_create(
        warehouse_id=rm.pk, lines=[LineInput(tyre.pk, D(5), D(1))], doc_date=datetime.date(2025, 3, 15)
    )
    with pytest.raises(ClosedPeriodError):
        other_receipt_confirm(doc_id=doc.pk)
    doc.refresh_from_db()
    assert doc.status == "draft" and StockMove.objects.count() == 0 and bal(tyre, rm) == (D(0), D(0))


def test_ledger_sums_equal_balances_after_mixed_documents(setup):
    tyre, rm, fg = setup
    f.stock(tyre, rm, 25, "3.30")
    tr = transfer_create(from_warehouse_id=rm.pk, to_warehouse_id=fg.pk, lines=[LineInput(tyre.pk, D(7))])
    transfer_confirm(doc_id=tr.pk)
    iss = other_issue_create(warehouse_id=fg.pk, lines=[LineInput(tyre.pk, D(7))])
    other_issue_confirm(doc_id=iss.pk)
    for b in StockBalance.objects.all():
        moves = StockMove.objects.filter(item_id=b.item_id, warehouse_id=b.warehouse_id)
        assert sum(m.qty for m in moves) == b.qty and sum(m.value for m in moves) == b.value
    assert bal(tyre, fg) == (D(0), D("0.00"))  # issuing all stock takes exactly its value
