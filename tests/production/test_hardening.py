"""Issue #10 for production: action permissions per role (the planner creates and releases work
orders, the production lead reports, the warehouse clerk posts pickings and receipts, the cost
accountant only reads), idempotent submits (two concurrent identical POSTs -> one document or
one posting), every bad input a message naming the field (never a 500, nothing written),
missing objects and foreign lines -> 404, ISO date inputs in zh-hans."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp.roles import ROLES, role_permissions
from inventory.models import StockMove
from production.models import FGReceipt, Picking, WorkOrder, WorkOrderMaterial
from production.services import picking as picking_svc
from production.services import receipts as rc
from production.services import work_orders as wos
from tests import factories as f
from tests.sweep import (
    BAD_DATES,
    BAD_IDS,
    BAD_NUMBERS,
    assert_refused,
    changed,
    client_for,
    post_concurrently,
    snapshot,
)

from .helpers import JUNE1, make_wo, on_hand
from .so import sales_line

D = Decimal
DAY = JUNE1 + datetime.timedelta(days=3)


@dataclass
class World:
    planner: object  # 计划
    lead: object  # 生产
    clerk: object  # 仓库
    cost: object  # 成本会计
    boss: object  # 管理员
    rm: object
    fg: object  # the finished item of `wo`
    wo: WorkOrder  # 10 FG, A ×2 manual, C ×0.5 backflush; 5 sets kit-picked and posted (started)
    wo2: WorkOrder  # released, 5 FG2, A ×1 manual
    planned: WorkOrder  # planned, 3 FG3
    pick: Picking  # draft batch picking of 4 A for wo
    other_pick: Picking  # draft batch picking of 2 A for wo2
    receipt: FGReceipt  # draft receipt of 2 FG on wo
    line: object  # confirmed sales-order line of 30 FG9


def build_world(make_user) -> World:
    from erp.models import CompanySettings

    CompanySettings.get()  # created on first use: before the snapshots
    users = [make_user(name, role) for name, role in _USERS]
    rm = f.warehouse("RM")
    wo = make_wo("FG", qty=10, lines=[("A", 2, "manual", rm), ("C", "0.5", "backflush", rm)])
    wo2 = make_wo("FG2", qty=5, lines=[("A", 1, "manual", rm)])
    fg3 = f.item("FG3", supply_type="manufacture", default_warehouse=f.warehouse("FG"))
    planned = wos.work_order_create(
        item_id=fg3.pk, qty=D(3), planned_start=JUNE1, planned_finish=JUNE1 + datetime.timedelta(days=5)
    )
    f.stock(f.item("A"), rm, 60, on_date=JUNE1)
    f.stock(f.item("C"), rm, 20, on_date=JUNE1)
    kit = picking_svc.picking_create_kit(work_order_id=wo.pk, target_sets=D(5), pick_date=JUNE1)
    picking_svc.picking_confirm(picking_id=kit.pk)
    a1 = wo.materials.get(component__code="A")
    a2 = wo2.materials.get(component__code="A")
    pick = picking_svc.picking_create_batch(work_order_id=wo.pk, qtys={a1.pk: D(4)}, pick_date=JUNE1)
    other_pick = picking_svc.picking_create_batch(work_order_id=wo2.pk, qtys={a2.pk: D(2)}, pick_date=JUNE1)
    receipt = rc.fg_receipt_create(work_order_id=wo.pk, qty=D(2), receipt_date=DAY)
    line = sales_line(qty=30, item_code="FG9")
    for obj in (wo, wo2, planned):
        obj.refresh_from_db()
    return World(*users, rm, wo.item, wo, wo2, planned, pick, other_pick, receipt, line)


_USERS = [("planner", "计划"), ("lead", "生产"), ("clerk", "仓库"), ("cost", "成本会计"), ("boss", "管理员")]


@pytest.fixture
def world(make_user):
    return build_world(make_user)


def _mat(wo, code="A") -> WorkOrderMaterial:
    return wo.materials.get(component__code=code)


def _state():
    """Everything an action could change besides row counts."""
    return (
        list(WorkOrder.objects.order_by("pk").values_list("status", "scrapped_qty", "received_qty")),
        list(WorkOrderMaterial.objects.order_by("pk").values_list("required", "issue_method", "issued_qty")),
        list(Picking.objects.order_by("pk").values_list("status", flat=True)),
        list(FGReceipt.objects.order_by("pk").values_list("status", flat=True)),
    )


# --------------------------------------------------------------------------- who may act
PLAN = {"计划", "生产", "管理员"}  # create, release, cancel work orders
LEAD = {"生产", "管理员"}  # report, propose pickings and receipts
STORES = {"仓库", "生产", "管理员"}  # post and reverse pickings and receipts
PICK = {"仓库", "生产", "管理员"}  # kit and batch picking from the order (the warehouse starts it too, issue 18)


def _actions(w: World):
    """name -> (url, data, roles that may act)."""
    day = DAY.isoformat()
    line = w.pick.lines.get()
    return {
        "wo_create": (
            reverse("production:wo_create"),
            {
                "item": w.fg.pk,
                "qty": "3",
                "planned_start": day,
                "planned_finish": (DAY + datetime.timedelta(days=4)).isoformat(),
                "receipt_tolerance_pct": "0",
                "issue_tolerance_pct": "0",
            },
            PLAN,
        ),
        "wo_from_sales_line": (reverse("production:wo_from_sales_line", args=[w.line.pk]), {}, PLAN),
        "wo_release": (reverse("production:wo_release", args=[w.planned.pk]), {}, PLAN),
        "wo_cancel": (reverse("production:wo_cancel", args=[w.planned.pk]), {}, PLAN),
        "wo_children": (reverse("production:wo_children", args=[w.wo.pk]), {}, PLAN),
        "wo_start": (reverse("production:wo_start", args=[w.wo2.pk]), {}, LEAD),
        "wo_close": (reverse("production:wo_close", args=[w.wo.pk]), {}, LEAD),
        "wo_scrap": (reverse("production:wo_scrap", args=[w.wo.pk]), {"qty": "1"}, LEAD),
        "wo_material_update": (
            reverse("production:wo_material_update", args=[w.wo2.pk, _mat(w.wo2).pk]),
            {"required": "6", "issue_method": "manual"},
            LEAD,
        ),
        "wo_kit_pick": (reverse("production:wo_kit_pick", args=[w.wo.pk]), {"target_sets": "", "pick_date": day}, PICK),
        "wo_qty_pick": (
            reverse("production:wo_qty_pick", args=[w.wo.pk]),
            {"mode": "batch", f"qty_{_mat(w.wo).pk}": "2", "pick_date": day},
            PICK,
        ),
        "return": (
            reverse("production:wo_qty_pick", args=[w.wo.pk]),
            {"mode": "return", f"qty_{_mat(w.wo).pk}": "1", "reason": "多领", "pick_date": day},
            PICK,
        ),
        "supplement": (
            reverse("production:wo_qty_pick", args=[w.wo.pk]),
            {"mode": "supplement", f"qty_{_mat(w.wo).pk}": "1", "reason": "报废补料", "pick_date": day},
            PICK,
        ),
        "merged_pick": (
            reverse("production:merged_pick"),
            {"work_orders": [w.wo.pk, w.wo2.pk], "pick_date": day},
            LEAD,
        ),
        "wo_receive": (
            reverse("production:wo_receive", args=[w.wo.pk]),
            {"qty": "1", "receipt_date": day, "warehouse": ""},
            LEAD,
        ),
        "picking_confirm": (reverse("production:picking_confirm", args=[w.pick.pk]), {f"issue_{line.pk}": "4"}, STORES),
        "picking_cancel": (reverse("production:picking_cancel", args=[w.pick.pk]), {}, STORES),
        "receipt_confirm": (reverse("production:receipt_confirm", args=[w.receipt.pk]), {}, STORES),
        "receipt_cancel": (reverse("production:receipt_cancel", args=[w.receipt.pk]), {}, STORES),
    }


ACTIONS = [
    "wo_create",
    "wo_from_sales_line",
    "wo_release",
    "wo_cancel",
    "wo_children",
    "wo_start",
    "wo_close",
    "wo_scrap",
    "wo_material_update",
    "wo_kit_pick",
    "wo_qty_pick",
    "return",
    "supplement",
    "merged_pick",
    "wo_receive",
    "picking_confirm",
    "picking_cancel",
    "receipt_confirm",
    "receipt_cancel",
]


@pytest.mark.parametrize("name", ACTIONS)
def test_roles_without_the_action_permission_get_403_and_nothing_changes(name, world, make_user):
    """Every role outside the action's holders — among them the planner (opens production,
    may not report or pick) and the cost accountant (opens the warehouse, may post nothing)."""
    url, data, allowed = _actions(world)[name]
    refused = [role for role in ROLES if role not in allowed]
    assert "成本会计" in refused
    before, state = snapshot(), _state()
    for role in refused:
        user = make_user(f"x_{abs(hash(role))}", role)
        assert client_for(user).post(url, data).status_code == 403, (name, role)
    assert not changed(before), changed(before)
    assert _state() == state


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("wo_create", "planner"),
        ("wo_from_sales_line", "planner"),
        ("wo_release", "planner"),
        ("wo_cancel", "planner"),
        ("wo_start", "lead"),
        ("wo_scrap", "lead"),
        ("wo_material_update", "lead"),
        ("wo_kit_pick", "lead"),
        ("wo_kit_pick", "clerk"),
        ("wo_qty_pick", "clerk"),
        ("return", "lead"),
        ("supplement", "lead"),
        ("merged_pick", "lead"),
        ("wo_receive", "lead"),
        ("picking_confirm", "clerk"),
        ("picking_cancel", "clerk"),
        ("receipt_confirm", "clerk"),
        ("receipt_cancel", "clerk"),
    ],
)
def test_the_role_in_charge_acts(name, who, world):
    url, data, allowed = _actions(world)[name]
    user = getattr(world, who)
    assert {g.name for g in user.groups.all()} <= allowed
    before, state = snapshot(), _state()
    response = client_for(user).post(url, data, follow=True)
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert not errors, (name, errors)
    assert changed(before) or _state() != state


def test_the_roles_hold_exactly_the_granted_actions(db):
    plan, lead, clerk, cost = (role_permissions(r) for r in ("计划", "生产", "仓库", "成本会计"))
    assert {"production.add_workorder", "production.release_workorder", "production.cancel_workorder"} <= plan
    assert not {"production.add_picking", "production.post_picking", "production.add_fgreceipt"} & plan
    assert {"production.add_picking", "production.post_picking", "production.post_fgreceipt"} <= clerk
    assert not {"production.add_workorder", "production.add_fgreceipt", "production.change_workorder"} & clerk
    assert {"production.add_picking", "production.add_fgreceipt", "production.change_workorder"} <= lead
    assert not {p for p in cost if p.startswith("production.") and not p.startswith("production.view_")}


def test_cost_accountant_reads_pickings_and_receipts_without_buttons(world):
    c = client_for(world.cost)
    for url, action in [
        (reverse("production:picking_detail", args=[world.pick.pk]), "production:picking_confirm"),
        (reverse("production:receipt_detail", args=[world.receipt.pk]), "production:receipt_confirm"),
    ]:
        response = c.get(url)
        assert response.status_code == 200
        obj = world.pick if "picking" in action else world.receipt
        assert reverse(action, args=[obj.pk]) not in response.content.decode()
    assert c.get(reverse("production:wh_picking_list")).status_code == 200
    assert c.get(reverse("production:wo_list")).status_code == 403


def test_module_without_action_permission_sees_lists_but_not_forms(world, make_user):
    from django.contrib.auth.models import Permission

    user = make_user("viewer")
    user.user_permissions.add(Permission.objects.get(codename="access_production", content_type__app_label="erp"))
    c = client_for(user)
    assert c.get(reverse("production:wo_list")).status_code == 200
    assert c.get(reverse("production:wo_detail", args=[world.wo.pk])).status_code == 200
    assert c.get(reverse("production:wo_create")).status_code == 403
    assert c.get(reverse("production:merged_pick")).status_code == 403
    # the planner opens the make-to-order page with its buttons, not the merged-picking form
    planner = client_for(world.planner)
    html = planner.get(reverse("production:sales_lines")).content.decode()
    assert reverse("production:wo_from_sales_line", args=[world.line.pk]) in html
    assert planner.get(reverse("production:merged_pick")).status_code == 403
    before = snapshot()
    for url, data, _allowed in _actions(world).values():
        assert c.post(url, data).status_code == 403, url
    assert not changed(before)


def test_get_of_an_action_url_is_405_after_login(world):
    url = reverse("production:picking_confirm", args=[world.pick.pk])
    assert Client().get(url).status_code == 302
    assert client_for(world.clerk).get(url).status_code == 405


# --------------------------------------------------------------------------- double submits
def _token(client, page_url: str, action_url: str) -> str:
    html = client.get(page_url).content.decode()
    for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S):
        if f'action="{action_url}"' in form or (action_url == page_url and "action=" not in form.split(">")[0]):
            match = re.search(r'name="_submit_token" value="([^"]+)"', form)
            if match:
                return match.group(1)
    raise AssertionError(f"no form posting to {action_url} on {page_url}")


def _moves(source_type, source_id):
    return lambda: StockMove.objects.filter(source_type=source_type, source_id=source_id).count()


def _double_cases(w: World):
    """kind -> (count, expected increase, page with the form, action url, data, user)."""
    acts = _actions(w)
    wo_page = reverse("production:wo_detail", args=[w.wo.pk])

    def created(model):
        return model.objects.count

    return {
        "work order": (created(WorkOrder), 1, acts["wo_create"][0], None, acts["wo_create"][1], w.planner),
        "work order from a sales-order line": (
            created(WorkOrder),
            1,
            reverse("production:sales_lines"),
            acts["wo_from_sales_line"][0],
            {},
            w.planner,
        ),
        "kit picking": (created(Picking), 1, wo_page, *acts["wo_kit_pick"][:2], w.lead),
        "batch picking": (created(Picking), 1, wo_page, *acts["wo_qty_pick"][:2], w.lead),
        "return": (created(Picking), 1, wo_page, *acts["return"][:2], w.lead),
        "supplement": (created(Picking), 1, wo_page, *acts["supplement"][:2], w.lead),
        "merged picking": (created(Picking), 1, acts["merged_pick"][0], None, acts["merged_pick"][1], w.lead),
        "FG receipt": (created(FGReceipt), 1, wo_page, *acts["wo_receive"][:2], w.lead),
        "picking posting": (
            _moves("production.picking", w.pick.pk),
            1,  # one line of 4 A
            reverse("production:picking_detail", args=[w.pick.pk]),
            *acts["picking_confirm"][:2],
            w.clerk,
        ),
        "receipt posting": (
            _moves("production.fgreceipt", w.receipt.pk),
            2,  # 2 FG in, 1 kg C backflushed
            reverse("production:receipt_detail", args=[w.receipt.pk]),
            *acts["receipt_confirm"][:2],
            w.clerk,
        ),
    }


DOUBLE_KINDS = [
    "work order",
    "work order from a sales-order line",
    "kit picking",
    "batch picking",
    "return",
    "supplement",
    "merged picking",
    "FG receipt",
    "picking posting",
    "receipt posting",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", DOUBLE_KINDS)
def test_two_concurrent_identical_posts_create_one_document(kind, make_user):
    w = build_world(make_user)
    count, increase, page, action, data, user = _double_cases(w)[kind]
    action = action or page
    client = client_for(user)
    token = _token(client, page, action)
    before = count()
    responses = post_concurrently(user, action, {**data, "_submit_token": token}, n=2)
    assert count() == before + increase, [(r.status_code, r.get("Location")) for r in responses]
    assert [r.status_code for r in responses] == [302, 302]
    assert len({r["Location"] for r in responses}) == 1
    # a later replay of the token does nothing either
    client.post(action, {**data, "_submit_token": token})
    assert count() == before + increase
    for model in (WorkOrder, Picking, FGReceipt):
        numbers = list(model.objects.values_list("number", flat=True))
        assert len(numbers) == len(set(numbers))
    if kind == "picking posting":
        assert on_hand("A", w.rm) == 60 - 10 - 4
    if kind == "receipt posting":
        assert on_hand("FG", f.warehouse("FG")) == 2 and on_hand("C", w.rm) == 20 - 1


# --------------------------------------------------------------------------- the input sweep
def _sweep_cases(w: World):
    """name -> (user, url, good data, {field: (bad values, label named in the message)})."""
    acts = _actions(w)
    pick_line = w.pick.lines.get()
    a1 = _mat(w.wo)
    return {
        "wo_create": (
            w.planner,
            acts["wo_create"][0],
            acts["wo_create"][1],
            {
                "qty": (BAD_NUMBERS, "quantity"),
                "receipt_tolerance_pct": ([*BAD_NUMBERS, "150", "-1"], "over-receipt tolerance"),
                "issue_tolerance_pct": ([*BAD_NUMBERS, "100.5"], "over-issue tolerance"),
                "planned_start": (BAD_DATES, None),
                "planned_finish": (BAD_DATES, None),
                "item": (BAD_IDS, None),
                "warehouse": (BAD_IDS, None),
            },
        ),
        "wo_scrap": (
            w.lead,
            acts["wo_scrap"][0],
            acts["wo_scrap"][1],
            {"qty": ([*BAD_NUMBERS, "0"], "scrap quantity")},
        ),
        "wo_material_update": (
            w.lead,
            acts["wo_material_update"][0],
            acts["wo_material_update"][1],
            {"required": (BAD_NUMBERS, "line 10 required quantity")},
        ),
        "wo_kit_pick": (
            w.lead,
            acts["wo_kit_pick"][0],
            acts["wo_kit_pick"][1],
            {"target_sets": ([*BAD_NUMBERS, "-1"], "target sets"), "pick_date": (BAD_DATES, "picking date")},
        ),
        "wo_qty_pick": (
            w.lead,
            acts["wo_qty_pick"][0],
            acts["wo_qty_pick"][1],
            {
                f"qty_{a1.pk}": ([*BAD_NUMBERS, "-1"], "line 10 quantity"),
                "pick_date": (BAD_DATES, "picking date"),
                "mode": (["abc", "kit", "merged"], "mode"),
            },
        ),
        "return": (
            w.lead,
            acts["return"][0],
            acts["return"][1],
            {f"qty_{a1.pk}": (BAD_NUMBERS, "line 10 quantity")},
        ),
        "supplement": (
            w.lead,
            acts["supplement"][0],
            acts["supplement"][1],
            {f"qty_{a1.pk}": (BAD_NUMBERS, "line 10 quantity")},
        ),
        "merged_pick": (
            w.lead,
            acts["merged_pick"][0],
            acts["merged_pick"][1],
            {"work_orders": (BAD_IDS, "work order"), "pick_date": (BAD_DATES, "picking date")},
        ),
        "wo_receive": (
            w.lead,
            acts["wo_receive"][0],
            acts["wo_receive"][1],
            {
                "qty": ([*BAD_NUMBERS, "0", "-2"], "receipt quantity"),
                "receipt_date": (BAD_DATES, "receipt date"),
                "warehouse": (BAD_IDS, "warehouse"),
            },
        ),
        "picking_confirm": (
            w.clerk,
            acts["picking_confirm"][0],
            acts["picking_confirm"][1],
            {f"issue_{pick_line.pk}": ([*BAD_NUMBERS, "-1"], "line 10 issue quantity")},
        ),
    }


SWEEP = [
    ("wo_create", "qty"),
    ("wo_create", "receipt_tolerance_pct"),
    ("wo_create", "issue_tolerance_pct"),
    ("wo_create", "planned_start"),
    ("wo_create", "planned_finish"),
    ("wo_create", "item"),
    ("wo_create", "warehouse"),
    ("wo_scrap", "qty"),
    ("wo_material_update", "required"),
    ("wo_kit_pick", "target_sets"),
    ("wo_kit_pick", "pick_date"),
    ("wo_qty_pick", "qty"),
    ("wo_qty_pick", "pick_date"),
    ("wo_qty_pick", "mode"),
    ("return", "qty"),
    ("supplement", "qty"),
    ("merged_pick", "work_orders"),
    ("merged_pick", "pick_date"),
    ("wo_receive", "qty"),
    ("wo_receive", "receipt_date"),
    ("wo_receive", "warehouse"),
    ("picking_confirm", "issue"),
]


@pytest.mark.parametrize(("case", "field"), SWEEP)
def test_every_bad_input_is_refused_with_a_message(case, field, world):
    user, url, good, fields = _sweep_cases(world)[case]
    key = next(k for k in fields if k == field or k.startswith(f"{field}_"))
    bad_values, label = fields[key]
    client = client_for(user)
    before = snapshot()  # a refused input writes nothing, so one snapshot serves every value
    for bad in bad_values:
        value = [bad, *good[key][1:]] if isinstance(good.get(key), list) else bad
        response = client.post(url, {**good, key: value}, follow=True)
        try:
            assert_refused(response, before, field=label)
        except AssertionError as exc:
            raise AssertionError(f"{case} {key}={bad[:30]!r}: {exc}") from None


def test_the_sweep_messages_are_in_chinese_for_a_chinese_user(world):
    url, data, _allowed = _actions(world)["wo_receive"]
    before = snapshot()
    response = client_for(world.lead, "zh-hans").post(url, {**data, "qty": "12,5"}, follow=True)
    assert_refused(response, before)
    shown = " ".join(str(m) for m in response.context["messages"])
    assert re.search(r"[\u4e00-\u9fff]", shown) and "12,5" in shown, shown


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.one_of(
        st.text(max_size=25),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(str),
        st.sampled_from([*BAD_NUMBERS, "1,000", "0.5", "10", "10.000001"]),
    )
)
def test_any_receipt_quantity_is_a_receipt_or_a_message(raw, world):
    """Whatever is typed into the receipt box: a draft receipt of exactly the typed quantity
    (within the 10 receivable), or a message and nothing written — never a 500."""
    from django.core.exceptions import ValidationError

    from erp.input import parse_quantity

    url, data, _allowed = _actions(world)["wo_receive"]
    try:
        expected = parse_quantity(raw, label="q", positive=True)
    except ValidationError:
        expected = None
    if expected is not None and expected > 10:
        expected = None
    last = FGReceipt.objects.order_by("-pk").values_list("pk", flat=True).first()
    before = snapshot()
    response = client_for(world.lead).post(url, {**data, "qty": raw})
    assert response.status_code == 302
    if expected is None:
        assert not changed(before)
    else:
        new = FGReceipt.objects.filter(pk__gt=last).get()
        assert new.qty == expected and new.status == "draft"


# --------------------------------------------------------------------------- refusals with meaning
def test_a_picking_confirmed_with_quantity_zero_is_refused(world):
    line = world.pick.lines.get()
    url = reverse("production:picking_confirm", args=[world.pick.pk])
    before, state = snapshot(), _state()
    response = client_for(world.clerk).post(url, {f"issue_{line.pk}": "0"}, follow=True)
    assert_refused(response, before, field="every issue quantity is zero")
    world.pick.refresh_from_db()
    assert world.pick.status == "draft" and _state() == state


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("wo_receive", {"qty": "0"}, "greater than 0"),
        ("wo_scrap", {"qty": "0"}, "greater than 0"),
        ("wo_qty_pick", {"qty_A": "0"}, "every quantity is zero"),
        ("wo_kit_pick", {"target_sets": "0"}, "every quantity is zero"),
    ],
)
def test_zero_where_a_movement_is_needed_is_refused(name, data, message, world):
    url, good, _allowed = _actions(world)[name]
    if "qty_A" in data:
        data = {f"qty_{_mat(world.wo).pk}": data["qty_A"]}
    before = snapshot()
    response = client_for(world.lead).post(url, {**good, **data}, follow=True)
    assert_refused(response, before, field=message)


def test_thousands_separators_are_read_as_such(world):
    url, data, _allowed = _actions(world)["wo_create"]
    response = client_for(world.planner).post(url, {**data, "qty": "1,000"})
    assert response.status_code == 302
    assert WorkOrder.objects.order_by("-pk").first().qty == D(1000)
    url, data, _allowed = _actions(world)["wo_material_update"]
    client_for(world.lead).post(url, {**data, "required": "1,000.5"})
    assert _mat(world.wo2).required == D("1000.5")


def test_planned_finish_before_the_start_is_refused(world):
    url, data, _allowed = _actions(world)["wo_create"]
    before = snapshot()
    response = client_for(world.planner).post(url, {**data, "planned_finish": "2026-06-01"}, follow=True)
    assert_refused(response, before, field="before the planned start")


def test_a_receipt_above_what_may_be_received_is_refused(world):
    url, data, _allowed = _actions(world)["wo_receive"]
    before = snapshot()
    response = client_for(world.lead).post(url, {**data, "qty": "10.5"}, follow=True)
    assert_refused(response, before, field="at most 10 more")


def test_next_never_leaves_the_site(world):
    """A refused make-to-order (the line is covered already) goes back only to a page of ours."""
    wos.work_order_from_sales_line(sales_order_line_id=world.line.pk)
    url = reverse("production:wo_from_sales_line", args=[world.line.pk])
    for target in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]:
        response = client_for(world.planner).post(url, {"next": target})
        assert response.status_code == 302 and response["Location"] == reverse("production:sales_lines")
    response = client_for(world.planner).post(url, {"next": f"/crm/orders/{world.line.order_id}/"})
    assert response["Location"] == f"/crm/orders/{world.line.order_id}/"


# --------------------------------------------------------------------------- missing objects, foreign lines
def _detail_and_action_urls(pk, wo_pk):
    return [
        ("get", f"/production/wo/{pk}/"),
        ("get", f"/production/pickings/{pk}/"),
        ("get", f"/production/receipts/{pk}/"),
        *[
            ("post", f"/production/wo/{pk}/{action}/")
            for action in ("release", "start", "close", "cancel", "children", "scrap", "kit-pick", "pick", "receive")
        ],
        ("post", f"/production/wo/{pk}/material/1/"),
        ("post", f"/production/wo/{wo_pk}/material/{pk}/"),
        ("post", f"/production/from-sales-line/{pk}/"),
        ("post", f"/production/pickings/{pk}/confirm/"),
        ("post", f"/production/pickings/{pk}/cancel/"),
        ("post", f"/production/receipts/{pk}/confirm/"),
        ("post", f"/production/receipts/{pk}/cancel/"),
    ]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_missing_objects_are_404(bad_id, world):
    client = client_for(world.boss)
    before = snapshot()
    for method, url in _detail_and_action_urls(bad_id, world.wo.pk):
        response = getattr(client, method)(url, {"qty": "1", "required": "1", "receipt_date": DAY.isoformat()})
        assert response.status_code == 404, (method, url, response.status_code)
    assert not changed(before)


def test_lines_of_another_document_are_404_and_change_nothing(world):
    w = world
    boss = client_for(w.boss)
    before, state = snapshot(), _state()
    other_line = w.other_pick.lines.get()
    own_line = w.pick.lines.get()
    # a picking line of another picking posted to this picking's confirm
    response = boss.post(
        reverse("production:picking_confirm", args=[w.pick.pk]),
        {f"issue_{own_line.pk}": "4", f"issue_{other_line.pk}": "2"},
    )
    assert response.status_code == 404
    # a material line of another work order in a batch picking, a return, a line update
    for mode in ("batch", "return", "supplement"):
        response = boss.post(
            reverse("production:wo_qty_pick", args=[w.wo.pk]),
            {"mode": mode, f"qty_{_mat(w.wo2).pk}": "1", "reason": "x"},
        )
        assert response.status_code == 404, mode
    response = boss.post(reverse("production:wo_material_update", args=[w.wo.pk, _mat(w.wo2).pk]), {"required": "1"})
    assert response.status_code == 404
    assert not changed(before) and _state() == state


# --------------------------------------------------------------------------- ISO dates in zh-hans
def _date_inputs(html: str) -> list[str]:
    return re.findall(r"<input\b[^>]*\btype=\"date\"[^>]*>", html)


@pytest.mark.parametrize("page", ["wo_create", "wo_detail", "merged_pick"])
def test_date_inputs_render_iso_in_chinese(page, world):
    from django.utils import timezone

    url = {
        "wo_create": reverse("production:wo_create"),
        "wo_detail": reverse("production:wo_detail", args=[world.wo.pk]),
        "merged_pick": reverse("production:merged_pick"),
    }[page]
    response = client_for(world.lead, "zh-hans").get(url)
    html = response.content.decode()
    assert response.status_code == 200 and 'lang="zh-hans"' in html
    inputs = _date_inputs(html)
    assert inputs, page
    today = timezone.localdate()
    for tag in inputs:
        value = re.search(r'value="([^"]*)"', tag).group(1)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), tag
    assert f'value="{today.isoformat()}"' in html
    if page == "wo_create":
        finish = (today + datetime.timedelta(days=7)).isoformat()
        assert re.search(rf'name="planned_finish" value="{finish}"', html) or f'value="{finish}"' in html
