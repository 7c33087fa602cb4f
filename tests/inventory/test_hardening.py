"""Issue #10 for the warehouse: action permissions (the clerk acts, the cost accountant only looks),
idempotent submits (two concurrent identical POSTs -> one document, one posting), every bad input a
message (never a 500, nothing written), missing objects and foreign lines -> 404, stock count entry
saving only changed lines with a per-line check, formula-safe exports, ISO date inputs in zh-hans."""

import io
import re
import threading
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.forms import LineForm, ReceiptLineForm
from inventory.models import (
    Item,
    OtherIssue,
    OtherReceipt,
    StockCount,
    StockCountLine,
    StockMove,
    Supplier,
    Transfer,
    UomConversion,
    Warehouse,
)
from inventory.services.counts import stock_count_enter, stock_count_open
from inventory.services.documents import (
    LineInput,
    other_issue_create,
    other_receipt_confirm,
    other_receipt_create,
    transfer_create,
)
from tests import factories as f
from tests.sweep import (
    BAD_DATES,
    BAD_IDS,
    BAD_NUMBERS,
    assert_refused,
    changed,
    client_for,
    messages_of,
    post_concurrently,
    snapshot,
)

D = Decimal


@dataclass
class World:
    clerk: object  # 仓库
    clerk2: object  # 仓库, a second clerk counting the same count
    acct: object  # 成本会计: opens the warehouse, may act on nothing
    buyer: object  # 采购: maintains suppliers
    viewer: object  # opens the warehouse module, holds no inventory permission
    bolt: Item
    nut: Item
    rm: Warehouse
    fg: Warehouse
    supplier: Supplier
    ot: OtherReceipt  # draft
    ot_done: OtherReceipt  # confirmed
    ox: OtherIssue  # draft
    tr: Transfer  # draft
    sc: StockCount  # open in RM: BOLT and NUT
    sc_fg: StockCount  # open in FG: NUT (another count, for foreign lines)


def build_world(make_user) -> World:
    from erp.models import CompanySettings

    CompanySettings.get()  # created on first use: before the snapshots
    clerk, clerk2 = make_user("clerk", "仓库"), make_user("clerk2", "仓库")
    acct, buyer = make_user("acct", "成本会计"), make_user("buyer", "采购")
    viewer = make_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="access_warehouse", content_type__app_label="erp"))
    bolt, nut = f.item("BOLT", name="螺栓", standard_cost=D("2")), f.item("NUT", name="螺母")
    rm, fg, other = f.warehouse("RM"), f.warehouse("FG"), f.warehouse("SP")
    for it, wh, qty in ((bolt, rm, 40), (nut, rm, 10), (nut, fg, 5), (bolt, other, 30)):
        f.stock(it, wh, qty, "5.5")
    supplier = f.supplier("S1")
    ot = other_receipt_create(warehouse_id=other.pk, lines=[LineInput(bolt.pk, D(2), D("1.5"))], user=clerk)
    ot_done = other_receipt_create(warehouse_id=other.pk, lines=[LineInput(bolt.pk, D(3), D("1"))], user=clerk)
    other_receipt_confirm(doc_id=ot_done.pk, user=clerk)
    ox = other_issue_create(warehouse_id=other.pk, lines=[LineInput(bolt.pk, D(1))], user=clerk)
    tr = transfer_create(from_warehouse_id=other.pk, to_warehouse_id=fg.pk, lines=[LineInput(bolt.pk, D(1))])
    sc = stock_count_open(warehouse_id=rm.pk, user=clerk)
    sc_fg = stock_count_open(warehouse_id=fg.pk, user=clerk)
    return World(clerk, clerk2, acct, buyer, viewer, bolt, nut, rm, fg, supplier, ot, ot_done, ox, tr, sc, sc_fg)


@pytest.fixture
def world(make_user):
    return build_world(make_user)


def _formset(n=1):
    return {"lines-TOTAL_FORMS": str(n), "lines-INITIAL_FORMS": "0"}


def _lines(w: World):
    return {ln.item.code: ln for ln in w.sc.lines.select_related("item")}


def _cases(w: World):
    """name -> (url, good data) of every warehouse action."""
    today = timezone.localdate().isoformat()
    ln = _lines(w)["BOLT"]
    line = {**_formset(), "lines-0-item": "BOLT", "lines-0-qty": "2"}
    item = {
        "code": "NEW-1",
        "name": "新物料",
        "uom": w.bolt.uom_id,
        "purchase_factor": "1",
        "supply_type": "purchase",
        "lead_time_days": "5",
        "safety_stock": "0",
        "min_order_qty": "0",
        "order_multiple": "0",
        "order_period_days": "0",
        "standard_cost": "1",
        "sales_price": "0",
        "tax_rate": "13",
        "is_active": "on",
    }
    return {
        "other_receipt_create": (
            reverse("inventory:other_receipt_create"),
            {"doc_date": today, "warehouse": w.fg.pk, **line, "lines-0-unit_cost": "1.5"},
        ),
        "other_issue_create": (
            reverse("inventory:other_issue_create"),
            {"doc_date": today, "warehouse": w.fg.pk, **line},
        ),
        "transfer_create": (
            reverse("inventory:transfer_create"),
            {"doc_date": today, "from_warehouse": w.fg.pk, "to_warehouse": w.ot.warehouse_id, **line},
        ),
        "stock_count_create": (
            reverse("inventory:stock_count_create"),
            {"doc_date": today, "warehouse": w.ot.warehouse_id},
        ),
        "other_receipt_confirm": (reverse("inventory:other_receipt_confirm", args=[w.ot.pk]), {}),
        "other_receipt_cancel": (reverse("inventory:other_receipt_cancel", args=[w.ot_done.pk]), {}),
        "other_issue_confirm": (reverse("inventory:other_issue_confirm", args=[w.ox.pk]), {}),
        "other_issue_cancel": (reverse("inventory:other_issue_cancel", args=[w.ox.pk]), {}),
        "transfer_confirm": (reverse("inventory:transfer_confirm", args=[w.tr.pk]), {}),
        "transfer_cancel": (reverse("inventory:transfer_cancel", args=[w.tr.pk]), {}),
        "stock_count_enter": (
            reverse("inventory:stock_count_enter", args=[w.sc.pk]),
            {f"line_{ln.pk}": "43", f"was_{ln.pk}": ""},
        ),
        "stock_count_confirm": (reverse("inventory:stock_count_confirm", args=[w.sc.pk]), {}),
        "stock_count_cancel": (reverse("inventory:stock_count_cancel", args=[w.sc.pk]), {}),
        "item_create": (reverse("inventory:item_create"), item),
        "item_edit": (reverse("inventory:item_edit", args=[w.bolt.pk]), {**item, "code": "BOLT"}),
        "warehouse_create": (
            reverse("inventory:warehouse_create"),
            {"code": "WH9", "name": "新仓", "kind": "warehouse", "nettable": "on", "is_active": "on"},
        ),
        "warehouse_edit": (
            reverse("inventory:warehouse_edit", args=[w.fg.pk]),
            {"code": "FG", "name": "成品仓", "kind": "warehouse", "nettable": "on", "is_active": "on"},
        ),
        "supplier_create": (
            reverse("inventory:supplier_create"),
            {"code": "S9", "name": "新供应商", "payment_terms_days": "30", "is_active": "on"},
        ),
        "supplier_edit": (
            reverse("inventory:supplier_edit", args=[w.supplier.pk]),
            {"code": "S1", "name": "改名", "payment_terms_days": "60", "is_active": "on"},
        ),
    }


WAREHOUSE_ACTIONS = [
    "other_receipt_create",
    "other_issue_create",
    "transfer_create",
    "stock_count_create",
    "other_receipt_confirm",
    "other_receipt_cancel",
    "other_issue_confirm",
    "other_issue_cancel",
    "transfer_confirm",
    "transfer_cancel",
    "stock_count_enter",
    "stock_count_confirm",
    "stock_count_cancel",
    "item_create",
    "item_edit",
    "warehouse_create",
    "warehouse_edit",
]
FORM_PAGES = [
    "other_receipt_create",
    "other_issue_create",
    "transfer_create",
    "stock_count_create",
    "item_create",
    "item_edit",
    "warehouse_create",
    "warehouse_edit",
]


def _state():
    """Everything a warehouse action could change besides row counts."""
    return (
        list(OtherReceipt.objects.order_by("pk").values_list("status", flat=True)),
        list(OtherIssue.objects.order_by("pk").values_list("status", flat=True)),
        list(Transfer.objects.order_by("pk").values_list("status", flat=True)),
        list(StockCount.objects.order_by("pk").values_list("status", flat=True)),
        list(StockCountLine.objects.order_by("pk").values_list("counted_qty", "diff_qty")),
        list(
            Item.objects.order_by("pk").values_list(
                "code", "name", "purchase_factor", "safety_stock", "min_order_qty", "order_multiple", "lead_time_days"
            )
        ),
        list(Warehouse.objects.order_by("pk").values_list("code", "name", "parent_id", "kind", "nettable")),
        list(Supplier.objects.order_by("pk").values_list("code", "name", "payment_terms_days")),
    )


# --------------------------------------------------------------------------- permissions per action
@pytest.mark.parametrize("name", WAREHOUSE_ACTIONS)
@pytest.mark.parametrize("who", ["acct", "viewer", "buyer"])
def test_roles_that_may_not_act_get_403_and_nothing_changes(who, name, world):
    """The cost accountant and a module-only user open the warehouse but may act on nothing; the
    buyer does not open the warehouse at all."""
    url, data = _cases(world)[name]
    before, state = snapshot(), _state()
    assert client_for(getattr(world, who)).post(url, data).status_code == 403, (who, name)
    assert not changed(before) and _state() == state


@pytest.mark.parametrize("who", ["acct", "viewer"])
def test_form_pages_are_refused_to_roles_that_cannot_act_while_lists_and_details_open(who, world):
    c = client_for(getattr(world, who))
    for name in FORM_PAGES:
        assert c.get(_cases(world)[name][0]).status_code == 403, name
    for url in [
        reverse("inventory:other_receipt_list"),
        reverse("inventory:other_receipt_detail", args=[world.ot.pk]),
        reverse("inventory:stock_count_detail", args=[world.sc.pk]),
        reverse("inventory:on_hand"),
        reverse("inventory:item_detail", args=[world.bolt.pk]),
    ]:
        response = c.get(url)
        assert response.status_code == 200, url
    # and the detail pages offer them no action button or count entry
    html = c.get(reverse("inventory:stock_count_detail", args=[world.sc.pk])).content.decode()
    assert "confirm-btn" not in html and "count-entry" not in html and "Cancel document" not in html


@pytest.mark.parametrize("name", WAREHOUSE_ACTIONS)
def test_the_warehouse_clerk_acts(name, world):
    url, data = _cases(world)[name]
    if name == "stock_count_confirm":
        stock_count_enter(doc_id=world.sc.pk, counted={_lines(world)["BOLT"].pk: D(43)})
    before, state = snapshot(), _state()
    response = client_for(world.clerk).post(url, data, follow=True)
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert not errors and not re.search(r"invalid-feedback|alert-danger", response.content.decode()), (name, errors)
    assert changed(before) or _state() != state, name


@pytest.mark.parametrize("name", ["supplier_create", "supplier_edit"])
def test_buyers_maintain_suppliers_the_clerk_and_the_accountant_do_not(name, world):
    url, data = _cases(world)[name]
    for who in ("clerk", "acct"):
        before, state = snapshot(), _state()
        assert client_for(getattr(world, who)).post(url, data).status_code == 403
        assert not changed(before) and _state() == state
    assert client_for(world.buyer).post(url, data).status_code == 302
    assert Supplier.objects.filter(code=data["code"], name=data["name"]).exists()


def test_action_urls_answer_get_with_405_after_login(world):
    url = reverse("inventory:other_receipt_confirm", args=[world.ot.pk])
    assert Client().get(url).status_code == 302
    assert client_for(world.clerk).get(url).status_code == 405
    assert client_for(world.clerk).get(reverse("inventory:stock_count_enter", args=[world.sc.pk])).status_code == 405


# --------------------------------------------------------------------------- double submits
def _token(client, page_url: str, action_url: str) -> str:
    html = client.get(page_url).content.decode()
    for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S):
        if f'action="{action_url}"' in form or (action_url == page_url and "action=" not in form.split(">")[0]):
            match = re.search(r'name="_submit_token" value="([^"]+)"', form)
            if match:
                return match.group(1)
    raise AssertionError(f"no form posting to {action_url} on {page_url}")


DOUBLE_KINDS = [
    "other receipt",
    "other issue",
    "transfer",
    "stock count",
    "item",
    "warehouse",
    "other receipt posting",
    "stock count posting",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", DOUBLE_KINDS)
def test_two_concurrent_identical_posts_create_or_post_once(kind, make_user):
    w = build_world(make_user)
    cases = _cases(w)
    name = {
        "other receipt": "other_receipt_create",
        "other issue": "other_issue_create",
        "transfer": "transfer_create",
        "stock count": "stock_count_create",
        "item": "item_create",
        "warehouse": "warehouse_create",
        "other receipt posting": "other_receipt_confirm",
        "stock count posting": "stock_count_confirm",
    }[kind]
    model = {
        "other receipt": OtherReceipt,
        "other issue": OtherIssue,
        "transfer": Transfer,
        "stock count": StockCount,
        "item": Item,
        "warehouse": Warehouse,
    }.get(kind, StockMove)
    url, data = cases[name]
    page = url
    if kind == "other receipt posting":
        page = reverse("inventory:other_receipt_detail", args=[w.ot.pk])
    if kind == "stock count posting":
        stock_count_enter(doc_id=w.sc.pk, counted={_lines(w)["BOLT"].pk: D(43), _lines(w)["NUT"].pk: D(9)})
        page = reverse("inventory:stock_count_detail", args=[w.sc.pk])
    client = client_for(w.clerk)
    token = _token(client, page, url)
    before = model.objects.count()
    responses = post_concurrently(w.clerk, url, {**data, "_submit_token": token}, n=2)
    assert [r.status_code for r in responses] == [302, 302]
    assert len({r["Location"] for r in responses}) == 1
    expected = {"other receipt posting": 1, "stock count posting": 2}.get(kind, 1)  # moves: one per line
    assert model.objects.count() == before + expected
    if model is not StockMove and hasattr(model, "number"):
        new = model.objects.order_by("-pk").first()
        assert model.objects.filter(number=new.number).count() == 1
    client.post(url, {**data, "_submit_token": token})  # a later replay changes nothing either
    assert model.objects.count() == before + expected


# --------------------------------------------------------------------------- the input sweep
def _sweep_cases(w: World):
    """name -> (url, good data, {field: (bad values, label naming the field)})."""
    c = _cases(w)
    ln = _lines(w)["BOLT"]
    doc = {
        "doc_date": (BAD_DATES, None),
        "lines-0-qty": (BAD_NUMBERS, "quantity"),
        "lines-0-item": (["", "x" * 70], None),
    }
    return {
        "other_receipt_create": (
            *c["other_receipt_create"],
            {**doc, "lines-0-unit_cost": (BAD_NUMBERS, "unit cost"), "warehouse": (BAD_IDS, None)},
        ),
        "other_issue_create": (*c["other_issue_create"], {**doc, "warehouse": (BAD_IDS, None)}),
        "transfer_create": (
            *c["transfer_create"],
            {**doc, "from_warehouse": (BAD_IDS, None), "to_warehouse": (BAD_IDS, None)},
        ),
        "stock_count_create": (
            *c["stock_count_create"],
            {"doc_date": (BAD_DATES, None), "warehouse": (BAD_IDS, None)},
        ),
        "stock_count_enter": (
            *c["stock_count_enter"],
            {f"line_{ln.pk}": ([*BAD_NUMBERS, "-1"], "counted quantity"), f"was_{ln.pk}": (BAD_NUMBERS, None)},
        ),
        "item_create": (
            *c["item_create"],
            {
                "purchase_factor": ([*BAD_NUMBERS, "0", "-1"], "stock units per purchase unit"),
                "safety_stock": ([*BAD_NUMBERS, "-1"], "safety stock"),
                "min_order_qty": ([*BAD_NUMBERS, "-1"], "minimum order quantity"),
                "order_multiple": ([*BAD_NUMBERS, "-1"], "order multiple"),
                "standard_cost": ([*BAD_NUMBERS, "-1"], "standard cost"),
                "lead_time_days": ([*BAD_NUMBERS, "-1"], None),
                "order_period_days": (BAD_NUMBERS, None),
                "uom": (BAD_IDS, None),
                "default_warehouse": (BAD_IDS, None),
            },
        ),
        "item_edit": (
            *c["item_edit"],
            {"purchase_factor": ([*BAD_NUMBERS, "0", "-1"], "stock units per purchase unit")},
        ),
        "warehouse_create": (*c["warehouse_create"], {"parent": (BAD_IDS, None), "supplier": (BAD_IDS, None)}),
        "supplier_edit": (*c["supplier_edit"], {"payment_terms_days": ([*BAD_NUMBERS, "-1"], None)}),
    }


SWEEP = [
    ("other_receipt_create", "lines-0-qty"),
    ("other_receipt_create", "lines-0-unit_cost"),
    ("other_receipt_create", "lines-0-item"),
    ("other_receipt_create", "doc_date"),
    ("other_receipt_create", "warehouse"),
    ("other_issue_create", "lines-0-qty"),
    ("other_issue_create", "doc_date"),
    ("other_issue_create", "warehouse"),
    ("transfer_create", "lines-0-qty"),
    ("transfer_create", "doc_date"),
    ("transfer_create", "from_warehouse"),
    ("transfer_create", "to_warehouse"),
    ("stock_count_create", "doc_date"),
    ("stock_count_create", "warehouse"),
    ("stock_count_enter", "line"),
    ("stock_count_enter", "was"),
    ("item_create", "purchase_factor"),
    ("item_create", "safety_stock"),
    ("item_create", "min_order_qty"),
    ("item_create", "order_multiple"),
    ("item_create", "standard_cost"),
    ("item_create", "lead_time_days"),
    ("item_create", "order_period_days"),
    ("item_create", "uom"),
    ("item_create", "default_warehouse"),
    ("item_edit", "purchase_factor"),
    ("warehouse_create", "parent"),
    ("warehouse_create", "supplier"),
    ("supplier_edit", "payment_terms_days"),
]


@pytest.mark.parametrize(("case", "field"), SWEEP)
def test_every_bad_input_is_refused_with_a_message(case, field, world):
    url, good, fields = _sweep_cases(world)[case]
    key = next(k for k in fields if k == field or k.startswith(f"{field}_"))
    bad_values, label = fields[key]
    client = client_for(world.buyer if case.startswith("supplier") else world.clerk)
    before, state = snapshot(), _state()  # a refused input changes nothing: one snapshot for all
    for bad in bad_values:
        response = client.post(url, {**good, key: bad}, follow=True)
        try:
            assert_refused(response, before, field=label)
            assert _state() == state, "a refused input changed a row"
        except AssertionError as exc:
            raise AssertionError(f"{case} {key}={bad[:30]!r}: {exc}") from None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.0000001", "at most 6 decimal places"),
        ("0", "must be greater than 0"),
        ("-3", "must be greater than 0"),
        ("1.1234567", "at most 6 decimal places"),
        ("1,5", "is not a number"),
    ],
)
def test_document_line_quantity_refused_with_the_limit_named(value, message, world):
    url, data = _cases(world)["other_receipt_create"]
    before = snapshot()
    response = client_for(world.clerk).post(url, {**data, "lines-0-qty": value}, follow=True)
    assert_refused(response, before, field="quantity")
    assert any(message in m for m in messages_of(response)), messages_of(response)


def test_absurd_item_values_are_refused_naming_the_field(world):
    url, data = _cases(world)["item_create"]
    c = client_for(world.clerk)
    for field, value, text in [
        ("purchase_factor", "0", "Stock units per purchase unit: must be greater than 0."),
        ("purchase_factor", "-1", "Stock units per purchase unit: must be greater than 0."),
        ("safety_stock", "-1", "Safety stock: must be at least 0"),
        ("min_order_qty", "-5", "Minimum order quantity: must be at least 0"),
        ("order_multiple", "-2", "Order multiple: must be at least 0"),
        ("safety_stock", "1.0000001", "Safety stock: at most 6 decimal places"),
        ("lead_time_days", "100000", "3650"),
    ]:
        before = snapshot()
        response = c.post(url, {**data, field: value}, follow=True)
        assert_refused(response, before)
        assert any(text in m for m in messages_of(response)), (field, value, messages_of(response))
    # a good item is saved with exactly what was typed
    assert c.post(url, {**data, "purchase_factor": "12.5", "safety_stock": "0.000001"}).status_code == 302
    item = Item.objects.get(code="NEW-1")
    assert (item.purchase_factor, item.safety_stock) == (D("12.5"), D("0.000001"))
    assert item.history.count() == 1  # one save, one audit row


def test_database_rules_speak_the_users_language_not_the_constraint_name(world):
    """Conversion factor 0 (admin) and a nettable subcontractor location (warehouse form)."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from erp.errors import constraint_message

    conv = UomConversion(from_uom=world.bolt.uom, to_uom=f.uom("box"), factor=D(0))
    with pytest.raises(ValidationError) as exc:
        conv.full_clean()
    assert "The conversion factor must be greater than 0." in str(exc.value)
    with translation.override("zh-hans"):
        assert "uom_factor_positive" not in constraint_message("uom_factor_positive")
        assert "item_ss_nonneg" not in constraint_message("item_ss_nonneg")
    before = snapshot()
    response = client_for(world.clerk).post(
        reverse("inventory:warehouse_create"),
        {"code": "SUB9", "name": "外协", "kind": "subcontractor", "nettable": "on", "supplier": world.supplier.pk},
        follow=True,
    )
    assert_refused(response, before)
    shown = " ".join(messages_of(response))
    assert "subcontractor location needs its subcontractor and is not nettable" in shown
    assert "subcontractor_location_not_nettable" not in shown


def test_a_warehouse_cannot_be_put_under_itself(world):
    child = Warehouse.objects.create(code="FG-A", name="A区", parent=world.fg)
    url, data = _cases(world)["warehouse_edit"]
    for parent in (world.fg, child):
        before, state = snapshot(), _state()
        response = client_for(world.clerk).post(url, {**data, "parent": parent.pk}, follow=True)
        assert_refused(response, before)
        assert _state() == state
        assert any("under itself" in m for m in messages_of(response))


def test_a_count_with_nothing_counted_is_not_posted(world):
    before, state = snapshot(), _state()
    response = client_for(world.clerk).post(reverse("inventory:stock_count_confirm", args=[world.sc.pk]), follow=True)
    assert any("Nothing has been counted" in str(m) for m in response.context["messages"])
    assert not changed(before) and _state() == state
    assert StockCount.objects.get(pk=world.sc.pk).status == "open"


def test_bad_query_parameters_never_500(world):
    c = client_for(world.clerk)
    paths = [
        "/inventory/value-by-category/?warehouse={bad}",
        "/inventory/value-by-category/?warehouse={bad}&_export=xlsx",
        "/inventory/dead-stock/?warehouse={bad}&category={bad}&idle_days={bad}&buckets={bad}&page={bad}",
        "/inventory/dead-stock/?as_of={bad}&_export=xlsx",
        "/inventory/on-hand/?warehouse={bad}&category={bad}",
        "/inventory/ledger/?warehouse={bad}&date_to={bad}",
        "/inventory/items/?category={bad}&supply_type={bad}",
        "/inventory/other-receipts/?date_from={bad}&status={bad}",
        "/inventory/stock-counts/?date_to={bad}",
    ]
    before = snapshot()
    for path in paths:
        for bad in [*BAD_IDS, "NaN", "1,5", "0.0000001", *BAD_DATES[:2], "2026-02-30"]:
            response = c.get(path.format(bad=bad))
            assert response.status_code == 200, (path, bad, response.status_code)
    assert not changed(before)
    for bad in [*BAD_IDS, *BAD_NUMBERS]:  # a page that does not exist: the 404 page, not a 500
        assert c.get(f"/inventory/on-hand/?page={bad}").status_code in (200, 404)


# --------------------------------------------------------------------------- hypothesis: line inputs
@settings(deadline=None)
@given(st.text(max_size=25))
def test_any_typed_quantity_is_within_the_limits_or_refused_naming_the_field(text):
    field = LineForm().fields["qty"]  # the grid's quantity cell (no item lookup)
    try:
        qty = field.clean(text)
    except forms.ValidationError as exc:
        assert any("Quantity" in e or "required" in e for e in exc.messages), exc.messages
    else:
        assert D(0) < qty < D(10) ** 12 and -qty.as_tuple().exponent <= 6


@settings(deadline=None)
@given(st.decimals(min_value=D("-1000"), max_value=D("1000"), places=8, allow_nan=False))
def test_any_unit_cost_beyond_six_places_or_negative_is_refused(value):
    field = ReceiptLineForm().fields["unit_cost"]  # the grid's unit cost cell
    try:
        cleaned, ok = field.clean(format(value, "f")), True
    except forms.ValidationError:
        cleaned, ok = None, False
    exact = value == value.quantize(D("0.000001"))
    assert ok == (value >= 0 and exact), value
    if ok:
        assert cleaned == value


# --------------------------------------------------------------------------- missing objects, foreign lines
def _detail_and_action_urls(pk):
    urls = [("get", f"/inventory/items/{pk}/"), ("get", f"/inventory/items/{pk}/edit/")]
    urls += [("post", f"/inventory/items/{pk}/edit/"), ("get", f"/inventory/warehouses/{pk}/")]
    urls += [("post", f"/inventory/warehouses/{pk}/"), ("post", f"/inventory/stock-counts/{pk}/enter/")]
    for slug in ("other-receipts", "other-issues", "transfers", "stock-counts"):
        urls += [("get", f"/inventory/{slug}/{pk}/"), ("get", f"/inventory/{slug}/{pk}/print/")]
        urls += [("post", f"/inventory/{slug}/{pk}/confirm/"), ("post", f"/inventory/{slug}/{pk}/cancel/")]
    return urls


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_missing_objects_are_404(bad_id, world, make_user):
    client = client_for(make_user("boss", "管理员"))
    before = snapshot()
    for method, url in [*_detail_and_action_urls(bad_id), ("post", f"/inventory/suppliers/{bad_id}/")]:
        response = getattr(client, method)(url, {"line_1": "5"})
        assert response.status_code == 404, (method, url, response.status_code)
    assert not changed(before)


def test_a_line_of_another_count_is_404_and_nothing_changes(world):
    foreign = world.sc_fg.lines.get()
    own = _lines(world)["BOLT"]
    before, state = snapshot(), _state()
    response = client_for(world.clerk).post(
        reverse("inventory:stock_count_enter", args=[world.sc.pk]),
        {f"line_{own.pk}": "41", f"was_{own.pk}": "", f"line_{foreign.pk}": "3", f"was_{foreign.pk}": ""},
    )
    assert response.status_code == 404
    assert not changed(before) and _state() == state


# --------------------------------------------------------------------------- stock count entry (item 7)
def _enter(user, w, values: dict, shown: dict | None = None):
    """Post the count entry as the page does: every line with the value typed and the value shown."""
    lines = _lines(w)
    data = {}
    for code, ln in lines.items():
        data[f"line_{ln.pk}"] = values.get(code, (shown or {}).get(code, ""))
        data[f"was_{ln.pk}"] = (shown or {}).get(code, "")
    return client_for(user).post(reverse("inventory:stock_count_enter", args=[w.sc.pk]), data, follow=True)


def test_entry_saves_only_changed_lines_and_a_same_line_conflict_keeps_the_first_value(world):
    w = world
    # both clerks open the page while nothing is counted; clerk 1 counts BOLT 43
    resp = _enter(w.clerk, w, {"BOLT": "43"})
    assert any("1 line(s)" in str(m) for m in resp.context["messages"])
    # clerk 2, on the page opened before, counts NUT 9 and also typed BOLT 45
    resp = _enter(w.clerk2, w, {"NUT": "9", "BOLT": "45"})
    shown = [str(m) for m in resp.context["messages"]]
    conflict = [m for m in shown if "someone else saved" in m]
    assert len(conflict) == 1 and "BOLT" in conflict[0] and "43" in conflict[0] and "45" in conflict[0], shown
    counted = {ln.item.code: ln.counted_qty for ln in StockCount.objects.get(pk=w.sc.pk).lines.select_related("item")}
    assert counted == {"BOLT": D(43), "NUT": D(9)}
    # a page opened after that shows 43 and 9: correcting BOLT to 44 leaves NUT alone
    _enter(w.clerk2, w, {"BOLT": "44"}, shown={"BOLT": "43", "NUT": "9"})
    bolt = _lines(w)["BOLT"]
    assert (bolt.counted_qty, bolt.diff_qty, bolt.diff_value) == (D(44), D(4), D("22.00"))
    assert _lines(w)["NUT"].counted_qty == D(9)
    # the page shows the counted value in full (6 places), so an untouched line is never rewritten
    html = client_for(w.clerk).get(reverse("inventory:stock_count_detail", args=[w.sc.pk])).content.decode()
    assert f'name="was_{bolt.pk}" value="44"' in html


@pytest.mark.django_db(transaction=True)
def test_two_clerks_counting_different_lines_at_once_both_counts_survive(make_user):
    w = build_world(make_user)
    lines = _lines(w)
    url = reverse("inventory:stock_count_enter", args=[w.sc.pk])
    page = reverse("inventory:stock_count_detail", args=[w.sc.pk])
    jobs = [
        (w.clerk, {"BOLT": "43"}),
        (w.clerk2, {"NUT": "7"}),
    ]
    barrier = threading.Barrier(len(jobs))
    statuses, errors = [None] * len(jobs), []

    def run(i, user, values):
        try:
            c = client_for(user)
            token = _token(c, page, url)  # each clerk opened the page before either saved
            data = {"_submit_token": token}
            for code, ln in lines.items():
                data[f"line_{ln.pk}"] = values.get(code, "")
                data[f"was_{ln.pk}"] = ""
            barrier.wait(timeout=10)
            statuses[i] = c.post(url, data).status_code
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u, v)) for i, (u, v) in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and statuses == [302, 302], (errors, statuses)
    counted = {ln.item.code: ln.counted_qty for ln in StockCountLine.objects.filter(doc=w.sc).select_related("item")}
    assert counted == {"BOLT": D(43), "NUT": D(7)}
    # the same line typed by both at once: one value is kept, the other clerk is told
    results = []

    def same(user, value):
        try:
            c = client_for(user)
            data = {f"line_{lines['NUT'].pk}": value, f"was_{lines['NUT'].pk}": "7"}
            barrier.wait(timeout=10)
            resp = c.post(url, data, follow=True)  # (resp.context is not thread-safe: read the page)
            results.append((value, resp.content.decode()))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=same, args=(u, v)) for u, v in ((w.clerk, "8"), (w.clerk2, "6"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    kept = StockCountLine.objects.get(pk=lines["NUT"].pk).counted_qty
    losers = [v for v, html in results if "someone else saved" in html]
    assert kept in (D(8), D(6)) and len(results) == 2 and len(losers) == 1 and D(losers[0]) != kept, losers


# --------------------------------------------------------------------------- exports, dates
FORMULA = '=HYPERLINK("http://x")'


def test_formula_like_names_are_exported_as_text(world):
    w = world
    Item.objects.filter(pk=w.bolt.pk).update(name=FORMULA)
    c = client_for(w.clerk)
    exports = {
        "on hand": c.get(reverse("inventory:on_hand") + "?_export=xlsx"),
        "dead stock": c.get(reverse("inventory:dead_stock") + "?idle_days=1&include_zero=on&_export=xlsx"),
        "items": c.get(reverse("inventory:item_list") + "?_export=xlsx"),
    }
    for name, response in exports.items():
        assert response.status_code == 200, name
        ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
        cells = [cell for row in ws.iter_rows() for cell in row if cell.value == FORMULA]
        assert cells, f"{name}: the name is missing"
        assert all(cell.data_type == "s" for cell in cells), name
    ws = openpyxl.load_workbook(io.BytesIO(exports["dead stock"].content)).active
    numbers = [cell for cell in ws[2] if isinstance(cell.value, (int, float))]
    assert numbers and all(cell.data_type == "n" for cell in numbers)  # numbers stay numbers


@pytest.mark.parametrize("kind", ["other_receipt", "other_issue", "transfer", "stock_count"])
def test_date_inputs_render_iso_in_chinese(kind, world):
    c = client_for(world.clerk, lang="zh-hans")
    html = c.get(reverse(f"inventory:{kind}_create")).content.decode()
    today = timezone.localdate().isoformat()
    assert re.search(rf'<input type="date" name="doc_date" value="{today}"', html), html[:200]
    assert "/" not in re.search(r'name="doc_date" value="([^"]*)"', html).group(1)
    # re-shown after an error, the typed date is still ISO
    data = {"doc_date": "2026-12-03", "warehouse": "abc", "from_warehouse": "abc", **_formset()}
    html = c.post(reverse(f"inventory:{kind}_create"), data).content.decode()
    assert 'name="doc_date" value="2026-12-03"' in html


def test_dead_stock_date_renders_iso_in_chinese(world):
    html = client_for(world.clerk, lang="zh-hans").get(reverse("inventory:dead_stock") + "?as_of=2026-12-03")
    assert 'name="as_of" value="2026-12-03"' in html.content.decode()


def test_the_pages_use_no_inline_script(world):
    """The Content-Security-Policy allows only our script files: confirmations, print and back
    buttons are data attributes handled by static/erp/app.js."""
    c = client_for(world.clerk)
    for url in [
        reverse("inventory:other_receipt_detail", args=[world.ot.pk]),
        reverse("inventory:other_receipt_print", args=[world.ot.pk]),
        reverse("inventory:other_receipt_create"),
    ]:
        html = c.get(url).content.decode()
        assert not re.search(r"\bon(submit|click)=|javascript:", html), url
    html = c.get(reverse("inventory:other_receipt_detail", args=[world.ot.pk])).content.decode()
    assert "data-confirm=" in html


def test_a_posted_count_line_keeps_its_difference_value(world):
    """A count entry via the page, then posting: gains at average cost (5.50)."""
    w = world
    _enter(w.clerk, w, {"BOLT": "43", "NUT": "10"})
    client_for(w.clerk).post(reverse("inventory:stock_count_confirm", args=[w.sc.pk]))
    assert StockCount.objects.get(pk=w.sc.pk).status == "confirmed"
    moves = StockMove.objects.filter(source_type=StockCount.SOURCE_TYPE, source_id=w.sc.pk)
    assert [(m.qty, m.value) for m in moves] == [(D(3), D("16.50"))]
