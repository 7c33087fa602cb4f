"""The kernel input layer (issue #10): one parser for quantities, money, prices and dates."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from erp.input import (
    DateField,
    MoneyFormField,
    PercentFormField,
    QuantityFormField,
    parse_date,
    parse_decimal,
    parse_int,
    parse_money,
    parse_quantity,
)
from tests.sweep import BAD_DATES, BAD_NUMBERS


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_every_bad_number_is_refused_with_the_field_named(raw):
    with pytest.raises(ValidationError) as exc:
        parse_quantity(raw, label="Picked quantity")
    assert "Picked quantity" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,000", Decimal("1000")),
        ("12,345.5", Decimal("12345.5")),
        ("１２．５", Decimal("12.5")),
        (" 7 ", Decimal("7")),
        ("-3.25", Decimal("-3.25")),
        ("0.000001", Decimal("0.000001")),
        ("12.50", Decimal("12.5")),
    ],
)
def test_good_numbers_are_read_exactly(raw, value):
    assert parse_quantity(raw, label="Qty") == value


def test_over_precise_money_is_refused_not_rounded():
    with pytest.raises(ValidationError) as exc:
        parse_money("0.001", label="Amount")
    assert "2" in exc.value.messages[0]
    assert parse_money("0.01", label="Amount") == Decimal("0.01")


def test_positive_and_bounds():
    with translation.override("en"):
        with pytest.raises(ValidationError, match="greater than 0"):
            parse_quantity("0", label="Qty", positive=True)
        with pytest.raises(ValidationError, match="at most 100"):
            parse_decimal("1000", label="Tolerance", max_digits=7, decimal_places=3, max_value=Decimal(100))
    assert parse_int("12", label="Days", min_value=0) == 12
    with pytest.raises(ValidationError):
        parse_int("1.5", label="Days")


def test_messages_are_in_the_users_language():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        parse_quantity("abc", label="数量")
    assert "数量" in exc.value.messages[0]
    assert "不是" in exc.value.messages[0]


@pytest.mark.parametrize("raw", BAD_DATES)
def test_bad_dates_are_refused(raw, db):
    with pytest.raises(ValidationError):
        parse_date(raw, label="Due date")


def test_dates_within_the_company_range(db):
    assert parse_date("2026-12-03", label="Date") == datetime.date(2026, 12, 3)
    assert parse_date("2026/12/03", label="Date") == datetime.date(2026, 12, 3)


@given(st.decimals(min_value=Decimal("-999999999999"), max_value=Decimal("999999999999"), places=6, allow_nan=False))
def test_any_value_the_field_holds_reads_back_exactly(value):
    assert parse_quantity(format(value, "f"), label="Qty") == value


@given(st.text(max_size=40))
def test_any_text_gives_a_value_or_a_message_never_a_crash(text):
    try:
        value = parse_quantity(text, label="Qty", required=False)
    except ValidationError as exc:
        assert exc.messages and "Qty" in exc.messages[0]
    else:
        assert value is None or value.is_finite()


class _Form(forms.Form):
    qty = QuantityFormField(label="Quantity", positive=True)
    amount = MoneyFormField(label="Amount", required=False)
    tolerance = PercentFormField(label="Tolerance", required=False)
    due = DateField(label="Due date", required=False)


def test_form_fields_name_the_field_and_keep_nothing_bad(db):
    form = _Form({"qty": "1e30", "amount": "1.005", "tolerance": "1000", "due": "9999-12-31"})
    assert not form.is_valid()
    assert set(form.errors) == {"qty", "amount", "tolerance", "due"}
    assert "Quantity" in form.errors["qty"][0]
    assert "Due date" in form.errors["due"][0]
    form = _Form({"qty": "1,250.5", "amount": "12.30", "tolerance": "13", "due": "2026-12-03"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["qty"] == Decimal("1250.5")
    assert form.cleaned_data["tolerance"] == Decimal("13")


def test_date_inputs_render_iso_in_chinese(db):
    with translation.override("zh-hans"):
        html = str(_Form(initial={"due": datetime.date(2026, 12, 3)})["due"])
    assert 'type="date"' in html
    assert 'value="2026-12-03"' in html


def test_kernel_model_forms_get_kernel_fields_without_saying_so(db):
    """A ModelForm on the kernel base gets the kernel date and decimal fields from its Meta."""
    from erp.input import DecimalField, ModelForm
    from erp.models import CompanySettings

    class Form(ModelForm):
        class Meta:
            model = CompanySettings
            fields = ["over_receipt_tolerance_pct"]

    field = Form().fields["over_receipt_tolerance_pct"]
    assert isinstance(field, DecimalField)
    form = Form(data={"over_receipt_tolerance_pct": "1e3"})
    assert not form.is_valid()
    assert "1e3" in form.errors["over_receipt_tolerance_pct"][0]
