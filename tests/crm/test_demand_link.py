"""Demand link (issue 19 item 5): opportunity products → draft quotation; open pipeline weighted
by probability → forecast entries (备货生产) for a month that keep their source opportunity.
Exact figures; refusals change nothing; a repeated call or a double submit gives the first result."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Forecast, Opportunity, OpportunityLine, Quotation, QuotationLine
from crm.services import demand
from erp.errors import StateError, ValidationError
from tests import factories

from .helpers import bike, customer

D = Decimal
pytestmark = pytest.mark.django_db
MONTH = datetime.date(2027, 3, 1)


def _opp(name, *, stage="negotiation", probability=60, owner=None, cust=None):
    return Opportunity.objects.create(
        name=name, customer=cust or customer(), stage=stage, probability=probability, owner=owner
    )


def _line(opp, item, qty, price="0"):
    return demand.opportunity_line_add(
        opportunity_id=opp.pk, item_id=item.pk, qty=D(qty), unit_price=D(price), user=None
    )


def _token(client, url):
    html = client.get(url).content.decode()
    match = re.search(r'name="_submit_token" value="([^"]+)"', html)
    assert match, url
    return match.group(1)


# --------------------------------------------------------------------------- quotation
def test_won_opportunity_products_become_the_draft_quotation_lines_once():
    bk, fr = bike("BK-100"), factories.item("FR-200")
    opp = _opp("整车 2027 年框", stage="won", probability=100)
    _line(opp, bk, "100", "1250.00")
    _line(opp, fr, "7", "80.50")
    assert list(opp.lines.values_list("line_no", flat=True)) == [1, 2]

    q = demand.opportunity_quotation_create(opportunity_id=opp.pk, user=None)
    assert q.status == "draft" and q.opportunity_id == opp.pk and q.customer_id == opp.customer_id
    lines = list(q.lines.order_by("line_no").values_list("item__code", "qty", "unit_price", "amount", "tax_amount"))
    assert lines == [
        ("BK-100", D("100"), D("1250"), D("125000.00"), D("16250.00")),
        ("FR-200", D("7"), D("80.5"), D("563.50"), D("73.26")),
    ]
    assert (q.amount, q.tax_amount, q.total) == (D("125563.50"), D("16323.26"), D("141886.76"))

    again = demand.opportunity_quotation_create(opportunity_id=opp.pk, user=None)
    assert again.pk == q.pk
    assert Quotation.objects.count() == 1 and QuotationLine.objects.count() == 2


@pytest.mark.parametrize(
    ("stage", "with_lines", "error", "message"),
    [
        ("won", False, ValidationError, "has no products: add its product lines"),
        ("initial", True, StateError, "is at stage Initial contact: a quotation is made from a won opportunity"),
        ("needs", True, StateError, "is at stage Needs confirmed"),
        ("lost", False, StateError, "is at stage Lost"),
    ],
)
def test_quotation_refused_changes_nothing(stage, with_lines, error, message):
    opp = _opp("拒绝", stage="negotiation", probability=75)
    if with_lines:
        _line(opp, bike(), "5", "100")
    Opportunity.objects.filter(pk=opp.pk).update(stage=stage)
    with pytest.raises(error, match=message):
        demand.opportunity_quotation_create(opportunity_id=opp.pk, user=None)
    assert Quotation.objects.count() == 0 and QuotationLine.objects.count() == 0


def test_lost_opportunity_products_cannot_change():
    opp = _opp("输单", stage="negotiation")
    line = _line(opp, bike(), "5", "100")
    Opportunity.objects.filter(pk=opp.pk).update(stage="lost")
    with pytest.raises(StateError, match="is lost"):
        _line(opp, bike(), "1", "1")
    with pytest.raises(StateError, match="is lost"):
        demand.opportunity_line_delete(opportunity_id=opp.pk, line_id=line.pk, user=None)
    assert list(OpportunityLine.objects.values_list("qty", flat=True)) == [D("5")]


# --------------------------------------------------------------------------- forecasts
def test_pipeline_weighted_by_probability_keeps_the_source():
    bk, fr = bike("BK-100"), factories.item("FR-200")
    a = _opp("A 经销商", probability=60)
    _line(a, bk, "100")
    b = _opp("B 车队", stage="needs", probability=35)
    _line(b, fr, "7")
    c = _opp("C 拆两行", stage="proposal", probability=60)
    _line(c, bk, "100")
    _line(c, bk, "50")  # same item twice: one entry of 150 × 60 %
    h = _opp("H 半数", stage="proposal", probability=50)
    _line(h, fr, "1.000001")  # 0.5000005 → 0.500001 (half-up, 6 places)
    won = _opp("赢单不算", stage="won", probability=100)
    _line(won, bk, "999")
    _opp("没有产品", probability=90)
    Forecast.objects.create(item=bk, date=MONTH, qty=D("50"))  # a manual entry stays beside them

    created = demand.opportunity_forecasts_create(month=datetime.date(2027, 3, 15), user=None)
    assert len(created) == 4
    rows = set(
        Forecast.objects.filter(opportunity__isnull=False).values_list("opportunity__name", "item__code", "date", "qty")
    )
    assert rows == {
        ("A 经销商", "BK-100", MONTH, D("60")),
        ("B 车队", "FR-200", MONTH, D("2.45")),
        ("C 拆两行", "BK-100", MONTH, D("90")),
        ("H 半数", "FR-200", MONTH, D("0.500001")),
    }
    assert Forecast.objects.get(opportunity=b).note == "Pipeline: B 车队, 7 × 35 %"
    assert Forecast.objects.get(opportunity__isnull=True).qty == D("50")
    assert demand.weighted_qty(D("7"), 35) == D("2.45")


def test_forecast_twice_for_a_month_is_refused_naming_the_entries():
    bk = bike("BK-100")
    a = _opp("A 经销商", probability=60)
    _line(a, bk, "100")
    first = demand.opportunity_forecasts_create(month=MONTH, user=None, opportunity_ids=[a.pk])
    assert [(f.item_id, f.qty, f.opportunity_id) for f in first] == [(bk.pk, D("60"), a.pk)]
    b = _opp("B 新", probability=35)
    _line(b, bk, "7")
    before = list(Forecast.objects.order_by("pk").values_list("pk", "item_id", "date", "qty", "opportunity_id"))
    with pytest.raises(StateError) as exc:
        demand.opportunity_forecasts_create(month=datetime.date(2027, 3, 31), user=None)
    assert str(exc.value) == (
        "Forecast entries from these opportunities already exist for 2027-03: "
        "A 经销商: BK-100 2027-03-01 60. Nothing was created."
    )
    assert list(Forecast.objects.order_by("pk").values_list("pk", "item_id", "date", "qty", "opportunity_id")) == before
    # another month, or only the opportunity not yet forecast, is fine
    assert [f.qty for f in demand.opportunity_forecasts_create(month=MONTH, user=None, opportunity_ids=[b.pk])] == [
        D("2.45")
    ]
    april = demand.opportunity_forecasts_create(month=datetime.date(2027, 4, 2), user=None)
    assert sorted((f.date, f.qty) for f in april) == [
        (datetime.date(2027, 4, 1), D("2.45")),
        (datetime.date(2027, 4, 1), D("60")),
    ]


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("won", StateError, "Only open opportunities are forecast; won or lost: 赢单. Nothing was created."),
        ("no_lines", ValidationError, "These opportunities have no product lines: 空. Nothing was created."),
        ("empty", ValidationError, "Choose at least one opportunity."),
    ],
)
def test_forecast_refusals_change_nothing(case, error, message):
    bk = bike()
    ok = _opp("好", probability=60)
    _line(ok, bk, "100")
    won = _opp("赢单", stage="won", probability=100)
    _line(won, bk, "10")
    empty = _opp("空", probability=50)
    ids = {"won": [ok.pk, won.pk], "no_lines": [ok.pk, empty.pk], "empty": []}[case]
    with pytest.raises(error) as exc:
        demand.opportunity_forecasts_create(month=MONTH, user=None, opportunity_ids=ids)
    assert str(exc.value) == message
    assert Forecast.objects.count() == 0


def test_nothing_open_with_products_is_refused():
    _opp("没有产品", probability=90)
    with pytest.raises(ValidationError, match="No open opportunity has product lines"):
        demand.opportunity_forecasts_create(month=MONTH, user=None)
    assert Forecast.objects.count() == 0


# --------------------------------------------------------------------------- pages
def test_opportunity_page_products_and_quotation_double_submit(login):
    client = login("销售")
    bk = bike("BK-100")
    opp = _opp("页面商机", stage="won", probability=100, owner=client.user)
    url = reverse("crm:opportunity_detail", args=[opp.pk])
    add = reverse("crm:opportunity_line_add", args=[opp.pk])
    # a decimal comma is refused, nothing written
    r = client.post(add, {"item": "BK-100", "qty": "1,5", "unit_price": "10"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert OpportunityLine.objects.count() == 0
    assert any(str(m).startswith("Quantity: ") for m in r.context["messages"]), list(r.context["messages"])
    r = client.post(add, {"item": "NO-SUCH", "qty": "2", "unit_price": "10"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert OpportunityLine.objects.count() == 0
    assert [str(m) for m in r.context["messages"]] == ["Item number: no active item NO-SUCH."]
    assert client.post(add, {"item": "BK-100", "qty": "100", "unit_price": "1,250.00"}).status_code == 302
    line = OpportunityLine.objects.get()
    assert (line.item_id, line.qty, line.unit_price) == (bk.pk, D("100"), D("1250"))
    html = client.get(url).content.decode()
    assert 'id="quote-products"' in html and "BK-100" in html

    token = _token(client, url)  # the first POST form of the page
    action = reverse("crm:opportunity_quotation", args=[opp.pk])
    first = client.post(action, {"_submit_token": token})
    second = client.post(action, {"_submit_token": token})
    q = Quotation.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("crm:quotation_detail", args=[q.pk])
    # a fresh click returns the same quotation as well
    assert client.post(action)["Location"] == reverse("crm:quotation_detail", args=[q.pk])
    assert Quotation.objects.count() == 1 and q.lines.get().amount == D("125000.00")


def test_someone_elses_opportunity_is_404(login, make_user):
    other = make_user("other_sales", "销售")
    opp = _opp("别人的", owner=other)
    client = login("销售")
    assert client.post(reverse("crm:opportunity_line_add", args=[opp.pk]), {"item": "X"}).status_code == 404
    assert client.post(reverse("crm:opportunity_quotation", args=[opp.pk])).status_code == 404
    assert OpportunityLine.objects.count() == 0 and Quotation.objects.count() == 0


def test_forecast_from_pipeline_page_double_submit_and_permissions(login, django_assert_max_num_queries):
    client = login("销售")
    bk, fr = bike("BK-100"), factories.item("FR-200")
    a = _opp("A 经销商", probability=60, owner=client.user)
    _line(a, bk, "100")
    b = _opp("B 车队", stage="needs", probability=35, owner=client.user)
    _line(b, fr, "7")
    url = reverse("crm:forecast_from_pipeline") + "?month=2027-03-01"
    html = client.get(url).content.decode()
    assert "2.45" in html and ">60<" in html
    token = _token(client, url)
    data = {"_submit_token": token, "month": "2027-03-01", "opportunity": [a.pk, b.pk]}
    first = client.post(reverse("crm:forecast_from_pipeline"), data)
    second = client.post(reverse("crm:forecast_from_pipeline"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("crm:forecast_list")
    assert sorted(Forecast.objects.values_list("opportunity__name", "qty")) == [
        ("A 经销商", D("60")),
        ("B 车队", D("2.45")),
    ]
    # a new submit for the same month is refused, nothing changes, the page names the entries
    r = client.post(
        reverse("crm:forecast_from_pipeline"),
        {"month": "2027-03-01", "opportunity": [a.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert [str(m) for m in r.context["messages"]][-1] == (
        "Forecast entries from these opportunities already exist for 2027-03: A 经销商: BK-100 2027-03-01 60. "
        "Nothing was created."
    )
    assert Forecast.objects.count() == 2
    # the list shows the source
    assert "A 经销商" in client.get(reverse("crm:forecast_list")).content.decode()

    # reading the pipeline does not grow with the opportunities
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(10):
        o = _opp(f"更多{n}", probability=50, owner=client.user)
        _line(o, bk, "3")
        _line(o, fr, "4")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)

    warehouse = login("仓库", username="wh")
    assert warehouse.get(url).status_code == 403
    assert warehouse.post(reverse("crm:forecast_from_pipeline"), {"month": "2027-04-01"}).status_code == 403
    assert Forecast.objects.count() == 2


# --------------------------------------------------------------------------- browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_salesperson_enters_products_quotes_and_forecasts_in_the_browser(browser_login):
    from tests.conftest import screenshot

    page = browser_login("销售", username="rep_demand")
    from django.contrib.auth import get_user_model

    rep = get_user_model().objects.get(username="rep_demand")
    bike("BK-100")
    factories.item("FR-200")
    opp = _opp("浏览器商机", stage="negotiation", probability=35, owner=rep)
    page.goto(f"{page.base_url}/crm/opportunities/{opp.pk}/")
    for code, qty, price in [("BK-100", "100", "1,250.00"), ("FR-200", "7", "80.50")]:
        page.fill("#product-form input[name=item]", code)
        page.fill("#product-form input[name=qty]", qty)
        page.fill("#product-form input[name=unit_price]", price)
        page.click("#product-form button")
        page.wait_for_load_state()
    assert list(opp.lines.values_list("item__code", "qty")) == [("BK-100", D("100")), ("FR-200", D("7"))]
    screenshot(page, "demand_opportunity_products")

    page.goto(f"{page.base_url}/crm/forecasts/from-pipeline/?month=2027-03-01")
    assert "2.45" in page.inner_text("#pipeline-form") and "35" in page.inner_text("#pipeline-form")
    screenshot(page, "demand_pipeline_preview")
    page.click("#create-forecasts")
    page.wait_for_url("**/crm/forecasts/")
    assert sorted(Forecast.objects.values_list("item__code", "qty", "opportunity_id")) == [
        ("BK-100", D("35"), opp.pk),
        ("FR-200", D("2.45"), opp.pk),
    ]

    page.goto(f"{page.base_url}/crm/opportunities/{opp.pk}/")
    page.click("#quote-products")
    page.wait_for_url("**/crm/quotations/*/")
    q = Quotation.objects.get()
    assert (q.amount, q.total) == (D("125563.50"), D("141886.76"))
    screenshot(page, "demand_quotation")
