"""Demo sales data: customers, a pipeline, open orders of the demo bicycle BK-100. Idempotent."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from inventory.models import Item

from .models import Customer, Forecast, ItemTaxCode, Lead, Opportunity, SalesOrder
from .services.customers import followup_add, opportunity_move
from .services.orders import LineInput, order_confirm, order_create

D = Decimal
CUSTOMERS = [
    # code, name, contact, phone, level, industry, credit limit, tax id
    ("C001", "上海骑乐自行车商行", "陈经理", "021-55550001", "A", "零售", "500000", "91310000MA1K000011"),
    ("C002", "杭州绿道单车租赁有限公司", "周总", "0571-8888002", "A", "租赁", "300000", "91330100MA2B000022"),
    ("C003", "苏州学府文体用品店", "刘老板", "0512-6666003", "B", "零售", "80000", "92320500MA1C000033"),
    ("C004", "南京快递物流有限公司", "吴主管", "025-4444004", "B", "物流", "0", "91320100MA1D000044"),
    ("C005", "合肥城市骑行俱乐部", "郑会长", "0551-2222005", "C", "社团", "0", ""),
]
PIPELINE = [
    # name, customer, amount, stage reached (lost: "lost@stage")
    ("骑乐 2026 春季补货", "C001", "164000", "negotiation"),
    ("绿道 共享车队更新 300 台", "C002", "246000", "proposal"),
    ("学府 开学季促销", "C003", "41000", "needs"),
    ("快递 配送车试点", "C004", "82000", "initial"),
    ("骑乐 门店陈列车", "C001", "16400", "won"),
    ("俱乐部 团购", "C005", "24600", "lost@proposal"),
]
LEADS = [("宁波海港自行车贸易", "钱先生", "展会"), ("无锡校园服务中心", "孙老师", "官网")]
TAX_CODES = {"BK-100": "1090305010000000000"}


def seed(out):
    user = get_user_model().objects.filter(username="sales").first()
    today = timezone.localdate()
    customers = {}
    for code, name, contact, phone, level, industry, limit, tax_id in CUSTOMERS:
        customers[code] = Customer.objects.get_or_create(
            code=code,
            defaults=dict(
                name=name,
                contact=contact,
                phone=phone,
                level=level,
                industry=industry,
                credit_limit=D(limit),
                tax_id=tax_id,
                owner=user,
                claimed_at=timezone.now(),
                payment_terms_days=30,
            ),
        )[0]
    for company, contact, source in LEADS:
        Lead.objects.get_or_create(company=company, defaults={"contact_name": contact, "source": source, "owner": user})
    order = ["initial", "needs", "proposal", "negotiation", "won"]
    for name, code, amount, target in PIPELINE:
        opp, created = Opportunity.objects.get_or_create(
            name=name,
            defaults=dict(
                customer=customers[code], owner=user, amount=D(amount), close_date=today + datetime.timedelta(days=30)
            ),
        )
        if not created:
            continue
        final = target.split("@")[1] if target.startswith("lost") else target
        for st in order[1 : order.index(final) + 1]:
            opportunity_move(opportunity_id=opp.pk, stage=st, user=user)
        if target.startswith("lost"):
            opportunity_move(opportunity_id=opp.pk, stage="lost", user=user, lost_reason="价格高于竞品")
        if user:
            followup_add(
                user=user,
                customer_id=customers[code].pk,
                opportunity_id=opp.pk,
                content="电话沟通需求与交期",
                next_date=today + datetime.timedelta(days=3),
            )
    bike = Item.objects.filter(code="BK-100").first()
    if bike is None:
        out.write("CRM: BK-100 missing, no orders.\n")
        return
    for code, tax in TAX_CODES.items():
        item = Item.objects.filter(code=code).first()
        if item:
            ItemTaxCode.objects.get_or_create(item=item, defaults={"code": tax})
    if not SalesOrder.objects.filter(customer__code__in=list(customers)).exists():
        for code, qty, days in [("C001", 8, 7), ("C002", 60, 21), ("C003", 20, 35)]:
            so = order_create(
                customer_id=customers[code].pk,
                user=user,
                order_date=today,
                lines=[LineInput(bike.pk, D(qty), D("1180"), today + datetime.timedelta(days=days))],
            )
            order_confirm(order_id=so.pk, user=user, today=today)
        order_create(
            customer_id=customers["C004"].pk,
            user=user,
            order_date=today,
            lines=[LineInput(bike.pk, D("10"), D("1150"), today + datetime.timedelta(days=28))],
        )
    first = today.replace(day=1)
    for m in range(1, 4):
        month = (first + datetime.timedelta(days=32 * m)).replace(day=1)
        Forecast.objects.get_or_create(item=bike, date=month, defaults={"qty": D("50")})
    out.write(
        f"CRM: {len(customers)} customers, {Opportunity.objects.count()} opportunities, "
        f"{SalesOrder.objects.count()} sales orders.\n"
    )
