"""Net change equals the full regenerative run, row for row (docs/mrp.md §5), on random data.

Random small data sets (items with every supply type and lot rule, a random BOM DAG with phantoms,
make-to-order items, sales lines, forecasts, receipts, order material) get 1 to 3 random changes;
after each, only the changed items and everything below them are re-planned (dependent demand of
the other parents from the plan so far) and the patched plan must equal a full run on the new data.
"""

import datetime
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mrp.engine import BomLineData, Demand, Forecast, PlanItem, Receipt, SalesLine, run_mrp
from mrp.engine.partial import bom_maps, merge, replan_changed, replan_scope, run_scope

D0 = datetime.date(2026, 3, 2)
HORIZON = 30


def day(n):
    return D0 + datetime.timedelta(days=n)


@st.composite
def plan_items(draw):
    n = draw(st.integers(2, 7))
    items = {}
    for i in range(1, n + 1):
        supply = draw(st.sampled_from(["purchase", "manufacture", "outsource", "phantom"]))
        items[i] = PlanItem(
            i,
            f"I{i:02d}",
            supply,
            make_to_order=draw(st.booleans()) if supply != "phantom" else False,
            lead_time_days=draw(st.integers(0, 6)),
            safety_stock=D(draw(st.sampled_from([0, 0, 5, 12]))),
            min_order_qty=D(draw(st.sampled_from([0, 0, 10, 25]))),
            order_multiple=D(draw(st.sampled_from([0, 0, 5]))),
            order_period_days=draw(st.sampled_from([0, 1, 3])),
        )
    bom = []
    for parent in range(1, n + 1):
        for child in range(parent + 1, n + 1):
            if draw(st.integers(0, 2)) == 0:
                bom.append(
                    BomLineData(
                        parent,
                        child,
                        D(draw(st.sampled_from(["1", "2", "0.5"]))),
                        output_qty=D(draw(st.sampled_from([1, 1, 2]))),
                        scrap_rate=D(draw(st.sampled_from(["0", "0", "0.1"]))),
                        fixed_loss=D(draw(st.sampled_from([0, 0, 1]))),
                    )
                )
    return items, bom


qty = st.integers(1, 60).map(D)
offset = st.integers(-2, HORIZON + 3)


def sales_line(n_items):
    return st.builds(lambda i, d, q, k: SalesLine(i, day(d), q, f"SO-{k}/1"), st.integers(1, n_items), offset, qty,
                     st.integers(1, 10**6))  # fmt: skip


def receipt(n_items):
    return st.builds(lambda i, d, q: Receipt(i, day(d), q, "purchase", f"PO-{d}"), st.integers(1, n_items), offset, qty)


def forecast(n_items):
    return st.builds(lambda i, d, q: Forecast(i, day(d), q), st.integers(1, n_items), st.integers(0, HORIZON), qty)


def demand(n_items):
    return st.builds(lambda i, d, q: Demand(i, day(d), q, "order_material", "", "WO-1"), st.integers(1, n_items),
                     offset, qty)  # fmt: skip


@st.composite
def scenario(draw):
    items, bom = draw(plan_items())
    n = len(items)
    data = {
        "items": items,
        "bom_lines": bom,
        "on_hand": {i: D(draw(st.integers(0, 40))) for i in items if draw(st.booleans())},
        "sales_lines": draw(st.lists(sales_line(n), max_size=6)),
        "forecasts": draw(st.lists(forecast(n), max_size=3)),
        "demands": draw(st.lists(demand(n), max_size=3)),
        "receipts": draw(st.lists(receipt(n), max_size=4)),
    }
    changes = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["add_sale", "drop_sale", "move_sale", "receipt", "drop_receipt", "stock",
                                     "forecast", "demand"]))  # fmt: skip
        changes.append((kind, draw(st.integers(0, 10**6)), draw(sales_line(n)), draw(receipt(n)), draw(forecast(n)),
                        draw(demand(n)), draw(st.integers(0, 50))))  # fmt: skip
    return data, changes


def apply_change(data, change):
    """A new data set and the items the change touches (what record_planning_change records)."""
    kind, pick, sale, rec, fc, dm, stock = change
    data = {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    if kind == "add_sale":
        data["sales_lines"].append(sale)
        return data, {sale.item_id}
    if kind in ("drop_sale", "move_sale") and data["sales_lines"]:
        old = data["sales_lines"].pop(pick % len(data["sales_lines"]))
        if kind == "move_sale":
            data["sales_lines"].append(SalesLine(old.item_id, sale.due_date, sale.open_qty, old.peg))
        return data, {old.item_id}
    if kind == "drop_receipt" and data["receipts"]:
        old = data["receipts"].pop(pick % len(data["receipts"]))
        return data, {old.item_id}
    if kind == "receipt":
        data["receipts"].append(rec)
        return data, {rec.item_id}
    if kind == "forecast":
        data["forecasts"].append(fc)
        return data, {fc.item_id}
    if kind == "demand":
        data["demands"].append(dm)
        return data, {dm.item_id}
    item = rec.item_id
    data["on_hand"][item] = D(stock)
    return data, {item}


def order_rows(result):
    return sorted(
        (p.item_id, p.order_type, p.qty, p.release_date, p.due_date, p.late, p.pegged_to, p.net, p.firm)
        for p in result.planned_orders
    )


def message_rows(result):
    return sorted(
        (e.kind, e.item_id, e.date or D0, e.ref, e.qty if e.qty is not None else D(-1), e.new_date or D0)
        for e in result.exceptions
    )


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_net_change_equals_the_full_run(case):
    data, changes = case
    plan = run_mrp(d0=D0, horizon_days=HORIZON, **data)
    for change in changes:
        data, seeds = apply_change(data, change)
        children, parents = bom_maps(data["bom_lines"])
        scope = replan_scope(seeds, data["items"], children, parents)
        part = run_scope(
            d0=D0,
            horizon_days=HORIZON,
            data=data,
            scope=scope,
            parent_orders=[p for p in plan.planned_orders if p.item_id not in scope],
        )
        for k, p in enumerate(part.planned_orders, start=10_000 * (changes.index(change) + 1)):
            p.seq = k  # numbers stay unique within the patched plan (as the service renumbers)
        plan = merge(plan, part, scope)
        full = run_mrp(d0=D0, horizon_days=HORIZON, **data)
        assert order_rows(plan) == order_rows(full)
        assert message_rows(plan) == message_rows(full)


def test_scope_is_the_item_and_everything_below_plus_phantom_parents():
    items = {
        1: PlanItem(1, "FG", "manufacture"),
        2: PlanItem(2, "PH", "phantom"),
        3: PlanItem(3, "A", "purchase"),
        4: PlanItem(4, "B", "purchase"),
        5: PlanItem(5, "FG2", "manufacture"),
    }
    bom = [BomLineData(1, 2, D(1)), BomLineData(2, 3, D(1)), BomLineData(1, 4, D(1)), BomLineData(5, 3, D(1))]
    children, parents = bom_maps(bom)
    assert replan_scope([1], items, children, parents) == {1, 2, 3, 4}
    # A changed: A, and the phantom above it (its pass-through demand has no planned order to read)
    assert replan_scope([3], items, children, parents) == {2, 3}
    assert replan_scope([5], items, children, parents) == {2, 3, 5}


def _delta_merge(plan, delta):
    """The plan with the re-planned items' orders (when changed) and messages replaced."""
    changed = {i for i, r in delta.plans.items() if r.changed}
    orders = [p for p in plan.planned_orders if p.item_id not in changed]
    orders += [p for i in changed for p in delta.plans[i].orders]
    messages = [e for e in plan.exceptions if e.item_id not in delta.plans]
    messages += [e for r in delta.plans.values() for e in r.messages]
    return type(plan)(planned_orders=orders, exceptions=messages, llc=plan.llc)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_net_change_of_only_the_changed_items_equals_the_full_run(case):
    """The net change as the service runs it (`replan_changed`): only items whose inputs change are
    planned; orders, messages, and the numbers pegs name are those of a full run / the stored plan."""
    data, changes = case
    plan = run_mrp(d0=D0, horizon_days=HORIZON, **data)
    next_seq = max((p.seq for p in plan.planned_orders), default=0) + 1
    for change in changes:
        data, seeds = apply_change(data, change)
        children, parents = bom_maps(data["bom_lines"])
        scope = replan_scope(seeds, data["items"], children, parents)
        by_item = {}
        for p in plan.planned_orders:
            by_item.setdefault(p.item_id, []).append(p)
        delta = replan_changed(
            d0=D0,
            horizon_days=HORIZON,
            data=data,
            scope=scope,
            seeds=seeds,
            current=lambda ids, by_item=by_item: {i: by_item.get(i, []) for i in ids},
            next_seq=next_seq,
        )
        assert set(delta.plans) <= scope
        next_seq = delta.next_seq
        plan = _delta_merge(plan, delta)
        full = run_mrp(d0=D0, horizon_days=HORIZON, **data)
        assert order_rows(plan) == order_rows(full)
        assert message_rows(plan) == message_rows(full)
        # every planned order a peg of a re-planned item names exists in the patched plan
        seqs = {p.seq for p in plan.planned_orders}
        assert len(seqs) == len(plan.planned_orders)
        for r in delta.plans.values():
            for g in r.pegs:
                for kind, ref in ((g.demand_kind, g.demand_ref), (g.supply_kind, g.supply_ref)):
                    if kind == "planned":
                        assert int(ref) in seqs
