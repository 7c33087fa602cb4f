"""Explosion: material list with skip level / phantom, scrap and fixed loss, validity dates."""

import datetime

import pytest

from bom.selectors import co_products, default_bom, explosion, material_list
from bom.services import bom_create, bom_disable
from tests import factories as f

from .helpers import D, bought, made, make_bom

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 1)


def test_skip_level_example_of_the_spec():
    # given FG = 1 SA + 1 C, SA (skip level) = 2 A + 1 B
    fg, sa = made("FG"), made("SA")
    a, b, c = bought("A"), bought("B"), bought("C")
    make_bom(sa, [(a, 2), (b, 1)], skip_level=True)
    make_bom(fg, [(sa, 1), (c, 1)])
    # when the material list of 10 FG is asked
    rows = material_list(item_id=fg.pk, qty=D(10), as_of=DAY)
    # then SA is replaced by its components: A 20, B 10, C 10
    got = {r.component_id: r.required for r in rows}
    assert got == {a.pk: D(20), b.pk: D(10), c.pk: D(10)}
    via = {r.component_id: r.via_item_ids for r in rows}
    assert via[a.pk] == (sa.pk,) and via[c.pk] == ()
    assert {r.component_id: r.qty_per for r in rows}[a.pk] == D(2)


def test_phantom_blown_through_and_marked_in_tree():
    fg, ph = made("FG"), f.item("PH", supply_type="phantom")
    a = bought("A", standard_cost=D("1.5"))
    make_bom(ph, [(a, 3)])
    make_bom(fg, [(ph, 2)])
    rows = material_list(item_id=fg.pk, qty=D(5), as_of=DAY)
    assert [(r.component_id, r.required, r.via_item_ids) for r in rows] == [(a.pk, D(30), (ph.pk,))]
    tree = explosion(item_id=fg.pk, qty=D(5), as_of=DAY).rows
    assert [(r.level, r.item_id, r.extended_qty, r.phantom) for r in tree] == [
        (0, fg.pk, D(5), False),
        (1, ph.pk, D(10), True),
        (2, a.pk, D(30), False),
    ]
    assert tree[0].extended_cost == D(45) and tree[0].unit_cost == D(9)


def test_scrap_and_fixed_loss_multiply_down_the_levels():
    # given FG per 2 = 3 SA (scrap 10 %, fixed loss 1); SA skip level = 4 A (scrap 5 %, fixed loss 2)
    fg, sa, a = made("FG"), made("SA"), bought("A", standard_cost=D(2))
    make_bom(sa, [(a, 4, {"scrap_rate": D("0.05"), "fixed_loss": D(2)})], skip_level=True)
    make_bom(fg, [(sa, 3, {"scrap_rate": D("0.1"), "fixed_loss": D(1)})], output_qty=2)
    # when 10 FG: SA = 10 × 3 / 2 × 1.1 + 1 = 17.5; A = 17.5 × 4 × 1.05 + 2 = 75.5
    rows = material_list(item_id=fg.pk, qty=D(10), as_of=DAY)
    assert [(r.component_id, r.required) for r in rows] == [(a.pk, D("75.5"))]
    # per one FG unit (scrap only, no fixed loss): 3/2 × 1.1 × 4 × 1.05 = 6.93
    assert rows[0].qty_per == D("6.93")
    tree = explosion(item_id=fg.pk, qty=D(10), as_of=DAY).rows
    assert [(r.level, r.extended_qty, r.skip_level) for r in tree] == [
        (0, D(10), False),
        (1, D("17.5"), True),
        (2, D("75.5"), False),
    ]
    assert tree[0].extended_cost == D(151)  # 75.5 × 2, rolled up through SA


def test_validity_dates_are_respected():
    fg, old, new, c = made("FG"), bought("OLD"), bought("NEW"), bought("C")
    make_bom(
        fg,
        [
            (old, 1, {"valid_to": datetime.date(2026, 2, 28)}),
            (new, 1, {"valid_from": datetime.date(2026, 3, 1)}),
            (c, 2),
        ],
    )
    before = material_list(item_id=fg.pk, qty=D(4), as_of=datetime.date(2026, 2, 28))
    after = material_list(item_id=fg.pk, qty=D(4), as_of=datetime.date(2026, 3, 1))
    assert {r.component_id: r.required for r in before} == {old.pk: D(4), c.pk: D(8)}
    assert {r.component_id: r.required for r in after} == {new.pk: D(4), c.pk: D(8)}


def test_default_is_highest_approved_version_and_drafts_do_not_count():
    fg, a, b, c = made("FG"), bought("A"), bought("B"), bought("C")
    v10 = make_bom(fg, [(a, 1)])
    v11 = make_bom(fg, [(b, 1)])
    bom_create(item_id=fg.pk, lines=[], version="V1.2")  # draft
    assert (v10.version, v11.version) == ("V1.0", "V1.1")
    assert default_bom(fg.pk) == v11
    assert [r.component_id for r in material_list(item_id=fg.pk, qty=D(1), as_of=DAY)] == [b.pk]
    # an explicit version is exploded on request
    assert [r.component_id for r in material_list(item_id=fg.pk, qty=D(1), as_of=DAY, bom_id=v10.pk)] == [a.pk]
    bom_disable(bom_id=v11.pk)
    assert default_bom(fg.pk) == v10
    assert material_list(item_id=c.pk, qty=D(1), as_of=DAY) == []


def test_co_products_are_not_requirements():
    fg, a, by, joint = made("FG"), bought("A"), bought("BY"), bought("JP")
    make_bom(
        fg,
        [
            (a, 2),
            (by, D("0.5"), {"line_type": "by_product", "cost_share": D("0.1")}),
            (joint, 1, {"line_type": "joint_product", "cost_share": D("0.3")}),
        ],
    )
    assert [r.component_id for r in material_list(item_id=fg.pk, qty=D(1), as_of=DAY)] == [a.pk]
    assert co_products(item_id=fg.pk, as_of=DAY) == [
        (by.pk, "by_product", D("0.5"), D("0.1")),
        (joint.pk, "joint_product", D(1), D("0.3")),
    ]


@pytest.mark.parametrize("width", [5, 50])
def test_explosion_query_count_does_not_grow_with_bom_size(width, django_assert_max_num_queries):
    # given a 3-level BOM with `width` components per level
    fg, sa = made("FG"), made("SA")
    leaves = [bought(f"L{i}") for i in range(width)]
    subs = [bought(f"S{i}") for i in range(width)]
    make_bom(sa, [(x, 1) for x in leaves])
    make_bom(fg, [(sa, 1)] + [(x, 1) for x in subs])
    # when exploded: one query per level plus one for the items
    with django_assert_max_num_queries(4):
        rows = material_list(item_id=fg.pk, qty=D(1), as_of=DAY)
    assert len(rows) == width + 1  # SA is made, not blown through
    with django_assert_max_num_queries(4):
        tree = explosion(item_id=fg.pk, qty=D(1), as_of=DAY).rows
    assert len(tree) == 2 + 2 * width


def test_level_by_level_loader_gives_the_same_graph_as_the_recursive_cte():
    # the per-level ORM loader serves databases without arrays (SQLite quick start)
    from bom.selectors import _load_graph_levels, load_graph

    fg, sa, ph = made("FG"), made("SA"), f.item("PH", supply_type="phantom")
    a, b, c = bought("A"), bought("B"), bought("C")
    make_bom(ph, [(c, 2)])
    make_bom(sa, [(a, 2), (ph, 1)], skip_level=True)
    make_bom(sa, [(a, 3), (ph, 1)], skip_level=True)  # V1.1 is the default
    make_bom(fg, [(sa, 1), (b, 1)])
    roots_pg, graph_pg = load_graph(item_ids=[fg.pk])
    roots_lv, graph_lv = _load_graph_levels({fg.pk}, {})
    assert roots_pg == roots_lv
    assert graph_pg.boms == graph_lv.boms and graph_pg.items == graph_lv.items
    assert graph_pg.boms[sa.pk].version == "V1.1"


def test_dead_stock_hints():
    from bom.selectors import item_hints

    fg, a, lonely = made("FG"), bought("A"), bought("LONELY")
    make_bom(fg, [(a, 1)])
    hints = item_hints([fg.pk, a.pk, lonely.pk])
    assert hints == {lonely.pk: ["used by no approved BOM"]}
