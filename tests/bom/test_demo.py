"""Demo BOMs: the bicycle's material list (phantom wheel set and skip-level drive train blown through)."""

import datetime
import io

import pytest

from bom import demo
from bom.models import Bom
from bom.selectors import material_list
from inventory.models import Item

from .helpers import D

pytestmark = pytest.mark.django_db


def test_demo_bicycle_material_list_and_idempotent_seed():
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    assert Bom.objects.filter(status="approved").count() == 5
    bike = Item.objects.get(code="BK-100")
    rows = material_list(item_id=bike.pk, qty=D(10), as_of=datetime.date(2026, 3, 1))
    codes = dict(Item.objects.values_list("id", "code"))
    got = {codes[r.component_id]: r.required for r in rows}
    assert got == {
        "FRP-100": D(10),
        "PP-TYRE": D(20),
        "PP-RIM": D(20),
        "PP-SPOKE": D("727.2"),
        "PP-HUB": D(20),
        "PP-CHAIN": D(10),
        "PP-CRANK": D(10),
        "PP-PEDAL": D(10),
        "PP-SADDLE": D(10),
        "PP-HBAR": D(10),
        "PP-BRAKE": D(10),
        "PP-BOLT": D("122.4"),
    }
    llc = dict(
        Item.objects.filter(code__in=["BK-100", "FRP-100", "FR-100", "RM-TUBE", "PP-BOLT"]).values_list(
            "code", "low_level_code"
        )
    )
    assert llc == {"BK-100": 0, "FRP-100": 1, "FR-100": 2, "RM-TUBE": 3, "PP-BOLT": 3}
