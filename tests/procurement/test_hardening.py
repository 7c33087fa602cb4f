"""Issue #10 for purchasing and outsourcing: action permissions (the buyer buys, the warehouse
clerk receives, returns, issues material and receives outsourced goods, the cost accountant only
reads), idempotent submits (two concurrent identical POSTs -> one document), every bad input a
message naming the field (never a 500, nothing written, no silent replacement or rounding to
zero), missing objects and foreign lines -> 404, ISO date inputs in zh-hans, formula-safe xlsx."""

import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from erp.models import CompanySettings
from inventory.models import Item, Supplier, Warehouse
from procurement import services
from procurement.forms import OutsourcingReceiveForm, PurchaseOrderLineForm
from procurement.models import (
    OutsourcingIssue,
    OutsourcingOrder,
    OutsourcingReceipt,
    PurchaseOrder,
    PurchaseReceipt,
    PurchaseReturn,
    Requisition,
    SupplierInvoice,
    SupplierPrice,
)
from tests import factories as f
from tests.sweep import (
    BAD_DATES,
    BAD_IDS,
    BAD_MONEY,
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
    buyer: object  # 采购
    clerk: object  # 仓库
    acct: object  # 成本会计
    boss: object  # 管理员
    wh: Warehouse
    fg: Warehouse
    sup: Supplier
    bolt: Item
    nut: Item
    frame: Item
    comp: Item
    req_draft: Requisition
    req: Requisition  # approved, BOLT 10
    req2: Requisition  # approved, another requisition (foreign lines)
    po_draft: PurchaseOrder
    po: PurchaseOrder  # confirmed: BOLT 100 @ 0.50, NUT 50 @ 2.00
    po2: PurchaseOrder  # confirmed: BOLT 20 (foreign lines)
    gr: PurchaseReceipt  # of po: BOLT 50, NUT 10
    gr2: PurchaseReceipt  # of po2: BOLT 5
    inv_draft: SupplierInvoice  # 10 BOLT of gr @ 0.52
    inv: SupplierInvoice  # confirmed: 5 NUT of gr @ 2.00
    oo: OutsourcingOrder  # confirmed: 10 FRAME, 2 COMP each, 20 issued
    oo2: OutsourcingOrder  # confirmed (foreign material lines)
    oo_draft: OutsourcingOrder


def build_world(make_user) -> World:
    CompanySettings.get()  # created on first use: before the snapshots
    today = timezone.localdate()
    buyer = make_user("buyer", "采购")
    clerk = make_user("clerk", "仓库")
    acct = make_user("acct", "成本会计")
    boss = make_user("boss", "管理员")
    wh, fg = f.warehouse("RM"), f.warehouse("FG")
    sup = f.supplier("S1", name="正新橡胶")
    sub = f.supplier("SUB1", name="Subcontractor")
    bolt, nut = f.item("BOLT"), f.item("NUT")
    frame, comp = f.item("FRAME", supply_type="outsource"), f.item("COMP")
    f.stock(comp, wh, 1000, "2", on_date=today)
    SupplierPrice.objects.create(supplier=sup, item=bolt, price=D("0.5"))
    due = today + datetime.timedelta(days=10)
    line = {"item_id": bolt.pk, "qty": D("10"), "need_date": due, "supplier_id": sup.pk}
    req_draft = services.requisition_create(request_date=today, lines=[line])
    req = services.requisition_create(request_date=today, lines=[line])
    services.requisition_approve(requisition_id=req.pk)
    req2 = services.requisition_create(request_date=today, lines=[line])
    services.requisition_approve(requisition_id=req2.pk)
    po_draft = services.purchase_order_create(
        supplier_id=sup.pk, order_date=today, warehouse_id=wh.pk, lines=[{"item_id": bolt.pk, "qty": D("5")}]
    )
    po = services.purchase_order_create(
        supplier_id=sup.pk,
        order_date=today,
        warehouse_id=wh.pk,
        lines=[
            {"item_id": bolt.pk, "qty": D("100"), "unit_price": D("0.5"), "due_date": due},
            {"item_id": nut.pk, "qty": D("50"), "unit_price": D("2"), "due_date": due},
        ],
    )
    services.purchase_order_confirm(order_id=po.pk)
    po2 = services.purchase_order_create(
        supplier_id=sup.pk, order_date=today, warehouse_id=wh.pk, lines=[{"item_id": bolt.pk, "qty": D("20")}]
    )
    services.purchase_order_confirm(order_id=po2.pk)
    pl = {ln.item.code: ln for ln in po.lines.select_related("item")}
    gr = services.purchase_receipt_post(
        order_id=po.pk, lines=[(pl["BOLT"].pk, D("50")), (pl["NUT"].pk, D("10"))], receipt_date=today
    )
    gr2 = services.purchase_receipt_post(order_id=po2.pk, lines=[(po2.lines.get().pk, D("5"))], receipt_date=today)
    gl = {ln.item.code: ln for ln in gr.lines.select_related("item")}
    inv_draft = services.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=today,
        lines=[{"receipt_line_id": gl["BOLT"].pk, "qty": D("10"), "unit_price": D("0.52")}],
    )
    inv = services.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=today,
        lines=[{"receipt_line_id": gl["NUT"].pk, "qty": D("5"), "unit_price": D("2")}],
    )
    services.supplier_invoice_confirm(invoice_id=inv.pk)
    orders = []
    for i in range(3):
        oo = services.outsourcing_order_create(
            supplier_id=sub.pk,
            item_id=frame.pk,
            qty=D("10"),
            unit_fee=D("5"),
            order_date=today,
            due_date=due,
            warehouse_id=fg.pk,
            issue_warehouse_id=wh.pk,
            materials=[{"component_id": comp.pk, "qty_per": D("2")}],
        )
        orders.append(oo)
        if i == 2:
            break  # a draft
        services.outsourcing_order_confirm(order_id=oo.pk)
        services.outsourcing_material_move(
            order_id=oo.pk, kind="issue", lines=[(oo.materials.get().pk, D("10"))], on_date=today
        )
    return World(
        buyer, clerk, acct, boss, wh, fg, sup, bolt, nut, frame, comp, req_draft, req, req2, po_draft, po, po2,
        gr, gr2, inv_draft, inv, *orders,
    )  # fmt: skip


@pytest.fixture
def world(make_user):
    return build_world(make_user)


def _formset(n=1):
    return {"lines-TOTAL_FORMS": str(n), "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0"}


def _state():
    """Everything an action could change besides row counts (statuses, quantities, amounts)."""
    from procurement.models import OutsourcingMaterial, PurchaseOrderLine, PurchaseReceiptLine, RequisitionLine

    return (
        list(Requisition.objects.order_by("pk").values_list("status", flat=True)),
        list(RequisitionLine.objects.order_by("pk").values_list("ordered_qty", flat=True)),
        list(PurchaseOrder.objects.order_by("pk").values_list("status", flat=True)),
        list(PurchaseOrderLine.objects.order_by("pk").values_list("qty", "unit_price", "due_date", "received_qty")),
        list(PurchaseReceiptLine.objects.order_by("pk").values_list("returned_qty", "invoiced_qty")),
        list(SupplierInvoice.objects.order_by("pk").values_list("status", "paid_amount")),
        list(OutsourcingOrder.objects.order_by("pk").values_list("status", "received_qty")),
        list(OutsourcingMaterial.objects.order_by("pk").values_list("issued_qty", "consumed_qty")),
    )


def _today():
    return timezone.localdate().isoformat()


def _due():
    return (timezone.localdate() + datetime.timedelta(days=10)).isoformat()


# --------------------------------------------------------------------------- the actions
def _actions(w: World) -> dict[str, tuple[str, dict]]:
    """name -> (url, good data) of every POST of the app."""
    today, due = _today(), _due()
    pl = {ln.item.code: ln for ln in w.po.lines.select_related("item")}
    gl = {ln.item.code: ln for ln in w.gr.lines.select_related("item")}
    mat = w.oo.materials.get()
    req_header = {"request_date": today, "department": "", "note": ""}
    req_line = {"lines-0-item": w.bolt.code, "lines-0-qty": "5", "lines-0-need_date": due}
    po_header = {"supplier": w.sup.pk, "order_date": today, "warehouse": w.wh.pk, "note": ""}
    po_line = {"lines-0-item": w.bolt.code, "lines-0-qty": "5", "lines-0-unit_price": "0.5", "lines-0-due_date": due}
    oo_data = {
        "supplier": w.sup.pk,
        "product": w.frame.pk,
        "qty": "5",
        "unit_fee": "3",
        "order_date": today,
        "start_date": today,
        "due_date": due,
        "warehouse": w.fg.pk,
        "issue_warehouse": w.wh.pk,
        **_formset(0),  # no material lines: the BOM's list
    }
    return {
        "requisition_create": (reverse("procurement:requisition_create"), {**req_header, **_formset(), **req_line}),
        "requisition_approve": (reverse("procurement:requisition_approve", args=[w.req_draft.pk]), {}),
        "requisition_close": (reverse("procurement:requisition_close", args=[w.req.pk]), {}),
        "requisition_cancel": (reverse("procurement:requisition_cancel", args=[w.req_draft.pk]), {}),
        "requisition_convert": (
            reverse("procurement:requisition_convert", args=[w.req.pk]),
            {"line": w.req.lines.get().pk},
        ),
        "po_create": (reverse("procurement:po_create"), {**po_header, **_formset(), **po_line}),
        "po_confirm": (reverse("procurement:po_confirm", args=[w.po_draft.pk]), {}),
        "po_close": (reverse("procurement:po_close", args=[w.po.pk]), {}),
        "po_cancel": (reverse("procurement:po_cancel", args=[w.po_draft.pk]), {}),
        "po_line_change": (
            reverse("procurement:po_line_change", args=[w.po_draft.pk]),
            {"line": w.po_draft.lines.get().pk, "qty": "7", "unit_price": "0.6", "due_date": due},
        ),
        "po_receive": (
            reverse("procurement:po_receive", args=[w.po.pk]),
            {"receipt_date": today, "warehouse": w.wh.pk, f"qty_{pl['BOLT'].pk}": "5"},
        ),
        "receipt_return": (
            reverse("procurement:receipt_return", args=[w.gr.pk]),
            {"return_date": today, "reason": "坏", f"ret_{gl['BOLT'].pk}": "2"},
        ),
        "invoice_create": (
            reverse("procurement:invoice_create"),
            {
                "supplier": w.sup.pk,
                "kind": "purchase",
                "invoice_date": today,
                "supplier_invoice_no": "4400",
                "save": "1",
                f"qty_{gl['BOLT'].pk}": "5",
                f"price_{gl['BOLT'].pk}": "0.5",
            },
        ),
        "invoice_confirm": (reverse("procurement:invoice_confirm", args=[w.inv_draft.pk]), {}),
        "invoice_cancel": (reverse("procurement:invoice_cancel", args=[w.inv_draft.pk]), {}),
        "invoice_pay": (reverse("procurement:invoice_pay", args=[w.inv.pk]), {"amount": "3.00"}),
        "price_create": (
            reverse("procurement:price_create"),
            {
                "supplier": w.sup.pk,
                "item": w.nut.pk,
                "price": "1.5",
                "currency": "CNY",
                "min_qty": "0",
                "lead_time_days": "7",
                "valid_from": today,
                "valid_to": due,
            },
        ),
        "accrual_roll": (reverse("procurement:accrual_roll"), {"year": "2026", "month": "1", "which": "end"}),
        "outsourcing_create": (reverse("procurement:outsourcing_create"), oo_data),
        "outsourcing_confirm": (reverse("procurement:outsourcing_confirm", args=[w.oo_draft.pk]), {}),
        "outsourcing_close": (reverse("procurement:outsourcing_close", args=[w.oo.pk]), {}),
        "outsourcing_cancel": (reverse("procurement:outsourcing_cancel", args=[w.oo_draft.pk]), {}),
        "outsourcing_move": (
            reverse("procurement:outsourcing_move", args=[w.oo.pk]),
            {"kind": "issue", "on_date": today, "warehouse": w.wh.pk, f"mat_{mat.pk}": "2"},
        ),
        "outsourcing_receive": (
            reverse("procurement:outsourcing_receive", args=[w.oo.pk]),
            {"qty": "1", "receipt_date": today, "warehouse": w.fg.pk},
        ),
    }


ACTIONS = [
    "requisition_create",
    "requisition_approve",
    "requisition_close",
    "requisition_cancel",
    "requisition_convert",
    "po_create",
    "po_confirm",
    "po_close",
    "po_cancel",
    "po_line_change",
    "po_receive",
    "receipt_return",
    "invoice_create",
    "invoice_confirm",
    "invoice_cancel",
    "invoice_pay",
    "price_create",
    "accrual_roll",
    "outsourcing_create",
    "outsourcing_confirm",
    "outsourcing_close",
    "outsourcing_cancel",
    "outsourcing_move",
    "outsourcing_receive",
]
# What the warehouse clerk does here (procurement/roles.py); everything else is the buyer's.
CLERK_ACTIONS = {"po_receive", "receipt_return", "outsourcing_move", "outsourcing_receive"}


# --------------------------------------------------------------------------- permissions per action
def test_module_without_action_permissions_sees_pages_but_cannot_act(world, make_user):
    """A user who opens purchasing, outsourcing and the warehouse but holds no procurement
    permission: lists and detail pages open, form pages and every action are refused (403)."""
    user = make_user("viewer")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="erp", codename__in=["access_purchasing", "access_outsourcing", "access_warehouse"]
        )
    )
    c = client_for(user)
    for url in [
        reverse("procurement:po_list"),
        reverse("procurement:po_detail", args=[world.po.pk]),
        reverse("procurement:receipt_detail", args=[world.gr.pk]),
        reverse("procurement:invoice_detail", args=[world.inv.pk]),
        reverse("procurement:outsourcing_detail", args=[world.oo.pk]),
    ]:
        assert c.get(url).status_code == 200, url
    html = c.get(reverse("procurement:po_detail", args=[world.po.pk])).content.decode()
    assert 'id="receive-link"' not in html and "Close short" not in html
    for name in ["requisition_create", "po_create", "invoice_create", "outsourcing_create", "price_create"]:
        assert c.get(reverse(f"procurement:{name}")).status_code == 403, name
    assert c.get(reverse("procurement:po_receive", args=[world.po.pk])).status_code == 403
    before, state = snapshot(), _state()
    for name in ACTIONS:
        url, data = _actions(world)[name]
        assert c.post(url, data).status_code == 403, name
    assert not changed(before) and _state() == state


def test_the_cost_accountant_acts_on_nothing(world):
    """成本会计 opens the warehouse (receipts, outsourcing orders) and the reports, and reads."""
    c = client_for(world.acct)
    before, state = snapshot(), _state()
    for name in ACTIONS:
        url, data = _actions(world)[name]
        assert c.post(url, data).status_code == 403, name
    assert not changed(before) and _state() == state


def test_the_cost_accountant_reads_receipts_accruals_and_payables(world):
    c = client_for(world.acct)
    assert c.get(reverse("procurement:receipt_detail", args=[world.gr.pk])).status_code == 200
    assert c.get(reverse("procurement:outsourcing_detail", args=[world.oo.pk])).status_code == 200
    assert c.get(reverse("procurement:report_accruals")).status_code == 200
    assert c.get(reverse("procurement:report_ageing")).status_code == 200
    # the receive form is not shown to a role that cannot post it
    assert c.get(reverse("procurement:po_receive", args=[world.po.pk])).status_code == 403
    html = c.get(reverse("procurement:receipt_detail", args=[world.gr.pk])).content.decode()
    assert "Return to supplier" not in html and 'name="ret_' not in html


def test_the_warehouse_clerk_does_not_buy(world):
    c = client_for(world.clerk)
    before, state = snapshot(), _state()
    for name in sorted(set(ACTIONS) - CLERK_ACTIONS):
        url, data = _actions(world)[name]
        assert c.post(url, data).status_code == 403, name
    assert not changed(before) and _state() == state


def test_the_warehouse_clerk_receives_returns_issues_and_receives_outsourced_goods(world):
    w = world
    c = client_for(w.clerk)
    assert c.get(reverse("procurement:po_receive", args=[w.po.pk])).status_code == 200
    assert c.get(reverse("procurement:warehouse_outsourcing")).status_code == 200
    for name, model, n in [
        ("po_receive", PurchaseReceipt, 3),
        ("receipt_return", PurchaseReturn, 1),
        ("outsourcing_move", OutsourcingIssue, 3),
        ("outsourcing_receive", OutsourcingReceipt, 1),
    ]:
        url, data = _actions(w)[name]
        response = c.post(url, data, follow=True)
        errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
        assert not errors, (name, errors)
        assert model.objects.count() == n, name
    bolt_line = w.po.lines.get(item=w.bolt)
    assert (bolt_line.received_qty, bolt_line.returned_qty) == (D("55"), D("2"))
    mat = w.oo.materials.get()
    mat.refresh_from_db()
    assert (mat.issued_qty, mat.consumed_qty) == (D("12"), D("2"))


@pytest.mark.parametrize("name", ACTIONS)
def test_the_buyer_may_do_everything_here(name, world):
    url, data = _actions(world)[name]
    state = _state()
    before = snapshot()
    response = client_for(world.buyer).post(url, data, follow=True)
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    errors += messages_of(response) if response.redirect_chain == [] else []
    assert not errors, (name, errors)
    if name == "accrual_roll":  # nothing to re-accrue in the default mode (reverse on invoice)
        assert any(m.level_tag == "success" for m in response.context["messages"])
    else:
        assert changed(before) or _state() != state, name


def test_get_of_an_action_url_is_405_after_login(world):
    url = reverse("procurement:po_confirm", args=[world.po_draft.pk])
    assert Client().get(url).status_code == 302
    assert client_for(world.buyer).get(url).status_code == 405


# --------------------------------------------------------------------------- double submits
def _token(client, page_url: str, action_url: str) -> str:
    html = client.get(page_url).content.decode()
    page_path = page_url.split("?")[0]
    for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S):
        opening = form.split(">")[0]
        if f'action="{action_url}"' in opening or (action_url == page_path and "action=" not in opening):
            match = re.search(r'name="_submit_token" value="([^"]+)"', form)
            if match:
                return match.group(1)
    raise AssertionError(f"no form posting to {action_url} on {page_url}")


def _double_cases(w: World):
    """kind -> (model, user, page with the form, action name)."""
    today = _today()
    invoice_page = reverse("procurement:invoice_create") + f"?supplier={w.sup.pk}&kind=purchase&invoice_date={today}"
    return {
        "requisition": (Requisition, w.buyer, reverse("procurement:requisition_create"), "requisition_create"),
        "purchase order": (PurchaseOrder, w.buyer, reverse("procurement:po_create"), "po_create"),
        "purchase order from requisition": (
            PurchaseOrder,
            w.buyer,
            reverse("procurement:requisition_detail", args=[w.req.pk]),
            "requisition_convert",
        ),
        "purchase receipt": (
            PurchaseReceipt,
            w.clerk,
            reverse("procurement:po_receive", args=[w.po.pk]),
            "po_receive",
        ),
        "purchase return": (
            PurchaseReturn,
            w.clerk,
            reverse("procurement:receipt_detail", args=[w.gr.pk]),
            "receipt_return",
        ),
        "supplier invoice": (SupplierInvoice, w.buyer, invoice_page, "invoice_create"),
        "outsourcing order": (
            OutsourcingOrder,
            w.buyer,
            reverse("procurement:outsourcing_create"),
            "outsourcing_create",
        ),
        "material issue": (
            OutsourcingIssue,
            w.clerk,
            reverse("procurement:outsourcing_detail", args=[w.oo.pk]),
            "outsourcing_move",
        ),
        "outsourcing receipt": (
            OutsourcingReceipt,
            w.clerk,
            reverse("procurement:outsourcing_detail", args=[w.oo.pk]),
            "outsourcing_receive",
        ),
    }


DOUBLE_KINDS = [
    "requisition",
    "purchase order",
    "purchase order from requisition",
    "purchase receipt",
    "purchase return",
    "supplier invoice",
    "outsourcing order",
    "material issue",
    "outsourcing receipt",
]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_posts_create_one_document(make_user):
    """Per document kind: the same form (same submission token) posted twice at once from two
    threads gives one document, one number, one stock posting; both answers lead to it; a later
    replay creates nothing either. One world for all kinds (a transactional test is slow to reset)."""
    from inventory.models import StockMove

    w = build_world(make_user)
    for kind in DOUBLE_KINDS:
        model, user, page, action_name = _double_cases(w)[kind]
        action, data = _actions(w)[action_name]
        client = client_for(user)
        token = _token(client, page, action)
        before, moves_before = model.objects.count(), StockMove.objects.count()
        known = set(model.objects.values_list("pk", flat=True))
        responses = post_concurrently(user, action, {**data, "_submit_token": token}, n=2)
        assert [r.status_code for r in responses] == [302, 302], (kind, [r.status_code for r in responses])
        assert model.objects.count() == before + 1, kind
        new = model.objects.exclude(pk__in=known).get()
        assert new.number and model.objects.filter(number=new.number).count() == 1, kind
        assert len({r["Location"] for r in responses}) == 1, kind  # both go to the first result
        moved = StockMove.objects.count() - moves_before
        if kind in ("purchase receipt", "purchase return"):
            assert moved == 1, kind  # one line posted once
        # a later replay of the same token creates nothing either
        client.post(action, {**data, "_submit_token": token})
        assert model.objects.count() == before + 1, kind
        assert StockMove.objects.count() - moves_before == moved, kind


# --------------------------------------------------------------------------- the input sweep
def _sweep_cases(w: World):
    """name -> (user, url, good data, {field: (bad values, text the message must name)})."""
    a = _actions(w)
    pl = {ln.item.code: ln for ln in w.po.lines.select_related("item")}
    gl = {ln.item.code: ln for ln in w.gr.lines.select_related("item")}
    mat = w.oo.materials.get()
    return {
        "requisition_create": (
            w.buyer,
            *a["requisition_create"],
            {
                "lines-0-qty": (BAD_NUMBERS, "quantity"),
                "lines-0-need_date": (BAD_DATES, None),
                "request_date": (BAD_DATES, None),
                "lines-0-item": (BAD_IDS, None),
                "lines-0-supplier": (BAD_IDS, None),
            },
        ),
        "po_create": (
            w.buyer,
            *a["po_create"],
            {
                "lines-0-qty": (BAD_NUMBERS, "quantity"),
                "lines-0-unit_price": (BAD_NUMBERS, "unit price"),
                "lines-0-due_date": (BAD_DATES, None),
                "order_date": (BAD_DATES, None),
                "supplier": (BAD_IDS, None),
                "warehouse": (BAD_IDS, None),
                "lines-0-item": (BAD_IDS, None),
            },
        ),
        "po_line_change": (
            w.buyer,
            *a["po_line_change"],
            {
                "qty": (BAD_NUMBERS, "quantity"),
                "unit_price": (BAD_NUMBERS, "unit price"),
                "due_date": (BAD_DATES, None),
                "line": (BAD_IDS, None),
            },
        ),
        "po_receive": (
            w.clerk,
            *a["po_receive"],
            {
                f"qty_{pl['BOLT'].pk}": (BAD_NUMBERS, "line 10 received quantity"),
                "receipt_date": (BAD_DATES, None),
                "warehouse": (BAD_IDS, None),
            },
        ),
        "receipt_return": (
            w.clerk,
            *a["receipt_return"],
            {f"ret_{gl['BOLT'].pk}": (BAD_NUMBERS, "line 10 returned quantity"), "return_date": (BAD_DATES, None)},
        ),
        "invoice_create": (
            w.buyer,
            *a["invoice_create"],
            {
                f"qty_{gl['BOLT'].pk}": (BAD_NUMBERS, "invoiced quantity"),
                f"price_{gl['BOLT'].pk}": (BAD_NUMBERS, "unit price"),
                "invoice_date": (BAD_DATES, None),
                "supplier": (BAD_IDS, None),
            },
        ),
        "invoice_pay": (w.buyer, *a["invoice_pay"], {"amount": (BAD_MONEY, "payment")}),
        "price_create": (
            w.buyer,
            *a["price_create"],
            {
                "price": (BAD_NUMBERS, "unit price"),
                "min_qty": (BAD_NUMBERS, "minimum quantity"),
                "lead_time_days": (BAD_NUMBERS, "lead time"),
                "valid_from": (BAD_DATES, None),
                "valid_to": (BAD_DATES, None),
                "supplier": (BAD_IDS, None),
                "item": (BAD_IDS, None),
            },
        ),
        "accrual_roll": (
            w.buyer,
            *a["accrual_roll"],
            {"year": (BAD_NUMBERS, "year"), "month": (BAD_NUMBERS, "month")},
        ),
        "outsourcing_create": (
            w.buyer,
            *a["outsourcing_create"],
            {
                "qty": (BAD_NUMBERS, "quantity"),
                "unit_fee": (BAD_NUMBERS, "processing fee"),
                "order_date": (BAD_DATES, None),
                "start_date": (BAD_DATES, None),
                "due_date": (BAD_DATES, None),
                "supplier": (BAD_IDS, None),
                "product": (BAD_IDS, None),
                "warehouse": (BAD_IDS, None),
            },
        ),
        "outsourcing_move": (
            w.clerk,
            *a["outsourcing_move"],
            {
                f"mat_{mat.pk}": (BAD_NUMBERS, "COMP quantity"),
                "on_date": (BAD_DATES, None),
                "warehouse": (BAD_IDS, None),
            },
        ),
        "outsourcing_receive": (
            w.clerk,
            *a["outsourcing_receive"],
            {
                "qty": (BAD_NUMBERS, "received quantity"),
                "receipt_date": (BAD_DATES, None),
                "warehouse": (BAD_IDS, None),
            },
        ),
        "requisition_convert": (w.buyer, *a["requisition_convert"], {"line": (BAD_IDS, None)}),
    }


SWEEP = [
    ("requisition_create", "lines-0-qty"),
    ("requisition_create", "lines-0-need_date"),
    ("requisition_create", "request_date"),
    ("requisition_create", "lines-0-item"),
    ("requisition_create", "lines-0-supplier"),
    ("po_create", "lines-0-qty"),
    ("po_create", "lines-0-unit_price"),
    ("po_create", "lines-0-due_date"),
    ("po_create", "order_date"),
    ("po_create", "supplier"),
    ("po_create", "warehouse"),
    ("po_create", "lines-0-item"),
    ("po_line_change", "qty"),
    ("po_line_change", "unit_price"),
    ("po_line_change", "due_date"),
    ("po_line_change", "line"),
    ("po_receive", "qty_"),
    ("po_receive", "receipt_date"),
    ("po_receive", "warehouse"),
    ("receipt_return", "ret_"),
    ("receipt_return", "return_date"),
    ("invoice_create", "qty_"),
    ("invoice_create", "price_"),
    ("invoice_create", "invoice_date"),
    ("invoice_create", "supplier"),
    ("invoice_pay", "amount"),
    ("price_create", "price"),
    ("price_create", "min_qty"),
    ("price_create", "lead_time_days"),
    ("price_create", "valid_from"),
    ("price_create", "valid_to"),
    ("price_create", "supplier"),
    ("price_create", "item"),
    ("accrual_roll", "year"),
    ("accrual_roll", "month"),
    ("outsourcing_create", "qty"),
    ("outsourcing_create", "unit_fee"),
    ("outsourcing_create", "order_date"),
    ("outsourcing_create", "start_date"),
    ("outsourcing_create", "due_date"),
    ("outsourcing_create", "supplier"),
    ("outsourcing_create", "product"),
    ("outsourcing_create", "warehouse"),
    ("outsourcing_move", "mat_"),
    ("outsourcing_move", "on_date"),
    ("outsourcing_move", "warehouse"),
    ("outsourcing_receive", "qty"),
    ("outsourcing_receive", "receipt_date"),
    ("outsourcing_receive", "warehouse"),
    ("requisition_convert", "line"),
]


@pytest.mark.parametrize(("case", "field"), SWEEP)
def test_every_bad_input_is_refused_with_a_message(case, field, world):
    user, url, good, fields = _sweep_cases(world)[case]
    key = next(k for k in fields if k == field or (field.endswith("_") and k.startswith(field)))
    bad_values, label = fields[key]
    client = client_for(user)
    before, state = snapshot(), _state()
    for bad in bad_values:
        response = client.post(url, {**good, key: bad}, follow=True)
        if response.status_code == 404:
            assert bad in BAD_IDS, (case, key, bad)
        try:
            assert_refused(response, before, field=label)
        except AssertionError as exc:
            raise AssertionError(f"{case} {key}={bad[:30]!r}: {exc}") from None
    assert _state() == state


def test_a_supplier_invoice_price_is_never_replaced_by_the_receipt_price(world):
    """`abc`, `NaN`, `1,5`, an empty price and `0.0000001` are refused with a message naming the
    receipt line; nothing is written. The receipt price 0.50 is never used instead."""
    url, data = _actions(world)["invoice_create"]
    gl = world.gr.lines.get(item=world.bolt)
    for bad in ["abc", "NaN", "1,5", "", "0.0000001"]:
        before = snapshot()
        response = client_for(world.buyer).post(url, {**data, f"price_{gl.pk}": bad}, follow=True)
        assert_refused(response, before, field=f"{world.gr.number}/10 unit price")
    assert not SupplierInvoice.objects.filter(lines__unit_price=D("0.5")).exists()


def test_a_supplier_invoice_rounding_to_zero_is_refused(world):
    """5 × 0.000001 = 0.000005 would be an invoice of 0.00: refused naming the line and 0.00."""
    url, data = _actions(world)["invoice_create"]
    gl = world.gr.lines.get(item=world.bolt)
    before = snapshot()
    response = client_for(world.buyer).post(url, {**data, f"price_{gl.pk}": "0.000001"}, follow=True)
    assert_refused(response, before, field="0.00")
    # and a draft whose total is 0.00 (made before this rule) cannot be posted
    inv = world.inv_draft
    SupplierInvoice.objects.filter(pk=inv.pk).update(amount=0, tax_amount=0)
    client_for(world.buyer).post(reverse("procurement:invoice_confirm", args=[inv.pk]))
    inv.refresh_from_db()
    assert inv.status == "draft"


def test_a_valid_invoice_keeps_the_typed_price(world):
    url, data = _actions(world)["invoice_create"]
    gl = world.gr.lines.get(item=world.bolt)
    client_for(world.buyer).post(url, {**data, f"price_{gl.pk}": "0.515", f"qty_{gl.pk}": "10"})
    inv = SupplierInvoice.objects.latest("pk")
    line = inv.lines.get()
    assert (line.qty, line.unit_price, inv.amount, inv.tax_amount) == (D("10"), D("0.515"), D("5.15"), D("0.67"))


@pytest.mark.parametrize(
    ("case", "changes", "message"),
    [
        ("po_create", {"lines-0-due_date": "2000-01-03"}, "before the order date"),
        ("po_line_change", {"due_date": "2000-01-03"}, "before the order date"),
        ("outsourcing_create", {"due_date": "2000-01-03"}, "before the start date"),
        ("outsourcing_create", {"start_date": "2000-01-03"}, "before the order date"),
        ("price_create", {"valid_to": "2000-01-03"}, "before the valid from date"),
        ("price_create", {"lead_time_days": "-1"}, "at least 0"),
        ("price_create", {"price": "-1"}, "at least 0"),
        ("po_create", {"lines-0-qty": "0"}, "greater than 0"),
        ("po_create", {"lines-0-qty": "-1"}, "greater than 0"),
        ("outsourcing_create", {"qty": "0"}, "greater than 0"),
        ("outsourcing_receive", {"qty": "0"}, "greater than 0"),
        ("po_receive", {"qty_BOLT": "0"}, "at least one line"),
        ("receipt_return", {"ret_BOLT": "0"}, "at least one line"),
        ("invoice_create", {"qty_BOLT": "0"}, "at least one line"),
        ("invoice_pay", {"amount": "0"}, "greater than 0"),
        ("accrual_roll", {"year": "1"}, "at least 2000"),
        ("accrual_roll", {"month": "13"}, "at most 12"),
        ("accrual_roll", {"which": "sideways"}, "period start"),
    ],
)
def test_absurd_values_are_refused(case, changes, message, world):
    user, url, good, _fields = _sweep_cases(world)[case]
    data = dict(good)
    for key, value in changes.items():
        if key.endswith("_BOLT"):
            prefix = key.removesuffix("BOLT")
            key = next(k for k in good if k.startswith(prefix))
        data[key] = value
    before, state = snapshot(), _state()
    response = client_for(user).post(url, data, follow=True)
    assert_refused(response, before, field=message)
    assert _state() == state


def test_over_receipt_beyond_the_tolerance_is_refused(world):
    settings_row = CompanySettings.get()
    settings_row.over_receipt_tolerance_pct = D("10")
    settings_row.save()
    url, data = _actions(world)["po_receive"]
    key = next(k for k in data if k.startswith("qty_"))
    before = snapshot()
    # 50 received, 100 ordered, +10 %: at most 110 in all, so 61 more is refused
    response = client_for(world.clerk).post(url, {**data, key: "61"}, follow=True)
    assert_refused(response, before, field="at most 110")
    client_for(world.clerk).post(url, {**data, key: "60"})
    assert world.po.lines.get(item=world.bolt).received_qty == D("110")


@pytest.mark.parametrize(
    "path",
    [
        "/procurement/accruals/?year={bad}&month={bad}",
        "/procurement/accruals/?year={bad}&month=1&_export=xlsx",
        "/procurement/reports/accruals/?year={bad}",
        "/procurement/invoices/new/?supplier={bad}&kind=purchase&invoice_date={bad}",
        "/procurement/orders/?supplier={bad}&status={bad}",
        "/procurement/outsourcing/materials/?open={bad}",
    ],
)
def test_bad_query_parameters_never_500(path, world):
    client = client_for(world.boss)
    before = snapshot()
    for bad in [*BAD_IDS, *BAD_NUMBERS, *BAD_DATES]:
        response = client.get(path.format(bad=bad))
        assert response.status_code == 200, (path, bad, response.status_code)
    assert not changed(before)


def test_a_bad_year_on_the_accrual_report_is_a_warning_naming_the_field(world):
    response = client_for(world.buyer).get("/procurement/accruals/?year=abc&month=1")
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any("Year" in m and "abc" in m for m in shown), shown
    today = timezone.localdate()
    assert (response.context["year"], response.context["month"]) == (today.year, today.month)


# --------------------------------------------------------------------------- hypothesis: typed values
@settings(deadline=None, max_examples=150)
@given(st.decimals(min_value=D("-1000"), max_value=D("1000"), places=8, allow_nan=False))
def test_any_po_price_beyond_six_places_or_negative_is_refused(value):
    field = PurchaseOrderLineForm().fields["unit_price"]  # the grid's price cell (no item lookup)
    try:
        cleaned, ok = field.clean(format(value, "f")), True
    except forms.ValidationError:
        cleaned, ok = None, False
    exact = value == value.quantize(D("0.000001"))
    assert ok == (value >= 0 and exact), value
    if ok:
        assert cleaned == value


@settings(deadline=None, max_examples=150)
@given(st.text(max_size=25))
def test_any_typed_received_quantity_is_within_the_limits_or_refused_naming_the_field(text):
    form = OutsourcingReceiveForm(data={"qty": text})
    form.is_valid()
    if "qty" not in form.errors:
        qty = form.cleaned_data["qty"]
        assert D(0) < qty < D(10) ** 12 and -qty.as_tuple().exponent <= 6
    else:
        assert any("Received quantity" in e or "required" in e for e in form.errors["qty"]), form.errors


# --------------------------------------------------------------------------- missing objects, foreign lines
def _detail_and_action_urls(pk):
    urls = [("get", f"/procurement/{p}/{pk}/") for p in ("requisitions", "orders", "receipts", "invoices")]
    urls += [("get", f"/procurement/outsourcing/{pk}/"), ("get", f"/procurement/prices/{pk}/")]
    urls += [("get", f"/procurement/orders/{pk}/receive/"), ("post", f"/procurement/orders/{pk}/receive/")]
    urls += [("post", f"/procurement/requisitions/{pk}/{a}/") for a in ("approve", "cancel", "close", "convert")]
    urls += [("post", f"/procurement/orders/{pk}/{a}/") for a in ("confirm", "close", "cancel", "line")]
    urls += [("post", f"/procurement/receipts/{pk}/return/"), ("post", f"/procurement/prices/{pk}/")]
    urls += [("post", f"/procurement/invoices/{pk}/{a}/") for a in ("confirm", "cancel", "pay")]
    urls += [("post", f"/procurement/outsourcing/{pk}/{a}/") for a in ("confirm", "close", "cancel", "move", "receive")]
    return urls


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_missing_objects_are_404(bad_id, world):
    client = client_for(world.boss)
    before = snapshot()
    data = {"line": "1", "qty": "1", "amount": "1", "return_date": _today(), "kind": "issue", "on_date": _today()}
    for method, url in _detail_and_action_urls(bad_id):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert not changed(before)


def test_a_po_line_changed_through_another_orders_url_is_404(world):
    """The probe changed a line of one order through another order's URL."""
    foreign = world.po2.lines.get()
    before, state = snapshot(), _state()
    response = client_for(world.buyer).post(
        reverse("procurement:po_line_change", args=[world.po_draft.pk]),
        {"line": foreign.pk, "qty": "7", "unit_price": "9", "due_date": _due()},
    )
    assert response.status_code == 404
    assert not changed(before) and _state() == state
    foreign.refresh_from_db()
    assert (foreign.qty, foreign.unit_price) == (D("20"), D("0.5"))


def test_a_requisition_line_converted_through_another_requisition_is_404(world):
    before, state = snapshot(), _state()
    response = client_for(world.buyer).post(
        reverse("procurement:requisition_convert", args=[world.req.pk]), {"line": world.req2.lines.get().pk}
    )
    assert response.status_code == 404
    assert not changed(before) and _state() == state


@pytest.mark.parametrize(
    ("name", "prefix", "foreign"),
    [
        ("po_receive", "qty_", lambda w: w.po2.lines.get()),
        ("receipt_return", "ret_", lambda w: w.gr2.lines.get()),
        ("outsourcing_move", "mat_", lambda w: w.oo2.materials.get()),
    ],
)
def test_quantities_on_lines_of_another_document_are_not_read(name, prefix, foreign, world):
    """qty_<line of order B> posted to order A: only A's own lines are read, so nothing is posted."""
    url, data = _actions(world)[name]
    data = {k: v for k, v in data.items() if not k.startswith(prefix)}
    data[f"{prefix}{foreign(world).pk}"] = "1"
    before, state = snapshot(), _state()
    user = world.clerk
    response = client_for(user).post(url, data, follow=True)
    assert_refused(response, before, field="at least one line")
    assert _state() == state


def test_invoice_lines_of_another_supplier_are_not_read(world):
    other = f.supplier("S9")
    url, data = _actions(world)["invoice_create"]
    before = snapshot()
    response = client_for(world.buyer).post(url, {**data, "supplier": other.pk}, follow=True)
    assert_refused(response, before, field="at least one line")


# --------------------------------------------------------------------------- ISO dates in zh-hans
def test_date_inputs_render_iso_in_chinese(world):
    w = world
    today = _today()
    price = SupplierPrice.objects.get(item=w.bolt)
    SupplierPrice.objects.filter(pk=price.pk).update(valid_from=datetime.date(2026, 12, 3))
    c = client_for(w.boss, lang="zh-hans")
    pages = {
        reverse("procurement:requisition_create"): today,
        reverse("procurement:po_create"): today,
        reverse("procurement:po_receive", args=[w.po.pk]): today,
        reverse("procurement:outsourcing_create"): today,
        reverse("procurement:outsourcing_detail", args=[w.oo.pk]): today,
        reverse("procurement:receipt_detail", args=[w.gr.pk]): today,
        reverse("procurement:invoice_create"): today,
        reverse("procurement:price_edit", args=[price.pk]): "2026-12-03",
        reverse("procurement:po_detail", args=[w.po_draft.pk]): w.po_draft.lines.get().due_date.isoformat(),
    }
    for url, value in pages.items():
        html = c.get(url).content.decode()
        assert "采购" in html or "委外" in html, url  # the page is in Chinese
        dates = re.findall(r'<input[^>]*type="date"[^>]*>', html)
        assert dates, url
        assert any(f'value="{value}"' in d for d in dates), (url, dates)
        for d in dates:
            found = re.search(r'value="([^"]*)"', d)
            assert not found or re.fullmatch(r"\d{4}-\d{2}-\d{2}", found.group(1)), (url, d)


# --------------------------------------------------------------------------- safe exports
def test_xlsx_exports_write_formula_like_names_as_text(world):
    evil = '=HYPERLINK("http://x")'
    Supplier.objects.filter(pk=world.oo.supplier_id).update(code="=1+1", name=evil)
    Item.objects.filter(pk=world.comp.pk).update(name=evil)
    response = client_for(world.buyer).get(reverse("procurement:outsourcing_materials") + "?_export=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(min_row=2))
    cells = [c for r in rows for c in r if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    assert rows[0][0].value == f"=1+1 {evil}" and rows[0][0].data_type == "s"
    assert rows[0][4].value == 20  # required: 10 frames × 2, a number
