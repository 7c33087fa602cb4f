"""Ledger demo: the default chart, opening balances that agree with the opening stock, a wages
voucher entered by the bookkeeper and audited by the administrator. The documents of the other
demos carry their vouchers already (they are posted as the documents are)."""

import datetime
from collections import defaultdict
from decimal import Decimal as D

from django.contrib.auth import get_user_model
from django.db.models import Min, Sum
from django.utils import timezone

from erp.fields import ZERO
from inventory.models import StockMove

from .models import OpeningBalance, Voucher
from .services.accounts import ensure_default_chart, stock_accounts
from .services.vouchers import LineSpec, voucher_audit, voucher_create, voucher_post

MARK = "演示：车间工资"
BANK = D("500000.00")


def _opening(out) -> None:
    if OpeningBalance.objects.exists():
        return
    first = StockMove.objects.aggregate(d=Min("move_date"))["d"] or timezone.localdate()
    vouchered = set(Voucher.objects.values_list("source_type", "source_id"))
    values: dict[tuple[int, int], D] = defaultdict(lambda: ZERO)
    for r in (
        StockMove.objects.values("source_type", "source_id", "item_id", "warehouse_id")
        .annotate(v=Sum("value"))
        .order_by()
    ):
        if (r["source_type"], r["source_id"]) not in vouchered:
            values[(r["item_id"], r["warehouse_id"])] += r["v"] or ZERO
    accounts = stock_accounts(set(values)) if values else {}
    per_account: dict[str, D] = defaultdict(lambda: ZERO)
    for pair, v in values.items():
        per_account[accounts[pair]] += v
    from .services.accounts import accounts_by_code

    by_code = accounts_by_code()
    total = BANK
    rows = [OpeningBalance(year=first.year, month=first.month, account=by_code["1002"], debit=BANK)]
    for code, v in sorted(per_account.items()):
        if v:
            rows.append(OpeningBalance(year=first.year, month=first.month, account=by_code[code], debit=v))
            total += v
    rows.append(OpeningBalance(year=first.year, month=first.month, account=by_code["3001"], credit=total))
    OpeningBalance.objects.bulk_create(rows)
    out.write(f"ledger opening balances {first:%Y-%m}: {len(rows)} accounts, total {total:,.2f}")


def seed(out) -> None:
    ensure_default_chart()
    _opening(out)
    if Voucher.objects.filter(summary=MARK).exists():
        out.write("ledger demo already there")
        return
    User = get_user_model()
    maker = User.objects.filter(username="bookkeeper").first()
    auditor = User.objects.filter(username="admin").first()
    today = timezone.localdate()
    v = voucher_create(
        on_date=today.replace(day=1) + datetime.timedelta(days=min(today.day - 1, 4)),
        lines=[
            LineSpec("4101", debit=D("12000.00"), summary=MARK),
            LineSpec("5602", debit=D("8000.00"), summary="演示：管理人员工资"),
            LineSpec("2211", credit=D("20000.00"), summary=MARK),
        ],
        summary=MARK,
        user=maker,
    )
    voucher_audit(voucher_id=v.pk, user=auditor)
    voucher_post(voucher_id=v.pk, user=auditor)
    _sales(out, maker)
    out.write(f"ledger demo: {Voucher.objects.count()} vouchers")


def _sales(out, user) -> None:
    """Deliver, invoice and collect one confirmed sales order that the stock can serve, so the
    demo books show revenue, cost of sales, receivables and VAT."""
    from django.db import transaction

    from crm.models import SalesOrder
    from crm.services.deliveries import delivery_confirm, delivery_create
    from crm.services.invoices import invoice_confirm, invoice_create_from_deliveries
    from crm.services.receipts import receipt_confirm, receipt_create
    from crm.states import OrderStatus
    from erp.errors import DomainError
    from inventory.models import StockBalance

    for so in SalesOrder.objects.filter(status=OrderStatus.CONFIRMED).prefetch_related("lines").order_by("pk"):
        lines = [ln for ln in so.lines.all() if ln.qty - ln.delivered_qty > 0]
        if not lines:
            continue
        need = {ln.item_id: ln.qty - ln.delivered_qty for ln in lines}
        for bal in StockBalance.objects.filter(item_id__in=list(need)).order_by("-qty"):
            if all(
                StockBalance.objects.filter(item_id=i, warehouse_id=bal.warehouse_id, qty__gte=q).exists()
                for i, q in need.items()
            ):
                try:
                    with transaction.atomic():
                        dn = delivery_create(order_id=so.pk, warehouse_id=bal.warehouse_id, user=user)
                        delivery_confirm(delivery_id=dn.pk, user=user)
                        inv = invoice_create_from_deliveries(delivery_ids=[dn.pk], user=user)
                        invoice_confirm(invoice_id=inv.pk, user=user)
                        inv.refresh_from_db()
                        rc = receipt_create(
                            customer_id=inv.customer_id, amount=inv.total, user=user, allocations={inv.pk: inv.total}
                        )
                        receipt_confirm(receipt_id=rc.pk, user=user)
                except DomainError as exc:
                    out.write(f"ledger demo: sales of {so} skipped ({exc})")
                    break
                out.write(f"ledger demo: {so} delivered, invoiced ({inv.total:,.2f}) and collected")
                return
