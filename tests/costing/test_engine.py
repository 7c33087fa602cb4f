"""The pure engine with the spec's numbers (no database)."""

from decimal import Decimal as D

from costing.engine import core


def test_wip_example_equivalent_units_and_no_wip():
    order = core.OrderIn(
        key="wo:1",
        item=1,
        fixed={"labour": D("1800"), "overhead": D("3600")},
        completed_qty=D(80),
        wip_qty=D(20),
        completion=D("0.5"),
        outputs=[core.Output(core.MAIN, 1, D(80))],
    )
    out = core.order_cost(order, material=D("10000"), wip_method="equivalent", joint_method="ratio")
    assert (out.fg_total, out.unit_cost, out.closing_wip) == (D("12800.00"), D("160.000000"), D("2600.00"))
    none = core.order_cost(order, material=D("10000"), wip_method="none", joint_method="ratio")
    assert (none.fg_total, none.closing_wip) == (D("15400.00"), D("0"))


def test_joint_splits_sum_exactly_main_takes_the_remainder():
    ratio = [
        core.Output(core.MAIN, 1, D(100)),
        core.Output(core.JOINT, 2, D(50), D("0.25")),
        core.Output(core.BY, 3, D(20), D("0.05")),
    ]
    assert core.split_joint(D("10000"), ratio, "ratio") == [D("7000.00"), D("2500.00"), D("500.00")]
    quota = [
        core.Output(core.MAIN, 1, D(100)),
        core.Output(core.JOINT, 2, D(50), D("0.8")),
        core.Output(core.BY, 3, D(20), D("0.05"), D("5.00")),
    ]
    assert core.split_joint(D("10000"), quota, "quota") == [D("7071.43"), D("2828.57"), D("100.00")]
    # thirds: 3 × 33.33 = 99.99, the main product takes the cent
    thirds = [
        core.Output(core.MAIN, 1, D(1)),
        core.Output(core.JOINT, 2, D(1), D(1)),
        core.Output(core.JOINT, 3, D(1), D(1)),
    ]
    values = core.split_joint(D("100"), thirds, "quota")
    assert values == [D("33.34"), D("33.33"), D("33.33")] and sum(values) == D("100")


def test_allocate_sums_exactly():
    parts = core.allocate(D("6000"), {"a": D(300), "b": D(200)})
    assert parts == {"a": D("3600.00"), "b": D("2400.00")}
    parts = core.allocate(D("100"), {"a": D(1), "b": D(1), "c": D(1)})
    assert sum(parts.values()) == D("100") and sorted(parts.values()) == [D("33.33"), D("33.33"), D("33.34")]
