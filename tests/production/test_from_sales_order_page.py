"""以销定产 from the sales-order page: a planner with both modules creates the pegged work order."""

import pytest

from production.models import WorkOrder
from tests.production.so import sales_line


@pytest.mark.django_db
def test_create_work_order_button_on_the_sales_order(login):
    line = sales_line(qty=100)
    client = login("销售", "计划", username="sales_planner")
    page = client.get(f"/crm/orders/{line.order_id}/").content.decode()
    assert f"/production/from-sales-line/{line.pk}/" in page
    response = client.post(f"/production/from-sales-line/{line.pk}/", {"next": f"/crm/orders/{line.order_id}/"})
    wo = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/production/wo/{wo.pk}/"
    assert (wo.sales_order_line_id, wo.qty, wo.item_id) == (line.pk, line.qty, line.item_id)


@pytest.mark.django_db
def test_salesperson_without_production_sees_no_button_and_is_refused(login):
    line = sales_line(qty=100)
    client = login("销售", username="sales_only")
    page = client.get(f"/crm/orders/{line.order_id}/").content.decode()
    assert "from-sales-line" not in page
    assert client.post(f"/production/from-sales-line/{line.pk}/").status_code == 403
    assert WorkOrder.objects.count() == 0
