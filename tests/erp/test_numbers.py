"""One formatter for numbers on every page (issue 18): quantities by their unit's decimals,
money with 2 decimals and thousands separators, rates as percentages typed as 13, stored 0.13."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from erp.input import RateField
from erp.numbers import format_money, format_percent, format_price, format_quantity, unit_places


class Unit:
    def __init__(self, code):
        self.code = code


def test_quantities_show_the_units_decimals_without_trailing_zeros():
    assert format_quantity(Decimal("1250.000000"), Unit("pcs")) == "1,250"
    assert format_quantity(Decimal("12.000000"), "pcs") == "12"
    assert format_quantity(Decimal("12.345600"), "kg") == "12.346"
    assert format_quantity(Decimal("12.500000"), "kg") == "12.5"
    assert format_quantity(Decimal("0.000000"), "kg") == "0"
    assert format_quantity(Decimal("-3.000000"), "pcs") == "-3"
    assert format_quantity(None, "pcs") == ""
    assert unit_places("PCS") == 0 and unit_places("kg") == 3 and unit_places("个") == 0


def test_unknown_unit_and_settings_override(settings):
    assert format_quantity(Decimal("1.234567"), "bucket") == "1.2346"
    settings.UNIT_DECIMALS = {"bucket": 1}
    assert format_quantity(Decimal("1.25"), "bucket") == "1.3"


def test_money_two_decimals_with_thousands_separators():
    assert format_money(Decimal("12995")) == "12,995.00"
    assert format_money(Decimal("500000.00")) == "500,000.00"
    assert format_money(Decimal("-1234.565")) == "-1,234.57"
    assert format_money(Decimal("-0.001")) == "0.00"
    assert format_money("") == ""


def test_prices_and_percentages():
    assert format_price(Decimal("12.500000")) == "12.50"
    assert format_price(Decimal("0.125000")) == "0.125"
    assert format_price(Decimal("1800")) == "1,800.00"
    assert format_percent(Decimal("0.1300")) == "13%"
    assert format_percent(Decimal("0.150000")) == "15%"
    assert format_percent(Decimal("0.1225")) == "12.25%"
    assert format_percent(Decimal("100.0"), points=True) == "100%"


def test_template_filters_are_the_same_formatter():
    html = Template(
        "{% load erp_tags %}{{ q|qty:u }}|{{ k|qty:'kg' }}|{{ m|money }}|{{ r|percent }}|{{ p|percent:'points' }}|{{ q|qty:2 }}"
    ).render(
        Context(
            {
                "q": Decimal("500000.000000"),
                "u": Unit("pcs"),
                "k": Decimal("2.5"),
                "m": Decimal("12995"),
                "r": Decimal("0.13"),
                "p": Decimal("100.0"),
            }
        )
    )
    assert html == "500,000|2.5|12,995.00|13%|100%|500,000"


def test_rate_typed_in_percent_is_stored_as_fraction():
    field = RateField(label="Tax rate", max_value=Decimal("99.99"))
    assert field.clean("13") == Decimal("0.1300")
    assert field.clean("12.25") == Decimal("0.1225")
    assert field.clean("０") == Decimal("0.0000")
    assert field.prepare_value(Decimal("0.1300")) == "13"
    assert field.prepare_value("13") == "13"
    for bad in ("100", "-1", "12.255", "abc", "13%%"):
        with pytest.raises(Exception) as exc:
            field.clean(bad)
        assert "Tax rate" in str(exc.value)


@pytest.mark.django_db
def test_pages_show_numbers_one_way(login):
    """A PO of 1,250 pcs at 10.396 = 12,995.00 excl. tax, 13 % VAT: the list and the detail show
    the same figures (no 12995.000000, 1250.000000 or 0.1300)."""
    from tests import factories as f
    from tests.procurement.helpers import confirmed_po

    sup, bolt = f.supplier("S1"), f.item("BOLT", unit="pcs")
    po = confirmed_po(sup, bolt, 1250, "10.396", wh=f.warehouse("WH"))
    client = login("采购")
    listing = client.get("/procurement/orders/").content.decode()
    assert "12,995.00" in listing and "14,684.35" in listing
    assert "12995.00" not in listing and "1250.000000" not in listing
    detail = client.get(f"/procurement/orders/{po.pk}/").content.decode()
    assert "12,995.00" in detail and "1,250" in detail and "13%" in detail
    assert "0.1300" not in detail and "1250.000000" not in detail


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_ids_in_templates_are_never_grouped(lang):
    """An id in a hidden input or a field name stays `1243` (was `1,243` once a table passed 999
    rows: the stock count entry then posted `line_1,243` and nothing was saved)."""
    from django.utils import translation

    with translation.override(lang):
        html = Template('{% load erp_tags %}<input name="line_{{ pk }}" value="{{ n|qty }}">').render(
            Context({"pk": 1243, "n": Decimal("1250")})
        )
    assert html == '<input name="line_1243" value="1,250">'
