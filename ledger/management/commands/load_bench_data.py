"""Load the data set of the load test (issue #20) into an empty PostgreSQL database, with COPY.

    createdb -h 127.0.0.1 -U postgres tg_load && DATABASE_URL=.../tg_load python manage.py migrate
    DATABASE_URL=.../tg_load python manage.py load_bench_data          # 50k items, 100k SO lines, 1M moves

1. The 50,000-item BOM set of `bench_mrp` (6 levels, ~150,000 BOM lines, purchase orders, work
   orders, forecasts; its generator, with its random stock replaced by the history below).
2. `--sales-lines` sales-order lines (10 per order) numbered like the app numbers them
   (SO-<year>-000001, with the number sequence set to the last one), written with COPY.
3. `--moves` stock moves over the 12 months before this one, in two warehouses: receipts at the
   item's standard cost and issues at the running average, never below zero; written with COPY.
   The balances are rebuilt from the moves (ledger = balances) and the ledger gets opening
   balances equal to the moves' value per stock account (against 3001), so the books agree with
   the stock from the first day (reconciliation empty).
4. `--work-orders` released work orders (through the services, materials from the BOM) for the
   load test's kit picking; the bench purchase orders receive into the bench warehouse.
5. A superuser `loadtest` (password `--password`) for the locust users.
Prints the time of every step and the total.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

MONEY = Decimal("0.01")
QTY = Decimal("0.000001")


def copy_objects(model, objs) -> int:
    """COPY model instances (defaults and auto_now applied as a save would) into the model's table."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    n = 0
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {model._meta.db_table} ({cols}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
            n += 1
    return n


def copy_rows(table: str, columns: list[str], rows) -> int:
    n = 0
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)
            n += 1
    return n


class Command(BaseCommand):
    help = "Load the load-test data set (50k-item BOM set, sales-order lines, stock moves) with COPY into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=50_000)
        parser.add_argument("--sales-lines", type=int, default=100_000)
        parser.add_argument("--moves", type=int, default=1_000_000)
        parser.add_argument("--work-orders", type=int, default=200)
        parser.add_argument("--seed", type=int, default=20)
        parser.add_argument("--password", default="Load-test-2026")

    def handle(self, *args, items, sales_lines, moves, work_orders, seed, password, **opts):
        from inventory.models import Item

        if connection.vendor != "postgresql":
            raise CommandError("load_bench_data needs PostgreSQL (COPY).")
        if Item.objects.exists():
            raise CommandError("This database already has items: load into an empty (migrated) database of its own.")
        rng = random.Random(seed)
        t_all = time.perf_counter()
        self._step("BOM set (bench_mrp generator)", lambda: self._bom_set(rng, items))
        self._step("sales orders (COPY)", lambda: self._sales(rng, sales_lines))
        self._step("stock moves (COPY), balances, ledger opening", lambda: self._moves(rng, moves))
        self._step("released work orders (services)", lambda: self._work_orders(rng, work_orders))
        self._step("user, ANALYZE", lambda: self._finish(password))
        self.stdout.write(f"total {time.perf_counter() - t_all:.1f} s")

    def _step(self, name, fn):
        t0 = time.perf_counter()
        detail = fn()
        self.stdout.write(f"{name}: {detail} in {time.perf_counter() - t0:.1f} s")
        self.stdout.flush()

    # --- steps --------------------------------------------------------------------------------

    def _bom_set(self, rng, n):
        from inventory.models import StockBalance, Warehouse
        from ledger.services.accounts import ensure_default_chart
        from mrp.management.commands.bench_mrp import Command as BenchMrp
        from procurement.models import PurchaseOrder

        ensure_default_chart()
        counts = BenchMrp()._load(rng, n, 10)
        StockBalance.objects.all().delete()  # the history below makes the stock
        wh = Warehouse.objects.get(code="BENCH")
        Warehouse.objects.create(code="BENCH2", name="Bench 2", nettable=True)
        PurchaseOrder.objects.filter(warehouse__isnull=True).update(warehouse=wh)
        return (
            f"{counts['items']} items, {counts['bom_lines']} BOM lines, {counts['po_lines']} PO lines, "
            f"{counts['work_orders']} work orders, {counts['forecasts']} forecasts"
        )

    @transaction.atomic
    def _sales(self, rng, n_lines):
        from crm.models import Customer, SalesOrder, SalesOrderLine
        from erp.models import Sequence
        from inventory.models import Item

        customers = Customer.objects.bulk_create(
            [Customer(code=f"LC{i:04d}", name=f"Load customer {i}") for i in range(200)]
        )
        fgs = list(Item.objects.filter(code__startswith="M0-").values_list("pk", flat=True))
        today = timezone.localdate()
        year = today.year
        n_orders = (n_lines + 9) // 10
        dates = [today - datetime.timedelta(days=rng.randint(0, 300)) for _k in range(n_orders)]
        dates = [d if d.year == year else datetime.date(year, 1, 1) + datetime.timedelta(days=d.toordinal() % 20)
                 for d in dates]  # fmt: skip
        dates.sort()
        start = SalesOrder.objects.filter(number__startswith=f"SO-{year}-").count()
        headers = (
            SalesOrder(
                number=f"SO-{year}-{start + k + 1:06d}",
                customer=customers[k % len(customers)],
                order_date=dates[k],
                status="confirmed",
                confirmed_at=timezone.now(),
            )
            for k in range(n_orders)
        )
        copy_objects(SalesOrder, headers)
        ids = list(
            SalesOrder.objects.filter(number__startswith=f"SO-{year}-")
            .order_by("number")
            .values_list("pk", "order_date")
        )[start:]
        Sequence.objects.update_or_create(doc_type="SO", year=year, defaults={"last": start + n_orders})

        def lines():
            for k in range(n_lines):
                order_id, order_date = ids[k // 10]
                qty = Decimal(rng.randint(1, 50))
                price = Decimal(rng.randint(10, 500))
                amount = (qty * price).quantize(MONEY)
                yield SalesOrderLine(
                    order_id=order_id,
                    line_no=k % 10 + 1,
                    item_id=fgs[rng.randrange(len(fgs))],
                    qty=qty,
                    due_date=order_date + datetime.timedelta(days=rng.randint(10, 90)),
                    unit_price=price,
                    amount=amount,
                    tax_amount=(amount * Decimal("0.13")).quantize(MONEY),
                )

        copied = copy_objects(SalesOrderLine, lines())
        with connection.cursor() as cur:  # header totals from the lines, in one statement
            cur.execute(
                "UPDATE crm_salesorder o SET amount = s.a, tax_amount = s.t, total = s.a + s.t FROM "
                "(SELECT order_id, sum(amount) a, sum(tax_amount) t FROM crm_salesorderline GROUP BY order_id) s "
                "WHERE s.order_id = o.id"
            )
        return f"{n_orders} orders, {copied} lines"

    @transaction.atomic
    def _moves(self, rng, n):
        from erp.periods import period_for
        from inventory.models import Item, StockMove, Warehouse
        from ledger.models import OpeningBalance
        from ledger.services.accounts import accounts_by_code, stock_accounts

        whs = list(Warehouse.objects.filter(code__in=["BENCH", "BENCH2"]).order_by("code").values_list("pk", flat=True))
        items = list(
            Item.objects.exclude(supply_type="phantom").values_list("pk", "standard_cost").order_by("pk")
        )  # fmt: skip
        today = timezone.localdate()
        first = (today.replace(day=1) - datetime.timedelta(days=365)).replace(day=1)
        span = (today - first).days - 1  # history up to yesterday
        periods = {}
        d = first
        while d <= today:
            periods[(d.year, d.month)] = period_for(d).pk
            d = (d.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        stock: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        now = timezone.now()
        per_doc = 10

        def rows():
            for i in range(n):
                item_id, std = items[rng.randrange(len(items))]
                wh = whs[0] if rng.random() < 0.7 else whs[1]
                day = first + datetime.timedelta(days=i * span // n)
                cell = stock[(item_id, wh)]
                if cell[0] > 0 and rng.random() < 0.45:
                    qty = min(cell[0], Decimal(rng.randint(1, 40)))
                    value = -cell[1] if qty == cell[0] else -(cell[1] * qty / cell[0]).quantize(MONEY)
                    unit = (-value / qty).quantize(QTY)
                    qty, kind = -qty, "other_issue"
                else:
                    qty = Decimal(rng.randint(1, 100))
                    unit = std or Decimal(1)
                    value = (qty * unit).quantize(MONEY)
                    kind = "other_receipt"
                cell[0] += qty
                cell[1] += value
                doc = i // per_doc
                yield (item_id, wh, qty, unit, value, day, periods[(day.year, day.month)], now, None,
                       "bench.history", doc, i % per_doc + 1, f"BH{doc:07d}", kind, False, "")  # fmt: skip

        columns = ["item_id", "warehouse_id", "qty", "unit_cost", "value", "move_date", "period_id", "posted_at",
                   "posted_by_id", "source_type", "source_id", "source_line", "source_number", "kind", "reversal",
                   "note"]  # fmt: skip
        copied = copy_rows(StockMove._meta.db_table, columns, rows())
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO inventory_stockbalance (item_id, warehouse_id, qty, value) "
                "SELECT item_id, warehouse_id, sum(qty), sum(value) FROM inventory_stockmove "
                "GROUP BY item_id, warehouse_id"
            )
        values = {pair: v for pair, (_q, v) in stock.items() if v}
        accounts = stock_accounts(set(values)) if values else {}
        per_account: dict[str, Decimal] = defaultdict(Decimal)
        for pair, v in values.items():
            per_account[accounts[pair]] += v
        by_code = accounts_by_code()
        total = sum(per_account.values(), Decimal(0))
        OpeningBalance.objects.bulk_create(
            [OpeningBalance(year=first.year, month=first.month, account=by_code[c], debit=v)
             for c, v in sorted(per_account.items()) if v]
            + [OpeningBalance(year=first.year, month=first.month, account=by_code["3001"], credit=total)]
        )  # fmt: skip
        return f"{copied} moves from {first} on, {len(stock)} item × warehouse balances, stock value {total:,.2f}"

    def _work_orders(self, rng, n):
        from bom.models import Bom
        from inventory.models import Warehouse
        from production.services.work_orders import work_order_create, work_order_release

        wh = Warehouse.objects.get(code="BENCH")
        parents = list(
            Bom.objects.filter(item__code__startswith="M1-", item__supply_type="manufacture")
            .order_by("pk")
            .values_list("item_id", flat=True)[: max(n * 3, 10)]
        )
        today = timezone.localdate()
        made = 0
        for item_id in rng.sample(parents, min(n, len(parents))):
            with transaction.atomic():
                wo = work_order_create(
                    item_id=item_id, qty=Decimal(rng.randint(1, 5)), planned_start=today, warehouse_id=wh.pk
                )
                work_order_release(work_order_id=wo.pk)
            made += 1
        return f"{made} work orders released"

    def _finish(self, password):
        from django.contrib.auth import get_user_model

        User = get_user_model()
        user = User.objects.filter(username="loadtest").first() or User.objects.create_superuser(
            "loadtest", email="", password=password
        )
        user.set_password(password)
        user.save()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        return "user loadtest"
