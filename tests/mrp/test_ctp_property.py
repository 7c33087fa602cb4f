"""The fast capable-to-promise search equals the definition of docs/mrp.md §5, on random data.

Random small data sets (every supply type and lot rule, a random BOM DAG with phantoms and dated
BOM lines, make-to-order items, stock, sales lines, forecasts, receipts, firm planned orders, order
material) and a random new demand: the date of `capable_to_promise` (delta plans, suspects' cones,
plans cut at the dates they need) must be the earliest day whose what-if plan — two full
regenerative runs, nothing restricted — has no late planned order the base plan lacks (a multiset),
and its whole answer (kind, limiting item, chain, new orders) that of the linear scan over staged
plans (`fast=False`, the implementation before the fast path).
"""

import datetime
from collections import Counter
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mrp.engine import BomLineData, Demand, FirmOrder, Forecast, PlanItem, Receipt, SalesLine, run_mrp
from mrp.engine.ctp import CTP_PEG, capable_to_promise

D0 = datetime.date(2026, 3, 30)  # forecasts of March and April: consumption by month
HORIZON = 25


def day(n):
    return D0 + datetime.timedelta(days=n)


@st.composite
def scenario(draw):
    n = draw(st.integers(2, 8))
    items = {}
    for i in range(1, n + 1):
        supply = draw(st.sampled_from(["purchase", "manufacture", "manufacture", "outsource", "phantom"]))
        items[i] = PlanItem(
            i,
            f"I{i:02d}",
            supply,
            make_to_order=draw(st.booleans()) if supply != "phantom" and draw(st.booleans()) else False,
            lead_time_days=0 if supply == "phantom" else draw(st.integers(0, 8)),
            safety_stock=D(draw(st.sampled_from([0, 0, 5, 12]))),
            min_order_qty=D(draw(st.sampled_from([0, 0, 10, 25]))),
            order_multiple=D(draw(st.sampled_from([0, 0, 5]))),
            order_period_days=draw(st.sampled_from([0, 0, 1, 3, 5])),
            skip_level=supply != "phantom" and draw(st.integers(0, 9)) == 0,
        )
    bom = []
    for parent in range(1, n + 1):
        for child in range(parent + 1, n + 1):
            if draw(st.integers(0, 2)) == 0:
                valid = draw(st.sampled_from([(None, None), (None, None), (None, day(6)), (day(4), None)]))
                bom.append(
                    BomLineData(
                        parent,
                        child,
                        D(draw(st.sampled_from(["1", "2", "0.5"]))),
                        output_qty=D(draw(st.sampled_from([1, 1, 2]))),
                        scrap_rate=D(draw(st.sampled_from(["0", "0", "0.1"]))),
                        fixed_loss=D(draw(st.sampled_from([0, 0, 1]))),
                        valid_from=valid[0],
                        valid_to=valid[1],
                    )
                )
    item = st.integers(1, n)
    qty = st.integers(1, 60).map(D)
    offset = st.integers(-2, HORIZON + 3)
    data = {
        "items": items,
        "bom_lines": bom,
        "on_hand": {i: D(draw(st.integers(0, 60))) for i in items if draw(st.booleans())},
        "sales_lines": draw(
            st.lists(
                st.builds(
                    lambda i, d, q, k: SalesLine(i, day(d), q, f"SO-{k}/1"), item, offset, qty, st.integers(1, 5)
                ),
                max_size=6,
            )
        ),
        "forecasts": draw(st.lists(st.builds(lambda i, d, q: Forecast(i, day(d), q), item, offset, qty), max_size=3)),
        "demands": draw(
            st.lists(
                st.builds(lambda i, d, q: Demand(i, day(d), q, "order_material", "", "WO-1"), item, offset, qty),
                max_size=3,
            )  # fmt: skip
        ),
        "receipts": draw(
            st.lists(
                st.builds(lambda i, d, q: Receipt(i, day(d), q, "purchase", f"PO-{d}"), item, offset, qty), max_size=4
            )  # fmt: skip
        ),
        "firm_orders": draw(
            st.lists(st.builds(lambda i, d, q: FirmOrder(i, q, day(d - 2), day(d)), item, offset, qty), max_size=2)
        ),
    }
    return data, draw(item), draw(st.integers(1, 80).map(D))


def late_orders(result):
    return Counter((p.item_id, p.order_type, p.qty, p.release_date, p.due_date, p.pegged_to)
                   for p in result.planned_orders if p.late)  # fmt: skip


def by_definition(data, item_id, qty):
    """The earliest day whose what-if plan (full runs) has no new late planned order, or None."""
    base = late_orders(run_mrp(d0=D0, horizon_days=HORIZON, **data, pegging=False))
    for n in range(HORIZON + 1):
        sales = list(data["sales_lines"]) + [SalesLine(item_id, day(n), qty, CTP_PEG)]
        what_if = run_mrp(d0=D0, horizon_days=HORIZON, **{**data, "sales_lines": sales}, pegging=False)
        if not (late_orders(what_if) - base):
            return day(n)
    return None


def answer(result):
    new = sorted((p.item_id, p.order_type, p.qty, p.release_date, p.due_date, p.pegged_to) for p in result.new_orders)
    return result.date, result.kind, result.limiting_item_id, result.chain, new


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_fast_search_gives_the_date_of_the_definition_and_the_linear_scans_answer(case):
    data, item_id, qty = case
    fast = capable_to_promise(d0=D0, horizon_days=HORIZON, data=data, item_id=item_id, qty=qty)
    assert not fast.fell_back
    assert fast.date == by_definition(data, item_id, qty)
    linear = capable_to_promise(d0=D0, horizon_days=HORIZON, data=data, item_id=item_id, qty=qty, fast=False)
    assert answer(fast) == answer(linear)
    # what the services ask (no what-if orders below X on the answer day): the same answer
    bare = capable_to_promise(d0=D0, horizon_days=HORIZON, data=data, item_id=item_id, qty=qty, with_orders=False)
    assert answer(bare)[:4] == answer(fast)[:4] and bare.new_orders == ()
