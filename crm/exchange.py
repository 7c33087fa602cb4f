"""customers.csv (order 5), sales_orders.csv (50), forecasts.csv (55) on the exchange engine.

Rows are validated first (errors name file, line, column), then written with one lookup per
table. Re-importing the same files changes nothing: customers match by code, order lines by
(order_no, line_no), forecasts by (item_code, date). Imported sales orders are confirmed
(open documents carried over from the old system: no credit check, no promise date).
"""

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from erp.exchange import ExchangeFile, register
from erp.fields import ZERO, round_qty, to_decimal
from inventory.models import Item

from .engine import line_amounts
from .models import DEFAULT_TAX_RATE, Customer, Forecast, SalesOrder, SalesOrderLine
from .states import OrderStatus

CUSTOMER_COLUMNS = ["code", "name", "contact", "phone", "email", "address", "tax_id"]
ORDER_COLUMNS = [
    "order_no",
    "customer",
    "order_date",
    "line_no",
    "item_code",
    "qty",
    "delivered_qty",
    "due_date",
    "unit_price",
]
FORECAST_COLUMNS = ["item_code", "date", "qty"]


# --- customers.csv
def import_customers(rows, ctx):
    seen = set()
    parsed = []
    for row in rows:
        code = ctx.text(row, "code", max_length=40)
        name = ctx.text(row, "name", max_length=200)
        if code in seen:
            ctx.duplicate(row, "code", code)
        seen.add(code)
        # stored as given: migrated data often has placeholders ("N/A") in this column
        email = ctx.text(row, "email", required=False, max_length=254) or ""
        values = {
            "name": name,
            "contact": ctx.text(row, "contact", required=False, max_length=100) or "",
            "phone": ctx.text(row, "phone", required=False, max_length=50) or "",
            "email": email,
            "address": ctx.text(row, "address", required=False, max_length=300) or "",
            "tax_id": ctx.text(row, "tax_id", required=False, max_length=30) or "",
        }
        parsed.append((code, values))
    if ctx.failed:
        return
    existing = Customer.objects.in_bulk([c for c, _v in parsed], field_name="code")
    new, changed = [], []
    for code, values in parsed:
        obj = existing.get(code)
        if obj is None:
            new.append(Customer(code=code, **values))
        elif any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(obj, k, v)
            changed.append(obj)
    # bulk writes with their audit-trail rows (django-simple-history)
    bulk_create_with_history(new, Customer, batch_size=2000, default_user=ctx.user)
    if changed:
        bulk_update_with_history(changed, Customer, list(parsed[0][1].keys()), batch_size=2000, default_user=ctx.user)
    created, updated = len(new), len(changed)
    unchanged = len(parsed) - created - updated
    ctx.count(created=created, updated=updated, unchanged=unchanged)


def export_customers():
    for c in Customer.objects.order_by("code").iterator(chunk_size=2000):
        yield {k: getattr(c, k) for k in CUSTOMER_COLUMNS}


# --- sales_orders.csv
def import_sales_orders(rows, ctx):
    customers = dict(Customer.objects.values_list("code", "pk"))
    items = dict(Item.objects.values_list("code", "pk"))
    headers: dict[str, tuple] = {}
    lines: dict[tuple[str, int], dict] = {}
    for row in rows:
        no = ctx.text(row, "order_no", max_length=40)
        cust = ctx.text(row, "customer")
        order_date = ctx.date(row, "order_date")
        line_no = ctx.integer(row, "line_no", min_value=1)
        item_code = ctx.text(row, "item_code")
        qty = ctx.decimal(row, "qty", gt=ZERO)
        delivered = ctx.decimal(row, "delivered_qty", required=False, default=ZERO, min_value=ZERO)
        due = ctx.date(row, "due_date")
        price = ctx.decimal(row, "unit_price", required=False, default=ZERO, min_value=ZERO)
        ctx.amount_fits(row, "unit_price", qty, price)
        if cust and cust not in customers:
            ctx.error(row, "customer", _("'%(value)s' is not a customer") % {"value": cust})
        if item_code and item_code not in items:
            ctx.error(row, "item_code", _("'%(value)s' is not an item") % {"value": item_code})
        if qty is not None and delivered is not None and delivered > qty:
            ctx.error(
                row, "delivered_qty", _("'%(value)s' is more than the quantity") % {"value": row.get("delivered_qty")}
            )
        if no is None or line_no is None:
            continue
        head = (cust, order_date)
        if no in headers and headers[no] != head:
            ctx.error(row, "customer", _("order %(no)s has another customer or date on an earlier line") % {"no": no})
        headers.setdefault(no, head)
        if (no, line_no) in lines:
            ctx.duplicate(row, "line_no", f"{no}/{line_no}")
        lines[(no, line_no)] = {
            "item_id": items.get(item_code),
            "qty": qty,
            "delivered_qty": delivered,
            "due_date": due,
            "unit_price": price,
        }
    if ctx.failed:
        return
    now = timezone.now()
    existing = SalesOrder.objects.in_bulk(list(headers), field_name="number")
    created = updated = unchanged = 0
    order_ids = {}
    for no, (cust, order_date) in headers.items():
        order = existing.get(no)
        if order is None:
            order = SalesOrder.objects.create(
                number=no,
                customer_id=customers[cust],
                order_date=order_date,
                status=OrderStatus.CONFIRMED,
                confirmed_at=now,
                confirmed_by=ctx.user,
                created_by=ctx.user,
            )
        elif order.customer_id != customers[cust] or order.order_date != order_date:
            order.customer_id, order.order_date = customers[cust], order_date
            order.save(update_fields=["customer", "order_date", "updated_at"])
        order_ids[no] = order.pk
    old_lines = {
        (ln.order_id, ln.line_no): ln for ln in SalesOrderLine.objects.filter(order_id__in=list(order_ids.values()))
    }
    to_create, to_update = [], []
    for (no, line_no), v in lines.items():
        a = line_amounts(v["qty"], v["unit_price"], DEFAULT_TAX_RATE)
        values = {
            **v,
            "qty": round_qty(v["qty"]),
            "delivered_qty": round_qty(v["delivered_qty"]),
            "unit_price": round_qty(v["unit_price"]),
            "amount": a.amount,
            "tax_amount": a.tax,
        }
        ln = old_lines.get((order_ids[no], line_no))
        if ln is None:
            to_create.append(SalesOrderLine(order_id=order_ids[no], line_no=line_no, **values))
            created += 1
        elif any(getattr(ln, k) != val for k, val in values.items()):
            for k, val in values.items():
                setattr(ln, k, val)
            to_update.append(ln)
            updated += 1
        else:
            unchanged += 1
    SalesOrderLine.objects.bulk_create(to_create)
    if to_update:
        SalesOrderLine.objects.bulk_update(
            to_update, ["item_id", "qty", "delivered_qty", "due_date", "unit_price", "amount", "tax_amount"]
        )
    totals = defaultdict(lambda: [ZERO, ZERO])
    for oid, amount, tax in SalesOrderLine.objects.filter(order_id__in=list(order_ids.values())).values_list(
        "order_id", "amount", "tax_amount"
    ):
        totals[oid][0] += amount
        totals[oid][1] += tax
    changed = []
    for order in SalesOrder.objects.filter(pk__in=list(order_ids.values())):
        amount, tax = totals[order.pk]
        if (order.amount, order.tax_amount) != (amount, tax):
            order.amount, order.tax_amount, order.total = amount, tax, amount + tax
            changed.append(order)
    SalesOrder.objects.bulk_update(changed, ["amount", "tax_amount", "total"])
    ctx.count(created=created, updated=updated, unchanged=unchanged)


def export_sales_orders():
    qs = (
        SalesOrderLine.objects.filter(order__status=OrderStatus.CONFIRMED)
        .select_related("order__customer", "item")
        .order_by("order__number", "line_no")
    )
    for ln in qs.iterator(chunk_size=2000):
        yield {
            "order_no": ln.order.number,
            "customer": ln.order.customer.code,
            "order_date": ln.order.order_date,
            "line_no": ln.line_no,
            "item_code": ln.item.code,
            "qty": ln.qty,
            "delivered_qty": ln.delivered_qty,
            "due_date": ln.due_date,
            "unit_price": ln.unit_price,
        }


# --- forecasts.csv
def import_forecasts(rows, ctx):
    items = dict(Item.objects.values_list("code", "pk"))
    parsed = {}
    for row in rows:
        code = ctx.text(row, "item_code")
        day = ctx.date(row, "date")
        qty = ctx.decimal(row, "qty", min_value=ZERO)
        if code and code not in items:
            ctx.error(row, "item_code", _("'%(value)s' is not an item") % {"value": code})
            continue
        if code and day:
            if (code, day) in parsed:
                ctx.duplicate(row, "date", f"{code} {day}")
            parsed[(code, day)] = qty
    if ctx.failed:
        return
    # entries from the pipeline (with a source opportunity) are not part of the file (issue 19)
    existing = {
        (f.item_id, f.date): f
        for f in Forecast.objects.filter(item_id__in=[items[c] for c, _d in parsed], opportunity__isnull=True)
    }
    created = updated = unchanged = 0
    new, changed = [], []
    for (code, day), qty in parsed.items():
        f = existing.get((items[code], day))
        qty = round_qty(to_decimal(qty))
        if f is None:
            new.append(Forecast(item_id=items[code], date=day, qty=qty))
            created += 1
        elif f.qty != qty:
            f.qty = qty
            changed.append(f)
            updated += 1
        else:
            unchanged += 1
    Forecast.objects.bulk_create(new)
    Forecast.objects.bulk_update(changed, ["qty"])
    ctx.count(created=created, updated=updated, unchanged=unchanged)


def export_forecasts():
    manual = Forecast.objects.filter(opportunity__isnull=True).select_related("item")
    for f in manual.order_by("item__code", "date").iterator(chunk_size=2000):
        yield {"item_code": f.item.code, "date": f.date, "qty": f.qty}


def register_files() -> None:
    register(
        ExchangeFile(
            "customers.csv", CUSTOMER_COLUMNS, 5, import_customers, export_customers, required_columns=["code", "name"]
        )
    )
    register(
        ExchangeFile(
            "sales_orders.csv",
            ORDER_COLUMNS,
            50,
            import_sales_orders,
            export_sales_orders,
            required_columns=["order_no", "customer", "order_date", "line_no", "item_code", "qty", "due_date"],
        )
    )
    register(
        ExchangeFile(
            "forecasts.csv",
            FORECAST_COLUMNS,
            55,
            import_forecasts,
            export_forecasts,
            required_columns=["item_code", "date", "qty"],
        )
    )
