"""Master data and users of the end-to-end loop (tests/e2e), written through the apps' services.

Run in the e2e database by the fixture: `python -m tests.e2e.seed` with DATABASE_URL set. Nothing
here enters documents: every document of the loop is entered in the browser by its role.

The bicycle of the loop (all purchased prices excl. tax):
    E2E-BIKE (make to order, lead time 2 days) = 2 × E2E-A (manual) + 1 × E2E-C (backflush)
                                               + 1 × E2E-SA (manual, outsourced)
    E2E-SA (outsourced to S-SUB at a fee of 5.00, lead time 4 days, MOQ 5) = 1 × E2E-B
    E2E-A 10.00 (3 days), E2E-B 4.00 (2 days), E2E-C 6.00 (3 days), all from S-PARTS
"""

import datetime
import os
from decimal import Decimal

PASSWORD = "E2e-pass-2026"
# username -> role (group)
USERS = {
    "e2e_marketing": "市场",
    "e2e_sales": "销售",
    "e2e_planner": "计划",
    "e2e_buyer": "采购",
    "e2e_warehouse": "仓库",
    "e2e_production": "生产",
    "e2e_cost": "成本会计",
    "e2e_bookkeeper": "会计",
}
PRICES = {"E2E-A": "10.00", "E2E-B": "4.00", "E2E-C": "6.00"}
FEE = "5.00"
TAX_CODE = "1090305000000000000"  # 自行车 (19 digits)


def seed() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from bom.services import LineInput, bom_approve, bom_create
    from crm.models import ItemTaxCode
    from erp.models import CompanySettings, Period
    from erp.roles import sync_roles
    from inventory.models import Item, Supplier, UnitOfMeasure, Warehouse
    from ledger.services.accounts import ensure_default_chart
    from procurement.models import SupplierPrice

    # the roles and the default chart of accounts, as post_migrate makes them (idempotent)
    sync_roles()
    ensure_default_chart()
    company = CompanySettings.get()
    if not company.tax_id:
        company.tax_id = "91330200E2E0000001"
        company.save()
    today = datetime.date.today()
    Period.objects.get_or_create(year=today.year, month=today.month)
    User = get_user_model()
    for username, role in USERS.items():
        user = User.objects.create_user(username=username, password=PASSWORD, first_name=username[4:])
        user.groups.add(Group.objects.get(name=role))

    pcs = UnitOfMeasure.objects.get_or_create(code="pcs", defaults={"name": "pcs"})[0]
    rm = Warehouse.objects.create(code="E2E-RM", name="原材料仓 RM")
    fg = Warehouse.objects.create(code="E2E-FG", name="成品仓 FG")
    parts = Supplier.objects.create(code="S-PARTS", name="宁波配件 Parts Co.")
    sub = Supplier.objects.create(code="S-SUB", name="台州委外 Subcontractor Co.")

    def item(code, name, supply_type, lead, **kw):
        return Item.objects.create(
            code=code,
            name=name,
            uom=pcs,
            supply_type=supply_type,
            lead_time_days=lead,
            default_warehouse=kw.pop("wh", rm),
            **kw,
        )

    a = item("E2E-A", "车架管 frame tube", "purchase", 3, default_supplier=parts)
    b = item("E2E-B", "钢坯 steel blank", "purchase", 2, default_supplier=parts)
    c = item("E2E-C", "螺栓包 bolt kit", "purchase", 3, default_supplier=parts)
    sa = item("E2E-SA", "电镀前叉 plated fork", "outsource", 4, default_supplier=sub, min_order_qty=Decimal(5))
    bike = item("E2E-BIKE", "E2E 城市自行车 city bike", "manufacture", 2, wh=fg, make_to_order=True)
    ItemTaxCode.objects.create(item=bike, code=TAX_CODE, invoice_name="自行车")
    for it in (a, b, c):
        SupplierPrice.objects.create(
            supplier=parts, item=it, price=Decimal(PRICES[it.code]), lead_time_days=it.lead_time_days
        )
    SupplierPrice.objects.create(supplier=sub, item=sa, price=Decimal(FEE), lead_time_days=4)

    bom_approve(
        bom_id=bom_create(
            item_id=sa.pk, lines=[LineInput(component_id=b.pk, qty_per=Decimal(1), issue_warehouse_id=rm.pk)]
        ).pk
    )
    bom_approve(
        bom_id=bom_create(
            item_id=bike.pk,
            lines=[
                LineInput(component_id=a.pk, qty_per=Decimal(2), issue_warehouse_id=rm.pk),
                LineInput(component_id=c.pk, qty_per=Decimal(1), issue_method="backflush", issue_warehouse_id=rm.pk),
                LineInput(component_id=sa.pk, qty_per=Decimal(1), issue_warehouse_id=rm.pk),
            ],
        ).pk
    )
    # today's plan (empty): from now on net change keeps it current without anyone starting a run
    call_command("mrp_run", date=today.isoformat(), verbosity=0)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.e2e.settings")
    import django

    django.setup()
    seed()
