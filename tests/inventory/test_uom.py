from decimal import Decimal

import pytest

from erp.errors import ValidationError
from inventory.models import UomConversion
from inventory.selectors import uom_factor
from tests import factories as f

D = Decimal
pytestmark = pytest.mark.django_db


def test_purchase_unit_and_conversions():
    pcs, box, kg, g = f.uom("pcs"), f.uom("box"), f.uom("kg"), f.uom("g")
    spoke = f.item("SPOKE", purchase_uom=box, purchase_factor=D(100))
    paint = f.item("PAINT", unit="kg")
    UomConversion.objects.create(item=None, from_uom=kg, to_uom=g, factor=D(1000))
    assert uom_factor(item=spoke, from_uom_id=box.pk) == D(100)  # 1 box = 100 pcs
    assert uom_factor(item=spoke, from_uom_id=pcs.pk) == D(1)
    assert uom_factor(item=paint, from_uom_id=g.pk) == D("0.001")  # inverse of kg -> g
    UomConversion.objects.create(item=spoke, from_uom=kg, to_uom=pcs, factor=D(250))
    assert uom_factor(item=spoke, from_uom_id=kg.pk) == D(250)
    with pytest.raises(ValidationError):
        uom_factor(item=paint, from_uom_id=box.pk)
