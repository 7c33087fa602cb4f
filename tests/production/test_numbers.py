"""Issue #11, production: the numbers a planner reads, one definition each, with hand calculations.

- 以销定产 left to arrange = to produce (quantity − shipped from stock) − covered (received + still
  to come on the linked orders of the line's item); the page, the service and crm.progress agree.
- Sales-order progress: only orders of the ordered item are finished goods; completion is
  received / to produce, not received / arranged.
- The backflush preview is what the posting posts; status changes go through the flows with history;
  picking and FG receipt services run the same number of queries for 1 and 40 lines.
"""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from crm import progress as crm_progress
from crm.models import SalesOrderLine
from erp.errors import ValidationError
from inventory.services.ledger import MoveSpec, stock_moves_post
from production import selectors
from production.models import FGReceiptLine, Picking, WorkOrder, WorkOrderMaterial
from production.services import picking as pk
from production.services import receipts as rc
from production.services import work_orders as wos
from tests import factories as f

from .helpers import JUNE1, make_wo, mat, wh
from .so import sales_line

pytestmark = pytest.mark.django_db
JUNE = {d: datetime.date(2026, 6, d) for d in range(1, 31)}


def _receive(wo, qty, day=JUNE[5]):
    r = rc.fg_receipt_create(work_order_id=wo.pk, qty=D(qty), receipt_date=day, warehouse_id=wh("FG").pk)
    return rc.fg_receipt_confirm(receipt_id=r.pk)


def _ship(line, qty):
    """Deliveries are the sales app's; only the line's delivered quantity matters here."""
    SalesOrderLine.objects.filter(pk=line.pk).update(delivered_qty=D(qty))
    line.refresh_from_db()


def _to_make_cell(html: str) -> str:
    cell = html.split('class="to-make"><strong>', 1)[1]
    return cell.split("</strong>", 1)[0]


# --- 1. 以销定产: shipped goods are subtracted once ----------------------------------------------


def test_made_and_shipped_goods_leave_40_to_arrange_on_the_page_and_in_the_service(login):
    # given a sales line of 100 and a work order of 60 from it, made and shipped
    line = sales_line(qty=100)
    wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk, qty=D(60))
    wos.work_order_release(work_order_id=wo.pk)
    _receive(wo, 60)
    _ship(line, 60)
    # then the make-to-order page shows 40 left to arrange (not 0)
    client = login("生产")
    html = client.get(reverse("production:sales_lines")).content.decode()
    assert line.order.number in html and _to_make_cell(html) == "40"
    (row,) = selectors.sales_lines_to_make()
    assert (row.progress.covered, row.to_make) == (D(60), D(40))
    # and its button makes the work order for the 40
    response = client.post(reverse("production:wo_from_sales_line", args=[line.pk]))
    assert response.status_code == 302
    new = WorkOrder.objects.exclude(pk=wo.pk).get()
    assert (new.qty, new.sales_order_line_id) == (D(40), line.pk)
    # now nothing is left: another one is refused and the line leaves the page
    with pytest.raises(ValidationError):
        wos.work_order_from_sales_line(sales_order_line_id=line.pk)
    assert WorkOrder.objects.count() == 2
    assert line.order.number not in client.get(reverse("production:sales_lines")).content.decode()


def test_more_than_left_to_arrange_is_refused_and_nothing_made():
    line = sales_line(qty=100)
    wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk, qty=D(60))
    with pytest.raises(ValidationError, match="more than the 40 left to arrange"):
        wos.work_order_from_sales_line(sales_order_line_id=line.pk, qty=D(50))
    assert list(WorkOrder.objects.values_list("pk", flat=True)) == [wo.pk]


@pytest.mark.parametrize(
    "case, expected",
    [
        # 30 shipped from stock, nothing made yet: 70 to arrange
        ("stock_only", D(70)),
        # WO 60 received 40; 50 shipped = 40 from the order + 10 from stock -> 100 - 10 - 60 = 30
        ("partly_from_stock", D(30)),
        # WO 100 closed short at 80 received: the missing 20 is to arrange again
        ("closed_short", D(20)),
        # WO 100 open with 10 scrapped: it covers 90
        ("scrapped", D(10)),
        # a cancelled WO covers nothing
        ("cancelled", D(100)),
    ],
)
def test_left_to_arrange_rule(case, expected):
    line = sales_line(qty=100)
    if case == "stock_only":
        _ship(line, 30)
    elif case == "partly_from_stock":
        wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk, qty=D(60))
        wos.work_order_release(work_order_id=wo.pk)
        _receive(wo, 40)
        _ship(line, 50)
    elif case == "closed_short":
        wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk)
        wos.work_order_release(work_order_id=wo.pk)
        _receive(wo, 80)
        wos.work_order_close(work_order_id=wo.pk)
    elif case == "scrapped":
        wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk)
        wos.work_order_release(work_order_id=wo.pk)
        wos.work_order_report_scrap(work_order_id=wo.pk, qty=D(10))
    else:
        wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk)
        wos.work_order_cancel(work_order_id=wo.pk)
    assert [(ln.pk, ln.to_make) for ln in selectors.sales_lines_to_make()] == [(line.pk, expected)]
    assert wos.sales_line_left_to_arrange(line) == expected
    assert crm_progress.left_to_arrange([line]) == {line.pk: expected}


# --- 2. sales-order progress -------------------------------------------------------------------


def test_a_component_order_pegged_to_the_line_is_not_finished_goods():
    # SO line FG 100; WO FG 100 not received; a work order for component C (100, all received)
    # pegged to the same line: 0 % and nothing to ship (was 50 % and 100 ready)
    line = sales_line(qty=100, item_code="FG")
    fg_wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk)
    wos.work_order_release(work_order_id=fg_wo.pk)
    comp = f.item("C", supply_type="manufacture")
    c_wo = wos.work_order_create(
        item_id=comp.pk, qty=D(100), planned_start=JUNE1, planned_finish=JUNE[5], sales_order_line_id=line.pk
    )
    wos.work_order_release(work_order_id=c_wo.pk)
    _receive(c_wo, 100)
    from crm.selectors import line_progress as page_progress  # what the sales pages read

    shown = page_progress([line])[line.pk]
    assert (shown.ordered, shown.received, shown.completion_pct, shown.ready_to_ship) == (D(100), 0, 0, 0)
    p = crm_progress.line_progress([line])[line.pk]
    assert (p.ordered, p.received, p.completion_pct, p.ready_to_ship) == (D(100), D(0), D(0), D(0))
    assert p.status == "in_production" and p.left_to_arrange == 0
    assert [label for label, _url in p.links] == [fg_wo.number, c_wo.number]


def test_completion_is_measured_against_the_sales_quantity():
    # SO 100, one work order of 50, all received: 50 %, 部分完工, 50 left to arrange (was 100 % 已完工)
    line = sales_line(qty=100)
    wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk, qty=D(50))
    wos.work_order_release(work_order_id=wo.pk)
    _receive(wo, 50)
    p = crm_progress.line_progress([line])[line.pk]
    assert (p.ordered, p.received, p.completion_pct, p.status) == (D(50), D(50), D("50.0"), "partial")
    assert (p.ready_to_ship, p.left_to_arrange) == (D(50), D(50))
    # the second order for the rest completes the line
    rest = wos.work_order_from_sales_line(sales_order_line_id=line.pk)
    wos.work_order_release(work_order_id=rest.pk)
    _receive(rest, 50)
    p = crm_progress.line_progress([line])[line.pk]
    assert (rest.qty, p.completion_pct, p.status) == (D(50), D("100.0"), "completed")


def test_spec_example_with_the_real_work_order_and_an_outsourcing_contribution():
    # domain §2: SO 100; WO 60 (received 40), OO 40 (received 10), shipped 30 -> 50 %, 部分完工, ready 20
    line = sales_line(qty=100)
    wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk, qty=D(60))
    wos.work_order_release(work_order_id=wo.pk)
    _receive(wo, 40)
    _ship(line, 30)

    def outsourcing(line_ids):  # an outsourcing order of the ordered item, in the per-order form
        return [crm_progress.LinkedOrder(line.pk, line.item_id, D(40), D(10), D(30), "", "OO-1", "/oo/1/")]

    crm_progress.register_provider(outsourcing)
    try:
        p = crm_progress.line_progress([line])[line.pk]
    finally:
        crm_progress.unregister_provider(outsourcing)
    assert (p.ordered, p.received, p.completion_pct, p.status, p.ready_to_ship) == (
        D(100),
        D(50),
        D("50.0"),
        "partial",
        D(20),
    )
    assert (p.covered, p.left_to_arrange) == (D(100), D(0))


def test_an_outsourcing_order_for_a_component_is_not_finished_goods():
    from procurement.models import OutsourcingOrder

    line = sales_line(qty=100, item_code="FG")
    fg_wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk)
    OutsourcingOrder.objects.create(
        number="OO-C-1",
        supplier=f.supplier("S1"),
        item=f.item("C", supply_type="outsource"),
        qty=D(100),
        received_qty=D(100),
        status="confirmed",
        order_date=JUNE1,
        start_date=JUNE1,
        due_date=JUNE[5],
        sales_order_line=line,
    )
    p = crm_progress.line_progress([line])[line.pk]
    assert (p.ordered, p.received, p.completion_pct, p.ready_to_ship) == (fg_wo.qty, D(0), D(0), D(0))


def test_sales_pages_read_the_same_progress():
    from crm.selectors import line_progress

    line = sales_line(qty=100)
    wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk, qty=D(50))
    wos.work_order_release(work_order_id=wo.pk)
    _receive(wo, 50)
    p = line_progress([line])[line.pk]
    assert (p.completion_pct, p.status) == (D("50.0"), "partial")


# --- 3. the backflush preview is what the posting posts ---------------------------------------


def test_backflush_preview_is_rounded_like_the_posting():
    # order 10: C 0.5 kg backflush, by-product BP 0.333333 per unit; a draft receipt of 1.5
    rm = wh()
    wo = make_wo(
        qty=10,
        lines=[
            ("C", "0.5", "backflush", rm, {"unit": "kg"}),
            ("BP", "0.333333", "none", rm, {"line_type": "by_product"}),
        ],
    )
    f.stock(f.item("C"), rm, 10)
    r = rc.fg_receipt_create(work_order_id=wo.pk, qty=D("1.5"), receipt_date=JUNE[5], warehouse_id=wh("FG").pk)
    preview = {row["item"].code: row["qty"] for row in selectors.receipt_preview(r)}
    # 1.5 × 0.333333 = 0.4999995 -> 0.500000 (the quantity field's 6 places), as posted
    assert preview == {"C": D("-0.75"), "BP": D("0.5")}
    rc.fg_receipt_confirm(receipt_id=r.pk)
    posted = {
        ln.item.code: (-ln.qty if ln.kind == "backflush" else ln.qty)
        for ln in FGReceiptLine.objects.filter(receipt=r).select_related("item")
    }
    assert posted == preview


def test_receipt_page_shows_the_preview(login):
    rm = wh()
    wo = make_wo(qty=10, lines=[("C", "0.5", "backflush", rm)])
    r = rc.fg_receipt_create(work_order_id=wo.pk, qty=D(4), receipt_date=JUNE[5], warehouse_id=wh("FG").pk)
    html = login("仓库").get(reverse("production:receipt_detail", args=[r.pk])).content.decode()
    assert 'data-item="C"' in html and "-2" in html.split('data-item="C"', 1)[1].split("</tr>", 1)[0]


# --- 4. status changes through the flows, with history -----------------------------------------


def test_cancelling_a_work_order_cancels_its_draft_pickings_with_history():
    rm = wh()
    wo = make_wo(qty=5, lines=[("A", 1, "manual", rm)])
    f.stock(f.item("A"), rm, 5)
    picking = pk.picking_create_kit(work_order_id=wo.pk, pick_date=JUNE[2])
    wos.work_order_cancel(work_order_id=wo.pk)
    picking.refresh_from_db()
    assert picking.status == "cancelled"
    assert list(picking.history.order_by("history_id").values_list("status", flat=True)) == ["draft", "cancelled"]


def test_a_merged_picking_starts_its_orders_with_history():
    rm = wh()
    wo1 = make_wo("FG1", qty=5, lines=[("A", 2, "manual", rm)])
    wo2 = make_wo("FG2", qty=3, lines=[("A", 1, "manual", rm)])
    f.stock(f.item("A"), rm, 13)
    p = pk.picking_create_merged(work_order_ids=[wo1.pk, wo2.pk], pick_date=JUNE[3])
    pk.picking_confirm(picking_id=p.pk)
    for wo in (wo1, wo2):
        wo.refresh_from_db()
        assert (wo.status, wo.actual_start) == ("started", JUNE[3])
        assert wo.history.order_by("-history_id").first().status == "started"


def test_reimport_of_a_completed_order_with_nothing_completed_goes_back_to_started():
    from erp.exchange import Row, import_files

    def rows(completed):
        r = Row(
            {
                "wo_no": "WO-OLD-9",
                "item_code": "FG",
                "qty": "10",
                "completed_qty": completed,
                "start_date": "2026-06-01",
                "due_date": "2026-06-10",
            }
        )
        r.line = 2
        return [r]

    f.item("FG", supply_type="manufacture")
    import_files({"work_orders.csv": rows("10")})
    assert WorkOrder.objects.get(number="WO-OLD-9").status == "completed"
    import_files({"work_orders.csv": rows("0")})
    wo = WorkOrder.objects.get(number="WO-OLD-9")
    # completed -> released is not a transition of the work-order flow: the order stays in production
    assert wo.status == "started"
    assert list(wo.history.order_by("history_id").values_list("status", flat=True)) == ["completed", "started"]


# --- 5. queries do not grow with lines ---------------------------------------------------------

BOUND = 65  # one service call, its voucher and planning change included, for 1 and for 40 lines
MERGED_BOUND = 70  # propose + post a merged picking with its voucher, for 2 and for 20 orders


def _wide_order(code, n):
    """A released order of 10 with n manual and n backflush lines, stock for all of them."""
    rm = wh()
    fg = f.item(code, supply_type="manufacture", default_warehouse=wh("FG"))
    wo = wos.work_order_create(item_id=fg.pk, qty=D(10), planned_start=JUNE1, planned_finish=JUNE[10])
    comps = [f.item(f"{code}-M{i}") for i in range(n)] + [f.item(f"{code}-B{i}") for i in range(n)]
    WorkOrderMaterial.objects.bulk_create(
        WorkOrderMaterial(
            work_order=wo,
            line_no=(i + 1) * 10,
            component=c,
            qty_per=D(1),
            required=D(10),
            issue_method="manual" if i < n else "backflush",
            warehouse=rm,
        )
        for i, c in enumerate(comps)
    )
    stock_moves_post(
        source_type="test.wide_order",
        source_id=wo.pk,
        moves=[MoveSpec(c.pk, rm.pk, D(100), D(1), source_line=i, kind="opening") for i, c in enumerate(comps)],
        move_date=JUNE1,
    )
    wos.work_order_release(work_order_id=wo.pk)
    return wo


def _counts(wo, django_assert_max_num_queries) -> dict:
    counts = {}

    def run(name, fn):
        with django_assert_max_num_queries(BOUND) as ctx:
            result = fn()
        counts[name] = len(ctx.captured_queries)
        return result

    manual = list(wo.materials.filter(line_type="component", issue_method="manual"))
    kit = run("kit picking", lambda: pk.picking_create_kit(work_order_id=wo.pk, target_sets=D(4), pick_date=JUNE[2]))
    run("confirm kit", lambda: pk.picking_confirm(picking_id=kit.pk))
    batch = run(
        "batch picking",
        lambda: pk.picking_create_batch(work_order_id=wo.pk, qtys={m.pk: D(1) for m in manual}, pick_date=JUNE[2]),
    )
    run("confirm batch", lambda: pk.picking_confirm(picking_id=batch.pk))
    ret = run(
        "return",
        lambda: pk.picking_create_return(work_order_id=wo.pk, qtys={m.pk: D(1) for m in manual}, pick_date=JUNE[3]),
    )
    run("confirm return", lambda: pk.picking_confirm(picking_id=ret.pk))
    run("cancel picking", lambda: pk.picking_cancel(picking_id=batch.pk))
    receipt = rc.fg_receipt_create(work_order_id=wo.pk, qty=D(4), receipt_date=JUNE[4])
    run("FG receipt post", lambda: rc.fg_receipt_confirm(receipt_id=receipt.pk))
    run("FG receipt cancel", lambda: rc.fg_receipt_cancel(receipt_id=receipt.pk))
    return counts


def test_picking_and_receipt_queries_do_not_grow_with_lines(django_assert_max_num_queries):
    one = _wide_order("W1", 1)
    forty = _wide_order("W40", 40)
    assert forty.materials.count() == 80
    # the month's first postings create its voucher sequences and period rows: warm up once
    _counts(_wide_order("W0", 1), django_assert_max_num_queries)
    c1 = _counts(one, django_assert_max_num_queries)
    c40 = _counts(forty, django_assert_max_num_queries)
    assert c1 == c40, (c1, c40)
    # the 40-line order really posted 40 lines: 4 sets kit-picked + 1 batch, backflush 4 × 1
    a = forty.materials.filter(issue_method="manual").first()
    assert (a.issued_qty, a.returned_qty) == (D(4), D(1))  # the batch picking was reversed
    assert Picking.objects.filter(work_orders=forty, status="confirmed").count() == 2


def test_merged_picking_queries_do_not_grow_with_orders(django_assert_max_num_queries):
    # a first posting of the month creates its voucher sequence and period rows: warm up once
    warm = [_wide_order(f"MW-{i}", 2) for i in range(2)]
    pk.picking_confirm(picking_id=pk.picking_create_merged(work_order_ids=[w.pk for w in warm], pick_date=JUNE[2]).pk)
    counts = []
    for n in (2, 20):
        orders = [_wide_order(f"M{n}-{i}", 2) for i in range(n)]
        with django_assert_max_num_queries(MERGED_BOUND) as ctx:
            p = pk.picking_create_merged(work_order_ids=[wo.pk for wo in orders], pick_date=JUNE[2])
            pk.picking_confirm(picking_id=p.pk)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# --- 6. one definition per derived value -------------------------------------------------------


def test_open_quantity_overdue_and_planning_reads_share_one_definition():
    # WO 100 received 40, scrapped 10 -> 未入库 50 (open), finish 06-10; a completed WO is not open
    line = sales_line(qty=100)
    wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk, planned_start=JUNE1, planned_finish=JUNE[10])
    wos.work_order_release(work_order_id=wo.pk)
    _receive(wo, 40)
    wos.work_order_report_scrap(work_order_id=wo.pk, qty=D(10))
    done = make_wo("FG2", qty=5)
    _receive(done, 5)
    wo.refresh_from_db()
    annotated = WorkOrder.objects.with_open_qty().get(pk=wo.pk)
    assert wo.open_qty == annotated.open_qty == D(50)
    assert set(WorkOrder.objects.open().values_list("pk", flat=True)) == {wo.pk}
    assert list(WorkOrder.objects.overdue(JUNE[11]).values_list("pk", flat=True)) == [wo.pk]
    assert not WorkOrder.objects.overdue(JUNE[10]).exists()
    (tracked,) = selectors.tracking_rows(today=JUNE[11], qs=WorkOrder.objects.filter(pk=wo.pk))
    assert "overdue" in tracked.tracking.warnings and tracked.tracking.open_qty == D(50)
    # ATP and MRP read the same 未入库 (MRP read qty − received = 60 before)
    assert selectors.open_work_order_receipts([wo.item_id]) == [(wo.item_id, JUNE[10], D(50))]
    (row,) = selectors.planning_open_orders()
    assert (row["number"], row["open_qty"], row["planned_finish"], row["peg"]) == (
        wo.number,
        D(50),
        JUNE[10],
        f"{line.order.number}/1",
    )


def test_material_remaining_and_net_issued_for_planning():
    # required A 20, C 5 (backflush 0.5); A issued 12, returned 2; receipt 4 flushes C 2
    rm = wh()
    wo = make_wo(qty=10, lines=[("A", 2, "manual", rm), ("C", "0.5", "backflush", rm)])
    f.stock(f.item("A"), rm, 20)
    f.stock(f.item("C"), rm, 10)
    a = mat(wo, "A")
    p = pk.picking_create_batch(work_order_id=wo.pk, qtys={a.pk: D(12)}, pick_date=JUNE[2])
    pk.picking_confirm(picking_id=p.pk)
    r = pk.picking_create_return(work_order_id=wo.pk, qtys={a.pk: D(2)}, pick_date=JUNE[3])
    pk.picking_confirm(picking_id=r.pk)
    _receive(wo, 4)
    a, c = mat(wo, "A"), mat(wo, "C")
    assert (a.net_issued, a.remaining, c.net_issued, c.remaining) == (D(10), D(10), D(2), D(3))
    rows = dict(WorkOrderMaterial.objects.with_remaining().values_list("component__code", "remaining"))
    assert (rows["A"], rows["C"]) == (D(10), D(3))
    assert sorted(r[2] for r in selectors.open_component_demand()) == [D(3), D(10)]
    assert selectors.planning_net_issued() == {wo.pk: {a.component_id: D(10), c.component_id: D(2)}}


def test_the_list_filter_open_and_overdue_use_the_queryset(login):
    wo = make_wo(qty=10, start=JUNE1, finish=datetime.date(2026, 6, 2))
    closed = make_wo("FG2", qty=1, start=JUNE1, finish=datetime.date(2026, 6, 2))
    _receive(closed, 1)
    client = login("生产")
    html = client.get(reverse("production:wo_list") + "?warning=overdue").content.decode()
    assert wo.number in html and closed.number not in html
    html = client.get(reverse("production:wo_list") + "?open=true").content.decode()
    assert wo.number in html and closed.number not in html
