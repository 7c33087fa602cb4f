"""One input layer (issue #10): every quantity, amount, percentage and date typed by a user or
read from an import goes through these parsers. Views never call `Decimal()` or `int()` on
request data.

Rules (docs/conventions.md, "Input"):
- Digits `0-9`, one `.` as decimal point, an optional leading sign. Full-width digits and
  punctuation (`１２．５`) are read as their ASCII forms.
- `,` is accepted only as a thousands separator in groups of three (`1,000`, `12,345.5`); `12,5`
  and `1,5` are refused (they are a decimal comma in other locales: guessing would silently change
  the value).
- `NaN`, `Infinity` and exponents (`1e30`) are refused; so are values with more integer digits or
  more decimals than the model field holds — over-precise input is refused, never rounded.
- Each refusal is a `django.forms.ValidationError` whose message names the field and the limit,
  in the user's language.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .fields import fmt_decimal

# Limits of the model fields in erp/fields.py (ADR 0004).
QTY_DIGITS, QTY_PLACES = 18, 6
PRICE_DIGITS, PRICE_PLACES = 18, 6
MONEY_DIGITS, MONEY_PLACES = 18, 2
PCT_DIGITS, PCT_PLACES = 7, 3

MAX_INPUT_LENGTH = 60
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_EXPONENT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+$")

DEFAULT_MIN_YEAR = 2000
DEFAULT_MAX_YEAR = 2099


def _normalise(raw) -> str:
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    # NFKC maps full-width digits, "．" and "，"; drop inner blanks (" 1 000 " is not a number).
    return text.replace("\u00a0", "").replace("\u202f", "")


def parse_decimal(
    raw,
    *,
    label: str,
    max_digits: int = QTY_DIGITS,
    decimal_places: int = QTY_PLACES,
    min_value: Decimal | int | None = None,
    max_value: Decimal | int | None = None,
    positive: bool = False,
    allow_exponent: bool = False,
    required: bool = True,
) -> Decimal | None:
    """Text -> Decimal within the field's limits, or ValidationError naming `label`.

    Empty input returns None when not `required`. `positive` refuses zero and negatives;
    `min_value`/`max_value` bound the value. `allow_exponent` (imports only) accepts `1E-05`
    written by spreadsheets, still checked against the field's digits and decimals.
    """
    if isinstance(raw, Decimal):
        value = raw
        text = format(raw, "f")
    else:
        text = _normalise("" if raw is None else raw)
        if not text:
            if required:
                raise ValidationError(_("%(field)s: enter a value.") % {"field": label}, code="required")
            return None
        if len(text) > MAX_INPUT_LENGTH:
            raise ValidationError(
                _("%(field)s: '%(value)s…' is too long to be a number.") % {"field": label, "value": text[:20]},
                code="too_long",
            )
        if _GROUPED.match(text):
            text = text.replace(",", "")
        elif _EXPONENT.match(text) and allow_exponent:
            pass
        elif not _PLAIN.match(text):
            raise ValidationError(
                _("%(field)s: '%(value)s' is not a number (use digits and a decimal point, e.g. 1234.5).")
                % {"field": label, "value": text},
                code="invalid",
            )
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(
                _("%(field)s: '%(value)s' is not a number.") % {"field": label, "value": text}, code="invalid"
            ) from None
    if not value.is_finite():
        raise ValidationError(_("%(field)s: '%(value)s' is not a number.") % {"field": label, "value": text})
    normal = value.normalize() if value else Decimal(0)
    _sign, digits, exponent = normal.as_tuple()
    assert isinstance(exponent, int)  # finite (checked above): never 'n'/'N'/'F'
    places = max(0, -exponent)
    int_digits = max(0, len(digits) + exponent)
    if places > decimal_places:
        raise ValidationError(
            _("%(field)s: at most %(n)s decimal places (got %(value)s).")
            % {"field": label, "n": decimal_places, "value": text},
            code="max_decimal_places",
        )
    if int_digits > max_digits - decimal_places:
        raise ValidationError(
            _("%(field)s: the value is too large (at most %(n)s digits before the decimal point).")
            % {"field": label, "n": max_digits - decimal_places},
            code="max_whole_digits",
        )
    value = value.quantize(Decimal(1).scaleb(-places)) if places else value.quantize(Decimal(1))
    if positive and value <= 0:
        raise ValidationError(_("%(field)s: must be greater than 0.") % {"field": label}, code="min_value")
    if min_value is not None and value < min_value:
        raise ValidationError(
            _("%(field)s: must be at least %(min)s.") % {"field": label, "min": fmt_decimal(min_value, decimal_places)},
            code="min_value",
        )
    if max_value is not None and value > max_value:
        raise ValidationError(
            _("%(field)s: must be at most %(max)s.") % {"field": label, "max": fmt_decimal(max_value, decimal_places)},
            code="max_value",
        )
    return value


def parse_quantity(raw, *, label: str, **kwargs) -> Decimal | None:
    return parse_decimal(raw, label=label, max_digits=QTY_DIGITS, decimal_places=QTY_PLACES, **kwargs)


def parse_money(raw, *, label: str, **kwargs) -> Decimal | None:
    return parse_decimal(raw, label=label, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def parse_price(raw, *, label: str, **kwargs) -> Decimal | None:
    return parse_decimal(raw, label=label, max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, **kwargs)


def parse_int(raw, *, label: str, min_value: int | None = None, max_value: int | None = None, required: bool = True):
    """Whole numbers (ids, years, days). Same refusals as parse_decimal, no decimals."""
    value = parse_decimal(raw, label=label, max_digits=12, decimal_places=0, required=required)
    if value is None:
        return None
    number = int(value)
    if min_value is not None and number < min_value:
        raise ValidationError(_("%(field)s: must be at least %(min)s.") % {"field": label, "min": min_value})
    if max_value is not None and number > max_value:
        raise ValidationError(_("%(field)s: must be at most %(max)s.") % {"field": label, "max": max_value})
    return number


_BOUNDS_MEMO: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar("date_bounds", default=None)


@contextlib.contextmanager
def same_date_bounds():
    """Within the block the company's year range is read once (a grid with a date on every line
    checks many dates: the query count must not grow with the lines)."""
    token = _BOUNDS_MEMO.set(date_bounds())
    try:
        yield
    finally:
        _BOUNDS_MEMO.reset(token)


def date_bounds() -> tuple[int, int]:
    """The sane year range for typed dates (company setting, default 2000-2099)."""
    memo = _BOUNDS_MEMO.get()
    if memo is not None:
        return memo
    from .models import CompanySettings

    try:
        cs = CompanySettings.get()
        return cs.min_year, cs.max_year
    except Exception:
        return DEFAULT_MIN_YEAR, DEFAULT_MAX_YEAR


def check_date_range(value: datetime.date | None, *, label: str) -> datetime.date | None:
    if value is None:
        return None
    low, high = date_bounds()
    if not (low <= value.year <= high):
        raise ValidationError(
            _("%(field)s: the date must lie between %(low)s and %(high)s.")
            % {"field": label, "low": f"{low}-01-01", "high": f"{high}-12-31"},
            code="date_range",
        )
    return value


def parse_date(raw, *, label: str, required: bool = True) -> datetime.date | None:
    """ISO `YYYY-MM-DD` (also `YYYY/MM/DD`), within the company's year range."""
    if isinstance(raw, datetime.date):
        return check_date_range(raw, label=label)
    text = _normalise("" if raw is None else raw)
    if not text:
        if required:
            raise ValidationError(_("%(field)s: enter a date.") % {"field": label}, code="required")
        return None
    try:
        value = datetime.date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ValidationError(
            _("%(field)s: '%(value)s' is not a date (YYYY-MM-DD).") % {"field": label, "value": text[:30]},
            code="invalid",
        ) from None
    return check_date_range(value, label=label)


# --- form fields ---------------------------------------------------------------------------


class DecimalField(forms.DecimalField):
    """forms.DecimalField with the kernel parser: names the field, refuses over-precise input.

    `positive=True` refuses 0 and negatives; `min_value`/`max_value` as Django's.
    """

    # Always set by __init__ (Django's field allows None); limits are values, not callables.
    # django-stubs gives forms.DecimalField the int limits of IntegerField: Decimal is right.
    max_digits: int
    decimal_places: int
    min_value: Decimal | int | None  # type: ignore[assignment]
    max_value: Decimal | int | None  # type: ignore[assignment]

    def __init__(self, *, max_digits=QTY_DIGITS, decimal_places=QTY_PLACES, positive=False, **kwargs):
        self.positive = positive
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "text-end"}))
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        # Our parser enforces the limits with messages naming the field.
        self.validators = [v for v in self.validators if v.__class__.__name__ != "DecimalValidator"]

    def _label(self) -> str:
        return str(self.label or _("Value"))

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_decimal(
                value,
                label=self._label(),
                max_digits=self.max_digits,
                decimal_places=self.decimal_places,
                min_value=self.min_value,
                max_value=self.max_value,
                positive=self.positive,
            )
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0], code=getattr(exc, "code", "invalid")) from None

    def validate(self, value):
        if value in self.empty_values and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value):
        # min/max were checked by the parser with a message naming the field.
        return

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs


def QuantityFormField(**kwargs):  # noqa: N802 - field factory
    return DecimalField(max_digits=QTY_DIGITS, decimal_places=QTY_PLACES, **kwargs)


def PriceFormField(**kwargs):  # noqa: N802
    return DecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, **kwargs)


def MoneyFormField(**kwargs):  # noqa: N802
    return DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def PercentFormField(**kwargs):  # noqa: N802
    """A percentage typed as a number of percent (13 = 13 %), 0-100 unless told otherwise."""
    kwargs.setdefault("min_value", Decimal(0))
    kwargs.setdefault("max_value", Decimal(100))
    return DecimalField(max_digits=PCT_DIGITS, decimal_places=PCT_PLACES, **kwargs)


class RateField(DecimalField):
    """A rate stored as a fraction (0.13) and typed and shown in percent points (13 = 13 %).

    `places` are the model field's decimals (4 for tax rates: 12.25 % is 0.1225); the typed value
    may hold two fewer. `min_value`/`max_value` are percent points (default 0-100). `clean()`
    returns the fraction; the widget shows an initial 0.13 as 13 and the typed text as typed.
    """

    def __init__(self, *, max_digits=7, decimal_places=4, min_value=0, max_value=100, **kwargs):
        self.stored_places = decimal_places
        attrs = {"inputmode": "decimal", "class": "text-end", "data-unit": "%"}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        if "initial" in kwargs and kwargs["initial"] is not None and not callable(kwargs["initial"]):
            kwargs["initial"] = Decimal(str(kwargs["initial"]))
        super().__init__(
            max_digits=max_digits,
            decimal_places=max(0, decimal_places - 2),
            min_value=None if min_value is None else Decimal(str(min_value)),
            max_value=None if max_value is None else Decimal(str(max_value)),
            **kwargs,
        )

    def to_python(self, value):
        points = super().to_python(value)
        if points is None:
            return None
        return (points / 100).quantize(Decimal(1).scaleb(-self.stored_places))

    def prepare_value(self, value):
        # A Decimal/int/float comes from `initial` or the instance (a fraction); text is what the
        # user typed (shown back as typed after an error).
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            points = Decimal(str(value)) * 100
            text = format(points.normalize(), "f") if points else "0"
            return text
        return value

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (None if initial in self.empty_values else Decimal(str(initial)))
        except (forms.ValidationError, ArithmeticError, ValueError):
            return True


def RateFormField(**kwargs):  # noqa: N802 - field factory
    """Tax, discount and scrap rates: typed as 13 (percent), stored as 0.13."""
    return RateField(**kwargs)


class DateInput(forms.DateInput):
    """`<input type="date">` always rendered ISO, whatever the UI language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateField(forms.DateField):
    """Dates typed as ISO, within the company's year range, message naming the field."""

    widget = DateInput
    input_formats = ["%Y-%m-%d", "%Y/%m/%d"]

    def to_python(self, value):
        label = str(self.label or _("Date"))
        try:
            value = super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("%(field)s: '%(value)s' is not a date (YYYY-MM-DD).") % {"field": label, "value": str(value)[:30]},
                code="invalid",
            ) from None
        try:
            return check_date_range(value, label=label)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0], code="date_range") from None


def formfield_for_dbfield(db_field, **kwargs):
    """`formfield_callback` for ModelForms: model DecimalFields and DateFields get kernel fields."""
    from django.db import models

    if isinstance(db_field, models.DecimalField) and not db_field.choices and db_field.name.endswith("_rate"):
        # `*_rate` fields hold fractions (tax 0.13): typed and shown in percent (13).
        rate = {
            "max_digits": db_field.max_digits,
            "decimal_places": db_field.decimal_places,
            "required": not db_field.blank,
            "label": capfirst(db_field.verbose_name),
            "help_text": db_field.help_text,
            "max_value": Decimal(100) - Decimal(1).scaleb(-(db_field.decimal_places - 2)),
        }
        if db_field.has_default() and not callable(db_field.default):
            rate["initial"] = db_field.default
        rate.update({k: v for k, v in kwargs.items() if k in ("label", "help_text", "required", "initial")})
        return RateField(**rate)
    if isinstance(db_field, models.DecimalField) and not db_field.choices:
        defaults = {
            "max_digits": db_field.max_digits,
            "decimal_places": db_field.decimal_places,
            "required": not db_field.blank,
            "label": capfirst(db_field.verbose_name),
            "help_text": db_field.help_text,
        }
        if db_field.has_default() and not callable(db_field.default):
            defaults["initial"] = db_field.default
        defaults.update({k: v for k, v in kwargs.items() if k in ("label", "help_text", "required", "initial")})
        return DecimalField(**defaults)
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        if db_field.auto_now or db_field.auto_now_add:
            return db_field.formfield(**kwargs)
        kwargs.setdefault("form_class", DateField)
        kwargs["widget"] = DateInput
        return db_field.formfield(**kwargs)
    return db_field.formfield(**kwargs)


class _KernelModelFormMetaclass(forms.models.ModelFormMetaclass):
    """Django reads `formfield_callback` only from a form's own `Meta`: give every Meta of a
    kernel ModelForm the kernel callback unless it names another."""

    def __new__(mcs, name, bases, attrs):
        meta = attrs.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = formfield_for_dbfield
        return super().__new__(mcs, name, bases, attrs)


class ModelForm(forms.ModelForm, metaclass=_KernelModelFormMetaclass):
    """Base of every ModelForm: kernel decimal and date fields for the model's fields."""


def errors_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


FIELD_QTY = gettext_lazy("Quantity")
FIELD_PRICE = gettext_lazy("Unit price")
FIELD_AMOUNT = gettext_lazy("Amount")
FIELD_DATE = gettext_lazy("Date")
