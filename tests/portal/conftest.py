import datetime

import pytest
from django.utils import translation

from portal.models import SupplierUser
from procurement import services as proc
from tests import factories as f
from tests.procurement.helpers import D

JAN5 = datetime.date(2026, 1, 5)
JAN20 = datetime.date(2026, 1, 20)
JAN25 = datetime.date(2026, 1, 25)


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in English (the source language)."""
    with translation.override("en"):
        yield


def portal_user(make_user, username, supplier):
    user = make_user(username, "供应商")
    SupplierUser.objects.create(user=user, supplier=supplier)
    return user


def two_line_po(supplier, wh, *, bolt, nut):
    po = proc.purchase_order_create(
        supplier_id=supplier.pk,
        order_date=JAN5,
        warehouse_id=wh.pk,
        lines=[
            {"item_id": bolt.pk, "qty": D("100"), "unit_price": D("0.35"), "due_date": JAN20},
            {"item_id": nut.pk, "qty": D("50"), "unit_price": D("0.10"), "due_date": JAN25},
        ],
    )
    return proc.purchase_order_confirm(order_id=po.pk)


@pytest.fixture
def world(make_user):
    """Two suppliers, each with a portal user, a confirmed two-line PO and a confirmed outsourcing
    order; the company warehouse WH."""
    wh, fg = f.warehouse("WH"), f.warehouse("FG")
    s1, s2 = f.supplier("S1", name="Supplier One"), f.supplier("S2", name="Supplier Two")
    bolt, nut = f.item("BOLT"), f.item("NUT")
    steel = f.item("STEEL")
    frame = f.item("FRAME", supply_type="outsource")
    f.stock(steel, wh, 1000, "2", on_date=datetime.date(2026, 1, 1))
    out = {"wh": wh, "fg": fg, "s1": s1, "s2": s2, "bolt": bolt, "nut": nut, "frame": frame, "steel": steel}
    for key, sup in (("1", s1), ("2", s2)):
        out["u" + key] = portal_user(make_user, f"sup{key}", sup)
        out["po" + key] = two_line_po(sup, wh, bolt=bolt, nut=nut)
        oo = proc.outsourcing_order_create(
            supplier_id=sup.pk,
            item_id=frame.pk,
            qty=D("40"),
            unit_fee=D("5.00"),
            order_date=JAN5,
            due_date=JAN25,
            warehouse_id=fg.pk,
            issue_warehouse_id=wh.pk,
            materials=[{"component_id": steel.pk, "qty_per": D("2")}],
        )
        out["oo" + key] = proc.outsourcing_order_confirm(order_id=oo.pk)
    return out
