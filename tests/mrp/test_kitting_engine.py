"""Kitting engine (mrp/engine/kitting.py) on the spec's examples (mrp.md §2), exact numbers."""

from decimal import Decimal as D

from mrp.engine.kitting import KitChild, KitComponent, KitDemand, analyse

A, B, C, SA, FG = 1, 2, 3, 4, 5


def per_set(qty):
    return tuple(KitComponent(i, D(p), D(p) * qty) for i, p in ((A, 2), (B, 1), (C, 3)))


def test_spec_example_component_greedy_5_7_0():
    demands = [KitDemand(k, D(q), per_set(q)) for k, q in (("WO1", 5), ("WO2", 10), ("WO3", 8))]
    res = analyse(demands, {A: D(25), B: D(20), C: D(40)})
    assert [(r.key, r.kittable, r.status) for r in res] == [
        ("WO1", 5, "complete"),
        ("WO2", 7, "partial"),
        ("WO3", 0, "short"),
    ]
    assert res[0].short_by_item == {}
    assert res[1].short_by_item == {A: 5, C: 5}
    assert res[2].short_by_item == {A: 16, B: 3, C: 24}
    a2 = res[1].rows[0]
    assert (a2.required, a2.available_before, a2.allocated, a2.short, a2.left_after) == (20, 15, 15, 5, 0)
    b3 = res[2].rows[1]
    assert (b3.required, b3.available_before, b3.allocated, b3.short, b3.left_after) == (8, 5, 5, 3, 0)


def test_priority_is_the_order_given():
    demands = [KitDemand(k, D(q), per_set(q)) for k, q in (("WO3", 8), ("WO1", 5), ("WO2", 10))]
    res = analyse(demands, {A: D(25), B: D(20), C: D(40)})
    assert [(r.key, r.kittable, r.status) for r in res] == [
        ("WO3", 8, "complete"),
        ("WO1", 4, "partial"),
        ("WO2", 0, "short"),
    ]


def test_lowest_level_8_sets_against_first_level_3():
    demand = KitDemand("WO", D(10), (KitComponent(SA, D(1), D(10)), KitComponent(C, D(1), D(10))))
    stock = {SA: D(3), A: D(10), C: D(20)}
    first = analyse([demand], stock)[0]
    assert (first.kittable, first.status) == (3, "partial")
    lowest = analyse([demand], stock, explode={SA: [KitChild(A, D(2))]})[0]
    assert (lowest.kittable, lowest.status) == (8, "partial")
    rows = {r.item_id: r for r in lowest.rows}
    assert (rows[SA].allocated, rows[SA].short, rows[SA].exploded) == (3, 7, True)
    assert (rows[A].required, rows[A].allocated, rows[A].short, rows[A].depth) == (14, 10, 4, 1)


def test_lowest_level_complete_when_children_cover_the_shortfall():
    demand = KitDemand("WO", D(5), (KitComponent(SA, D(1), D(5)), KitComponent(C, D(1), D(5))))
    res = analyse([demand], {SA: D(3), A: D(10), C: D(20)}, explode={SA: [KitChild(A, D(2))]})[0]
    assert (res.kittable, res.status) == (5, "complete")


def test_material_already_issued_counts_toward_the_sets():
    # 10 sets of A 2: 8 issued (covered), 12 still to issue, 12 on hand -> 10 sets
    demand = KitDemand("WO", D(10), (KitComponent(A, D(2), D(12), covered=D(8)),))
    res = analyse([demand], {A: D(12)})[0]
    assert (res.kittable, res.status) == (10, "complete")
    res = analyse([demand], {A: D(5)})[0]
    assert (res.kittable, res.status) == (6, "partial")  # (8 + 5) // 2


def test_negative_stock_counts_as_none_and_zero_lines_do_not_limit():
    demand = KitDemand("WO", D(4), (KitComponent(A, D(1), D(0)), KitComponent(B, D(1), D(4))))
    res = analyse([demand], {A: D(-3), B: D(4)})[0]
    assert (res.kittable, res.status) == (4, "complete")
