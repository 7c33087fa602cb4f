"""A supplier's answer reaches the plan: the date proposal the buyer accepts moves the scheduled
receipt, net change re-plans and the pegged sales-order line is flagged at risk with the new
feasible date (the plan of tests/crm/test_at_risk.py: FG 100 promised D0+10 needs A from PO-1 due
D0+8; A takes 20 days to buy, FG 2 days to make)."""

import pytest
from django.utils import translation

from crm.models import SalesOrderLine
from inventory.models import Supplier
from mrp.services.netchange import net_change_apply
from portal import services as portal
from portal.models import SupplierUser
from procurement.models import PurchaseOrderLine
from tests.crm.test_at_risk import d, setup_plan


@pytest.mark.django_db
def test_accepted_date_proposal_flags_the_pegged_sales_line_at_risk(make_user):
    setup_plan(make_user("seller"))
    user = make_user("steel_co", "供应商")
    SupplierUser.objects.create(user=user, supplier=Supplier.objects.get(code="S1"))
    po_line = PurchaseOrderLine.objects.get()
    with translation.override("en"):
        answer = portal.line_propose(line_id=po_line.pk, due_date=d(13), note="mill delay", user=user)
        # nothing moves while the proposal waits
        net_change_apply()
        line = SalesOrderLine.objects.get()
        assert not line.at_risk
        portal.proposal_accept(answer_id=answer.pk, user=make_user("buyer", "采购"))
        net_change_apply()
    po_line.refresh_from_db()
    line.refresh_from_db()
    assert po_line.due_date == d(13)
    assert line.at_risk and line.feasible_date == d(15)
    with translation.override("en"):
        assert line.risk_reason.startswith(f"PO-1 line {po_line.line_no}: due {d(8)} → {d(13)}")
