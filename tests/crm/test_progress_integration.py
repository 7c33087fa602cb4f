"""销售订单执行进度 with the real providers of production and procurement (domain.md §2):
SO line 100; WO 60 (received 40), OO 40 (received 10), shipped 30 → 50 %, 部分完工, ready to ship 20."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import translation

from crm.selectors import line_progress
from procurement.models import OutsourcingOrder
from production.models import WorkOrder
from tests import factories as f
from tests.production.so import sales_line


@pytest.mark.django_db
def test_progress_of_a_sales_line_from_real_work_and_outsourcing_orders():
    line = sales_line(qty=100, delivered=30, due=datetime.date(2026, 6, 30))
    day = datetime.date(2026, 6, 1)
    WorkOrder.objects.create(
        number="WO-T-1",
        item=line.item,
        qty=D(60),
        received_qty=D(40),
        status="started",
        planned_start=day,
        planned_finish=datetime.date(2026, 6, 20),
        sales_order_line=line,
    )
    OutsourcingOrder.objects.create(
        number="OO-T-1",
        supplier=f.supplier("S1"),
        item=line.item,
        qty=D(40),
        received_qty=D(10),
        status="confirmed",
        order_date=day,
        start_date=day,
        due_date=datetime.date(2026, 6, 20),
        sales_order_line=line,
    )
    progress = line_progress([line])[line.pk]
    assert (progress.ordered, progress.received) == (D(100), D(50))
    assert progress.completion_pct == D(50)
    assert progress.ready_to_ship == D(20)
    with translation.override("zh-hans"):
        assert str(progress.status_label) == "部分完工"
    assert {label for label, _url in progress.links} == {"WO-T-1", "OO-T-1"}
