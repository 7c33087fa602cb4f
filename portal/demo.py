"""Demo of the supplier portal: two suppliers and one subcontractor with portal users (password
tiangong123) and open documents: `supplier` (S004 宁波顺达五金, its lines still to confirm),
`supplier2` (S002 厦门正新橡胶, a shipping notice on its way), `subcon` (S003 昆山华美涂装厂,
its outsourcing order with our material at its site). Idempotent."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from erp.demo import DEMO_PASSWORD
from erp.errors import DomainError
from inventory.models import Supplier
from procurement.models import PurchaseOrder
from procurement.states import OrderStatus

from . import services
from .models import ShippingNotice, SupplierUser

USERS = [
    # username, supplier code, full name
    ("supplier", "S004", "郑供应商"),
    ("supplier2", "S002", "林正新"),
    ("subcon", "S003", "周涂装"),
]


def seed(out):
    suppliers = Supplier.objects.in_bulk([code for _u, code, _n in USERS], field_name="code")
    if len(suppliers) < len(USERS):
        out.write("portal demo skipped: demo suppliers missing")
        return
    User = get_user_model()
    group = Group.objects.get(name="供应商")
    users = {}
    for username, code, full_name in USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(group)
        SupplierUser.objects.get_or_create(user=user, defaults={"supplier": suppliers[code]})
        users[code] = user
    if ShippingNotice.objects.exists():
        out.write("portal demo already there")
        return
    today = timezone.localdate()
    po = PurchaseOrder.objects.filter(supplier=suppliers["S002"], status=OrderStatus.CONFIRMED).first()
    line = po.lines.filter(closed=False).first() if po else None
    if line is not None:
        try:
            services.shipping_notice_create(
                order_id=po.pk,
                lines=[(line.pk, min(line.open_qty, line.qty / 2), "ZX-2026-118")],
                ship_date=today,
                expected_date=today + datetime.timedelta(days=2),
                carrier="顺丰速运",
                tracking_no="SF1402886655",
                user=users["S002"],
            )
            services.line_confirm(line_id=line.pk, user=users["S002"])
        except DomainError as exc:
            out.write(f"portal demo: shipping notice skipped ({exc})")
    out.write("portal demo ready (logins supplier, supplier2, subcon)")
