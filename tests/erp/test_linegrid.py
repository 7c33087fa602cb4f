"""The document-entry grid (erp/linegrid.py), through the sales order and quotation pages:
blank lines skipped, a message in the cell of a bad value, server validation without saving,
defaults of a picked item, edit while draft (refused with nothing changed once confirmed),
copy, and the item lookup by number, name and pinyin initials."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Quotation, SalesOrder
from crm.services.orders import LineInput, order_confirm, order_create, quotation_create
from inventory.models import Item
from tests import factories
from tests.crm.helpers import customer

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(login):
    client = login("销售", username="rep")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    cust = customer("C1", owner=client.user)
    bolt = factories.item("BOLT", name="螺栓", sales_price=D("2.5"))
    bike = factories.item("BK-1", name="城市自行车", sales_price=D("1180"), tax_rate=D("0.09"))
    return client, cust, bolt, bike


def _post(cust, lines, *, day=None, extra_rows=0):
    day = day or timezone.localdate()
    data = {
        "customer": cust.pk,
        "order_date": day.isoformat(),
        "customer_po": "",
        "lines-TOTAL_FORMS": str(len(lines) + extra_rows),
        "lines-INITIAL_FORMS": "0",
    }
    for i, ln in enumerate(lines):
        for k, v in ln.items():
            data[f"lines-{i}-{k}"] = v
    for i in range(len(lines), len(lines) + extra_rows):
        data[f"lines-{i}-due_date"] = (day + datetime.timedelta(days=14)).isoformat()  # blank line
    return data


def _line(code, qty, price, tax="13", discount="", due=None):
    due = due or (timezone.localdate() + datetime.timedelta(days=10))
    return {
        "item": code,
        "qty": qty,
        "unit_price": price,
        "tax_rate": tax,
        "discount_rate": discount,
        "due_date": due.isoformat(),
    }


def test_create_skips_blank_lines_and_reads_percent_points(world):
    client, cust, bolt, bike = world
    data = _post(cust, [_line("BOLT", "100", "2.5"), _line("BK-1", "3", "1180", tax="9", discount="5")], extra_rows=2)
    response = client.post(reverse("crm:order_create"), data)
    so = SalesOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("crm:order_detail", args=[so.pk])
    lines = list(so.lines.order_by("line_no"))
    assert [(ln.item.code, ln.qty, ln.tax_rate, ln.discount_rate) for ln in lines] == [
        ("BOLT", D("100"), D("0.13"), D("0")),
        ("BK-1", D("3"), D("0.09"), D("0.05")),
    ]
    # 250.00 + 32.50 tax; 3 × 1180 × 0.95 = 3363.00 + 302.67 tax
    assert (so.amount, so.tax_amount, so.total) == (D("3613.00"), D("335.17"), D("3948.17"))


def test_bad_cells_get_their_message_in_place_and_nothing_is_saved(world):
    client, cust, bolt, bike = world
    data = _post(cust, [_line("BOLT", "1,5", "2.5"), _line("NOPE", "2", "1"), _line("BK-1", "1", "10", tax="130")])
    response = client.post(reverse("crm:order_create"), data)
    assert response.status_code == 200 and SalesOrder.objects.count() == 0
    formset = response.context["formset"]
    assert "Quantity" in formset.forms[0].errors["qty"][0] and "1,5" in formset.forms[0].errors["qty"][0]
    assert formset.forms[1].errors["item"] == ["Item: there is no NOPE."]
    assert "tax rate" in formset.forms[2].errors["tax_rate"][0].lower()
    html = response.content.decode()
    # the message sits in the cell of the line (the row of lines-0 holds the quantity message)
    row0 = html[html.index('name="lines-0-item"') : html.index('name="lines-1-item"')]
    assert "1,5" in row0
    # the typed values are kept
    assert 'value="NOPE"' in html


def test_no_filled_line_is_refused(world):
    client, cust, *_ = world
    response = client.post(reverse("crm:order_create"), _post(cust, [], extra_rows=3))
    assert response.status_code == 200 and SalesOrder.objects.count() == 0
    assert "Add at least one line." in response.context["formset"].non_form_errors()


def test_validation_request_answers_errors_and_never_saves(world):
    client, cust, *_ = world
    data = _post(cust, [_line("BOLT", "abc", "2.5"), _line("BK-1", "2", "1180")])
    response = client.post(reverse("crm:order_create"), data, HTTP_X_LINE_GRID="validate")
    body = json.loads(response.content)
    assert list(body["errors"]) == ["lines-0-qty"]
    assert SalesOrder.objects.count() == 0
    ok = client.post(reverse("crm:order_create"), _post(cust, [_line("BOLT", "2", "2.5")]), HTTP_X_LINE_GRID="validate")
    assert json.loads(ok.content) == {"errors": {}, "non_field": []}
    assert SalesOrder.objects.count() == 0


def test_defaults_of_a_picked_item_from_the_item_then_from_the_customers_last_price(world):
    client, cust, bolt, bike = world
    url = reverse("crm:order_create")
    got = client.get(url, {"lg": "defaults", "item": "BK-1", "customer": cust.pk}).json()
    assert got == {"found": True, "values": {"unit_price": "1180", "tax_rate": "9", "discount_rate": "0"}}
    # the customer bought bikes at 1150 with 2 % discount: that price comes first
    order_create(
        customer_id=cust.pk,
        lines=[LineInput(bike.pk, D(1), D("1150"), timezone.localdate(), D("0.09"), D("0.02"))],
        user=None,
    )
    got = client.get(url, {"lg": "defaults", "item": "BK-1", "customer": cust.pk}).json()
    assert got["values"] == {"unit_price": "1150", "tax_rate": "9", "discount_rate": "2"}
    assert client.get(url, {"lg": "defaults", "item": "NOPE"}).json() == {"found": False, "values": {}}


def test_edit_a_draft_in_place_keeps_the_line_rows(world):
    client, cust, bolt, bike = world
    so = order_create(
        customer_id=cust.pk,
        lines=[
            LineInput(bolt.pk, D(10), D("2.5"), timezone.localdate()),
            LineInput(bike.pk, D(1), D(1180), timezone.localdate()),
        ],
        user=client.user,
    )
    first = so.lines.get(line_no=1).pk
    page = client.get(reverse("crm:order_edit", args=[so.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="lines-0-item" value="BOLT"' in html and 'name="lines-1-item" value="BK-1"' in html
    assert 'name="lines-0-tax_rate" value="13"' in html  # 0.13 shown as percent points
    data = _post(cust, [_line("BOLT", "20", "2.4")])
    response = client.post(reverse("crm:order_edit", args=[so.pk]), data)
    assert response.status_code == 302
    so.refresh_from_db()
    assert so.status == "draft" and so.number == SalesOrder.objects.get().number
    assert list(so.lines.values_list("pk", "qty", "unit_price")) == [(first, D(20), D("2.4"))]
    assert so.total == D("54.24")  # 48.00 + 6.24 tax


def test_edit_refused_once_confirmed_and_nothing_changes(world):
    client, cust, bolt, bike = world
    so = order_create(
        customer_id=cust.pk, lines=[LineInput(bolt.pk, D(10), D("2.5"), timezone.localdate())], user=client.user
    )
    order_confirm(order_id=so.pk, user=client.user)
    so.refresh_from_db()
    before = (so.status, so.total, list(so.lines.values_list("pk", "item_id", "qty", "unit_price")))
    url = reverse("crm:order_edit", args=[so.pk])
    response = client.post(url, _post(cust, [_line("BK-1", "5", "1")]))
    assert response.status_code == 302 and response["Location"] == reverse("crm:order_detail", args=[so.pk])
    so.refresh_from_db()
    assert (so.status, so.total, list(so.lines.values_list("pk", "item_id", "qty", "unit_price"))) == before
    # the page says why
    page = client.get(url, follow=True)
    assert "only a draft can be changed" in page.content.decode()


def test_edit_service_refuses_a_confirmed_quotation(world):
    from crm.services.orders import quotation_confirm, quotation_update
    from erp.errors import StateError

    client, cust, bolt, bike = world
    q = quotation_create(customer_id=cust.pk, lines=[LineInput(bolt.pk, D(1), D(3))], user=client.user)
    quotation_confirm(quotation_id=q.pk, user=client.user)
    with pytest.raises(StateError):
        quotation_update(quotation_id=q.pk, customer_id=cust.pk, lines=[LineInput(bike.pk, D(1), D(1))], user=None)
    assert list(q.lines.values_list("item_id", "qty")) == [(bolt.pk, D(1))]


def test_copy_prefills_a_new_document_and_leaves_the_source(world):
    client, cust, bolt, bike = world
    q = quotation_create(
        customer_id=cust.pk,
        lines=[LineInput(bolt.pk, D(7), D(3), None, D("0.13"), D("0.1")), LineInput(bike.pk, D(2), D(1000))],
        user=client.user,
    )
    page = client.get(reverse("crm:quotation_copy", args=[q.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="lines-0-item" value="BOLT"' in html and 'name="lines-0-discount_rate" value="10"' in html
    assert 'name="lines-2-item"' in html  # one blank line after the copied ones
    data = _post(cust, [_line("BOLT", "7", "3", discount="10"), _line("BK-1", "2", "1000")])
    response = client.post(reverse("crm:quotation_copy", args=[q.pk]), data)
    assert response.status_code == 302
    new = Quotation.objects.exclude(pk=q.pk).get()
    assert new.number != q.number and new.status == "draft"
    assert new.total == q.total == D("2281.36")  # 18.90 + 2.46 + 2000 + 260
    assert q.lines.count() == 2


def test_edit_and_copy_of_someone_elses_order_is_404(world, make_user):
    client, cust, bolt, _ = world
    other = make_user("other", "销售")
    theirs = customer("C2", owner=other)
    so = order_create(customer_id=theirs.pk, lines=[LineInput(bolt.pk, D(1), D(1), timezone.localdate())], user=other)
    assert client.get(reverse("crm:order_edit", args=[so.pk])).status_code == 404
    assert client.get(reverse("crm:order_copy", args=[so.pk])).status_code == 404


def test_query_count_does_not_grow_with_lines(world, django_assert_max_num_queries):
    client, cust, bolt, bike = world
    for n in range(3, 12):
        factories.item(f"P{n:02d}", name=f"零件{n}")
    few = _post(cust, [_line(f"P{n:02d}", "1", "1") for n in range(3, 5)])
    many = _post(cust, [_line(f"P{n:02d}", "1", "1") for n in range(3, 12)])
    url = reverse("crm:order_create")
    client.post(url, few, HTTP_X_LINE_GRID="validate")  # warm-up (permissions, settings)
    with django_assert_max_num_queries(60) as few_q:
        client.post(url, few, HTTP_X_LINE_GRID="validate")
    with django_assert_max_num_queries(60) as many_q:
        client.post(url, many, HTTP_X_LINE_GRID="validate")
    sql_few = [q["sql"] for q in few_q.captured_queries]
    sql_many = [q["sql"] for q in many_q.captured_queries]
    from collections import Counter

    assert len(sql_many) == len(sql_few), Counter(s[:150] for s in sql_many) - Counter(s[:150] for s in sql_few)


def test_item_lookup_by_number_name_and_pinyin_initials(world):
    client, *_ = world
    factories.item("FR-01", name="车架组件")
    Item.objects.create(code="OLD-1", name="旧车架", uom=factories.uom(), is_active=False)
    url = reverse("inventory:item_lookup")

    def codes(q, **kw):
        return [i["code"] for i in client.get(url, {"q": q, **kw}).json()["items"]]

    assert codes("BK") == ["BK-1"]
    assert codes("bk") == ["BK-1"]  # numbers are upper case: the lower-case prefix finds them too
    assert codes("csz") == ["BK-1"]  # 城市自行车 → cszxc
    assert codes("CSZXC") == ["BK-1"]
    assert codes("cj") == ["FR-01"]  # 车架组件; the inactive 旧车架 is not offered
    assert codes("车架") == ["FR-01"]
    assert codes("BK-1", exact="1") == ["BK-1"]
    assert codes("BK", exact="1") == []
    body = client.get(url, {"q": "BOLT"}).json()
    assert body == {"items": [{"code": "BOLT", "name": "螺栓", "spec": "", "uom": "pcs"}]}


def test_pinyin_initials_follow_the_name():
    from inventory.models import pinyin_initials

    assert pinyin_initials("城市自行车 26寸") == "cszxc26c"
    assert pinyin_initials("M8螺栓") == "m8ls"
