"""Benchmark every list page on data of production size; print each page's median time.

Usage (PostgreSQL; the data stay in that database, so use a database of its own)::

    createdb -h 127.0.0.1 -U postgres tg_bench
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/tg_bench .venv/bin/python manage.py migrate
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/tg_bench .venv/bin/python manage.py bench_pages
    # again, without generating, only two pages, 10 requests each:
    ... manage.py bench_pages --no-generate --pages bom:bom_list,inventory:dead_stock --repeat 10

1. Generates (unless ``--no-generate``) 50,000 items (``--items``), 30,000 opening stock rows
   (``--stock``), 2,000 BOMs with about four lines each (``--boms``), and 500 each of sales
   orders (three lines), purchase orders (three lines), work orders and outsourcing orders
   (``--orders``), plus their suppliers, customers and warehouses. The rows are written as the
   registered exchange files (docs/exchange.md: the same path as ``import_data``, bulk writes,
   stock through the ledger) and imported in one transaction. The import is idempotent:
   running the command again changes nothing (it re-reads the files and finds every row
   unchanged). Items and stock follow ``bench_import``'s shape (codes ``BI000000``...).
2. Finds the pages: every URL whose view is an ``erp.views.ListPage`` subclass and needs no
   argument, plus ``--extra`` pages (default: the dead-stock report and the on-hand inquiry).
   ``--pages a,b`` keeps only those URL names.
3. Requests each page as a superuser (``bench-pages``, created when missing) with the Django
   test client: one warm-up request that also counts the queries, then ``--repeat`` (5) timed
   requests. Prints one line per page, slowest first: median ms, queries, HTTP status.

The goal (issue #11): every list page under 300 ms, the dead-stock report under 500 ms.
"""

from __future__ import annotations

import csv
import statistics
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from erp.exchange import import_files, read_folder
from erp.views import ListPage

BENCH_USER = "bench-pages"
WAREHOUSES = 20
SUPPLIERS = 200
CUSTOMERS = 200
DOC_DATE = "2026-01-05"
DUE_DATE = "2026-02-16"
DEFAULT_EXTRA = "inventory:dead_stock,inventory:on_hand"


# --- data ------------------------------------------------------------------------------------


def _item(n: int) -> str:
    return f"BI{n:06d}"


def write_folder(base: Path, *, items: int, stock: int, boms: int, orders: int) -> dict[str, int]:
    """The exchange files of the benchmark data set; returns the row count of each file."""
    counts: dict[str, int] = {}

    def emit(name, header, rows):
        with open(base / name, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            n = 0
            for row in rows:
                w.writerow(row)
                n += 1
        counts[name] = n

    emit(
        "suppliers.csv",
        ["code", "name", "contact", "phone", "email", "address", "tax_id"],
        ([f"BS{n:04d}", f"供应商 {n}", "张三", "021-0000", "", "上海", ""] for n in range(SUPPLIERS)),
    )
    emit(
        "customers.csv",
        ["code", "name", "contact", "phone", "email", "address", "tax_id"],
        ([f"BC{n:04d}", f"客户 {n}", "李四", "010-0000", "", "北京", ""] for n in range(CUSTOMERS)),
    )
    emit(
        "warehouses.csv",
        ["code", "name", "parent_code", "nettable"],
        [[f"BW{n:02d}", f"仓库 {n}", "", 1 if n % 5 else 0] for n in range(WAREHOUSES)]
        + [[f"BW{n:02d}-A", f"库位 {n}", f"BW{n:02d}", 1] for n in range(WAREHOUSES)],
    )
    types = ["purchase", "manufacture", "outsource", "purchase"]
    emit(
        "items.csv",
        [
            "code", "name", "uom", "category", "supply_type", "make_to_order", "lead_time_days", "safety_stock",
            "min_order_qty", "order_multiple", "order_period_days", "standard_cost", "default_supplier",
        ],
        (
            [
                _item(n), f"物料 {n}", ["pcs", "kg", "m", "set"][n % 4], f"类别{n % 10}/子类{n % 50}", types[n % 4],
                n % 2, n % 30, n % 100, 0, 10, 0, f"{n % 997}.25",
                f"BS{n % SUPPLIERS:04d}" if types[n % 4] in ("purchase", "outsource") else "",
            ]
            for n in range(items)
        ),
    )  # fmt: skip
    emit(
        "stock.csv",
        ["item_code", "warehouse", "qty", "unit_cost"],
        (
            [_item(n % items), f"BW{(n + n // items) % WAREHOUSES:02d}", 1 + n % 500, f"{n % 97}.5"]
            for n in range(stock)
        ),
    )
    # BOMs: made (n % 4 == 1) and outsourced (n % 4 == 2) items; three purchased components
    # each, and the next parent as a sub-assembly (chains of ten levels, never a cycle)
    parents = [n for n in range(items) if n % 4 in (1, 2)][:boms]
    bought = max(items // 4, 1)

    def bom_rows():
        for i, p in enumerate(parents):
            for k in range(3):
                comp = ((p * 7 + k * 13) % bought) * 4
                if comp < items:
                    yield [_item(p), 1, _item(comp), f"{1 + k}.5", "0.02" if k == 0 else "0", 0, "manual", 0, 0]
            if i % 10 != 9 and i + 1 < len(parents):
                yield [_item(p), 1, _item(parents[i + 1]), 1, 0, 0, "manual", 0, 0]

    bom_header = [
        "parent_code", "output_qty", "component_code", "qty_per", "scrap_rate", "fixed_loss", "issue_method",
        "key_part", "skip_level",
    ]  # fmt: skip
    emit("boms.csv", bom_header, bom_rows())
    if not parents:
        return counts
    made = [p for p in parents if p % 4 == 1] or parents
    outsourced = [p for p in parents if p % 4 == 2] or parents
    emit(
        "sales_orders.csv",
        ["order_no", "customer", "order_date", "line_no", "item_code", "qty", "delivered_qty", "due_date", "unit_price"],
        (
            [f"BSO{n:05d}", f"BC{n % CUSTOMERS:04d}", DOC_DATE, ln, _item(made[(n * 3 + ln) % len(made)]), 10 + ln,
             0, DUE_DATE, "128.50"]
            for n in range(orders)
            for ln in (1, 2, 3)
        ),
    )  # fmt: skip
    emit(
        "purchase_orders.csv",
        ["po_no", "supplier", "order_date", "line_no", "item_code", "qty", "received_qty", "due_date", "unit_price"],
        (
            [f"BPO{n:05d}", f"BS{n % SUPPLIERS:04d}", DOC_DATE, ln, _item(((n * 3 + ln) % bought) * 4), 100 * ln, 0,
             DUE_DATE, "3.35"]
            for n in range(orders)
            for ln in (1, 2, 3)
            if ((n * 3 + ln) % bought) * 4 < items
        ),
    )  # fmt: skip
    emit(
        "work_orders.csv",
        ["wo_no", "item_code", "qty", "completed_qty", "start_date", "due_date", "sales_order_no", "sales_line_no"],
        ([f"BWO{n:05d}", _item(made[n % len(made)]), 20, 0, DOC_DATE, DUE_DATE, "", ""] for n in range(orders)),
    )
    emit(
        "outsourcing_orders.csv",
        ["oo_no", "supplier", "item_code", "qty", "received_qty", "start_date", "due_date", "unit_fee"],
        (
            [f"BOO{n:05d}", f"BS{n % SUPPLIERS:04d}", _item(outsourced[n % len(outsourced)]), 30, 0, DOC_DATE,
             DUE_DATE, "12.50"]
            for n in range(orders)
        ),
    )  # fmt: skip
    return counts


# --- pages -----------------------------------------------------------------------------------


def list_pages(resolver=None, prefix: str = "") -> list[tuple[str, bool]]:
    """(url name, needs arguments) of every named URL whose view is a ListPage subclass."""
    resolver = resolver or get_resolver()
    out: list[tuple[str, bool]] = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            out.extend(list_pages(p, ns))
        elif isinstance(p, URLPattern) and p.name:
            view_class = getattr(p.callback, "view_class", None)
            if isinstance(view_class, type) and issubclass(view_class, ListPage):
                out.append((f"{prefix}{p.name}", bool(p.pattern.regex.groupindex) or "<" in str(p.pattern)))
    return out


def _host() -> str:
    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return host
    return "localhost"


class Command(BaseCommand):
    help = "Generate data of production size (idempotent) and time every list page (median ms, queries)."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=50_000)
        parser.add_argument("--stock", type=int, default=30_000)
        parser.add_argument("--boms", type=int, default=2_000, help="BOM parents (about four lines each)")
        parser.add_argument("--orders", type=int, default=500, help="sales, purchase, work and outsourcing orders")
        parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (median)")
        parser.add_argument("--pages", default="", help="only these URL names, comma separated (bom:bom_list,...)")
        parser.add_argument("--extra", default=DEFAULT_EXTRA, help="pages besides the ListPage views")
        parser.add_argument("--no-generate", action="store_true", help="reuse the data already in the database")

    def handle(self, *args, items, stock, boms, orders, repeat, pages, extra, no_generate, **options):
        if repeat < 1:
            raise CommandError("--repeat must be at least 1")
        if connection.vendor != "postgresql":
            self.stdout.write(f"note: {connection.vendor} database; the figures that count come from PostgreSQL")
        user = self._user()
        if not no_generate:
            self._generate(user, items=items, stock=stock, boms=boms, orders=orders)
        found = list_pages()
        names = [n for n, needs_args in found if not needs_args]
        names += [n for n in extra.split(",") if n.strip() and n.strip() not in names]
        names = [n.strip() for n in names]
        skipped = [n for n, needs_args in found if needs_args]
        if pages:
            wanted = [p.strip() for p in pages.split(",") if p.strip()]
            unknown = [p for p in wanted if p not in names]
            if unknown:
                raise CommandError(f"unknown page(s): {', '.join(unknown)}; pages: {', '.join(sorted(names))}")
            names, skipped = wanted, []
        client = Client(HTTP_HOST=_host(), raise_request_exception=False)
        client.force_login(user)
        results = [self._measure(client, name, repeat) for name in names]
        results.sort(key=lambda r: -r[1])
        self.stdout.write(f"{'page':<36} {'median ms':>10} {'queries':>8} {'status':>7}")
        for name, median, queries, status in results:
            self.stdout.write(f"{name:<36} {median:>10.1f} {queries:>8} {status:>7}")
        for name in skipped:
            self.stdout.write(f"{name:<36} {'-':>10} {'-':>8} (needs an argument, not timed)")

    def _user(self):
        User = get_user_model()
        user = User.objects.filter(username=BENCH_USER).first()
        if user is None:
            user = User.objects.create_superuser(BENCH_USER, email="", password=None)
        return user

    def _generate(self, user, **sizes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp)
            t0 = time.perf_counter()
            counts = write_folder(base, **sizes)
            report = import_files(read_folder(base), user=user)
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("ANALYZE")  # fresh planner statistics, as autovacuum would soon give
            took = time.perf_counter() - t0
        parts = []
        for name, n in counts.items():
            c = report.counts.get(name, {})
            parts.append(f"{name} {n} ({c.get('created', 0)} new)")
        self.stdout.write(f"data: {', '.join(parts)} in {took:.1f}s")

    def _measure(self, client: Client, name: str, repeat: int) -> tuple[str, float, int, int]:
        url = reverse(name)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, secure=True)
        queries = len(ctx.captured_queries)
        times = []
        for _n in range(repeat):
            t0 = time.perf_counter()
            client.get(url, secure=True)
            times.append((time.perf_counter() - t0) * 1000)
        return name, statistics.median(times), queries, response.status_code
