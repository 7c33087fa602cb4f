"""The pegs' text keys net change compares with the stored rows (netchange._stale_rows): written out
in `_peg_texts` for speed, they must stay exactly `_row_text` of the `_PEG_KEY` values as stored."""

import datetime
from decimal import Decimal as D

from erp.fields import round_qty
from mrp.engine.pegging import Peg
from mrp.services.netchange import _peg_texts, _row_text


def test_peg_texts_are_the_stored_rows_text():
    pegs = [
        Peg(7, "planned", "12", datetime.date(2026, 3, 2), "stock", "", None, D(1) / D(3)),
        Peg(8, "", "", None, "planned", "5", datetime.date(2026, 1, 9), D("12.5")),
        Peg(9, "sales", "SO-1/10", None, "", "", None, D("0.0000005")),
    ]
    assert _peg_texts(pegs) == [
        "7\tplanned\t12\t2026-03-02\tstock\t\t\t0.333333",
        "8\t\t\t\tplanned\t5\t2026-01-09\t12.500000",
        "9\tsales\tSO-1/10\t\t\t\t\t0.000001",
    ]
    assert _peg_texts(pegs) == [
        _row_text((g.item_id, g.demand_kind, g.demand_ref, g.demand_date, g.supply_kind, g.supply_ref,
                   g.supply_date, round_qty(g.qty)))
        for g in pegs
    ]  # fmt: skip
