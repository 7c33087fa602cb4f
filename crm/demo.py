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
# source: a campaign channel code (crm.states.CampaignChannel), shown in the user's language
LEADS = [("宁波海港自行车贸易", "钱先生", "trade_fair"), ("无锡校园服务中心", "孙老师", "website")]
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
        Forecast.objects.get_or_create(item=bike, date=month, opportunity=None, defaults={"qty": D("50")})
    seed_marketing(out, user, bike, today)
    seed_demand_link(out, user, bike, today)
    out.write(
        f"CRM: {len(customers)} customers, {Opportunity.objects.count()} opportunities, "
        f"{SalesOrder.objects.count()} sales orders.\n"
    )


# --------------------------------------------------------------------------- marketing (issue 19)
CAMPAIGNS = [
    # name, channel, days ago (start), cost lines, leads, converted, won (qty of BK-100 at 1180)
    ("2026 上海国际自行车展", "trade_fair", 60, [("展位费", "20000"), ("名片与物料印刷", "10000")], 12, 4, [30, 20]),
    ("百度搜索推广 Q4", "online_ads", 45, [("关键词竞价", "8000")], 6, 2, [10]),
    ("微信公众号 骑行季", "wechat", 20, [("推文与小程序活动", "3000")], 5, 1, []),
]


def seed_marketing(out, user, bike, today) -> None:
    """Three campaigns with costs, leads, opportunities and won orders (ROI has numbers), a
    customer touched by two campaigns (first vs last touch) and one duplicate lead. Idempotent."""
    from .models import Campaign, Lead
    from .services import marketing
    from .services.customers import lead_convert

    if Campaign.objects.filter(name=CAMPAIGNS[0][0]).exists():
        return
    marketer = get_user_model().objects.filter(username="marketing").first()
    created = {}
    for n, (name, channel, days, costs, leads, converted, wins) in enumerate(CAMPAIGNS):
        start = today - datetime.timedelta(days=days)
        c = marketing.campaign_create(
            name=name,
            channel=channel,
            start_date=start,
            end_date=start + datetime.timedelta(days=14),
            budget=sum((D(a) for _d, a in costs), D(0)) + D("2000"),
            owner=marketer,
            segment="自行车经销商、租赁公司",
            user=marketer,
        )
        marketing.campaign_set_status(campaign_id=c.pk, status="active", user=marketer)
        for desc, amount in costs:
            marketing.campaign_cost_add(campaign_id=c.pk, date=start, description=desc, amount=D(amount), user=marketer)
        rows = []
        for i in range(leads):
            lead = marketing.campaign_lead_create(
                campaign_id=c.pk,
                company=f"{name[:4]}客户{i + 1:02d}贸易有限公司",
                contact_name=f"联系人{i + 1}",
                phone=f"139{n:02d}{i:06d}",
                user=marketer,
            )
            Lead.objects.filter(pk=lead.pk).update(
                created_at=timezone.make_aware(
                    datetime.datetime.combine(start + datetime.timedelta(days=1), datetime.time(10))
                )
            )
            rows.append(lead)
        for i, lead in enumerate(rows[:converted]):
            opp = lead_convert(lead_id=lead.pk, user=user, amount=D("1180") * D(20))
            if i < len(wins):
                opportunity_move(opportunity_id=opp.pk, stage="won", user=user)
                if bike is not None:
                    so = order_create(
                        customer_id=opp.customer_id,
                        user=user,
                        order_date=today,
                        opportunity_id=opp.pk,
                        lines=[LineInput(bike.pk, D(wins[i]), D("1180"), today + datetime.timedelta(days=30))],
                    )
                    order_confirm(order_id=so.pk, user=user, today=today)
        created[channel] = (c, rows)
    fair, fair_leads = created["trade_fair"]
    wechat, _rows = created["wechat"]
    won_customer = Lead.objects.get(pk=fair_leads[0].pk).customer_id
    marketing.customer_touch_add(
        campaign_id=wechat.pk,
        customer_id=won_customer,
        user=marketer,
        at=timezone.now() - datetime.timedelta(days=10),
        note="公众号活动报名",
    )
    # a business card collected twice: shows in the duplicates report
    marketing.campaign_lead_create(
        campaign_id=wechat.pk,
        company=fair_leads[5].company.replace("有限公司", "有限责任公司"),
        phone=fair_leads[5].phone,
        user=marketer,
    )
    out.write(f"CRM marketing: {Campaign.objects.count()} campaigns.\n")


def seed_demand_link(out, user, bike, today) -> None:
    """Demand link (issue 19): products on the open demo opportunities and their probability-
    weighted forecast for next month (备货生产 from the pipeline), kept with its source."""
    from .models import OpportunityLine
    from .services.demand import opportunity_forecasts_create, opportunity_line_add

    open_stages = ["initial", "needs", "proposal", "negotiation"]
    for n, opp in enumerate(Opportunity.objects.filter(stage__in=open_stages).order_by("pk")[:3]):
        if not OpportunityLine.objects.filter(opportunity=opp).exists():
            opportunity_line_add(
                opportunity_id=opp.pk, item_id=bike.pk, qty=D(str(20 + 10 * n)), unit_price=D("1180"), user=user
            )
    month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    if not Forecast.objects.filter(date=month, opportunity__isnull=False).exists():
        ids = list(
            OpportunityLine.objects.filter(opportunity__stage__in=open_stages).values_list("opportunity_id", flat=True)
        )
        if ids:
            made = opportunity_forecasts_create(month=month, user=user, opportunity_ids=sorted(set(ids)))
            out.write(f"CRM: {len(made)} forecast entries from the pipeline for {month:%Y-%m}.\n")
