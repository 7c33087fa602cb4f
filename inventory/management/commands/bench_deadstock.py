"""Benchmark: the dead-stock report (呆滞料查询表) on the `bench_import --keep` data.

`--history` first posts a year of movements for every stock row through the ledger (receipts,
issues, a transfer for 1 % of the rows and a cancelled receipt for 1 %), once. Then the report's
first page (what the page runs) and the whole page (view and template) are timed; prints the
median of `--runs` runs in milliseconds.
"""

import datetime
import statistics
import time
from collections import defaultdict
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

SOURCE = "bench.deadstock"


def _post_history(out) -> None:
    from inventory.models import StockBalance, StockMove, Warehouse
    from inventory.services.ledger import MoveSpec, stock_moves_post, stock_moves_reverse

    if StockMove.objects.filter(source_type=SOURCE).exists():
        out.write("history already posted")
        return
    today = timezone.localdate()
    rows = list(StockBalance.objects.order_by("pk").values_list("pk", "item_id", "warehouse_id"))
    whs = list(Warehouse.objects.filter(kind="warehouse").order_by("pk").values_list("pk", flat=True))
    plan: dict[tuple[int, str], list[MoveSpec]] = defaultdict(list)
    for n, (pk, item_id, wh_id) in enumerate(rows):
        for days_ago, qty in ((400 - n % 50, 20), (250 - n % 70, 10), (100 - n % 40, 5)):
            plan[(days_ago, "r")].append(MoveSpec(item_id, wh_id, Decimal(qty), Decimal("3.5"), source_line=pk))
        for days_ago, qty in ((300 - n % 30, -15), (60 - n % 20, -8)):
            plan[(days_ago, "i")].append(MoveSpec(item_id, wh_id, Decimal(qty), source_line=pk))
        if n % 100 == 0:  # a transfer of 3 to another warehouse 30 days ago
            other = whs[(whs.index(wh_id) + 1) % len(whs)]
            plan[(30, "t")].append(MoveSpec(item_id, wh_id, Decimal(-3), source_line=pk, kind="transfer_out"))
            plan[(30, "t")].append(MoveSpec(item_id, other, Decimal(3), source_line=pk, kind="transfer_in"))
        if n % 97 == 0:  # a mistaken receipt of 5, cancelled the next day
            plan[(20, "c")].append(MoveSpec(item_id, wh_id, Decimal(5), Decimal("3.5"), source_line=pk))
    for seq, ((days_ago, code), specs) in enumerate(sorted(plan.items(), key=lambda kv: -kv[0][0]), start=1):
        if code == "t":  # out then in: one call per side, like transfer_confirm
            with transaction.atomic():
                for kind in ("transfer_out", "transfer_in"):
                    stock_moves_post(
                        source_type=SOURCE,
                        source_id=seq,
                        moves=[s for s in specs if s.kind == kind],
                        move_date=today - datetime.timedelta(days=days_ago),
                    )
            continue
        stock_moves_post(
            source_type=SOURCE, source_id=seq, moves=specs, move_date=today - datetime.timedelta(days=days_ago)
        )
        if code == "c":
            stock_moves_reverse(
                source_type=SOURCE, source_id=seq, move_date=today - datetime.timedelta(days=days_ago - 1)
            )
    out.write(f"history: {StockMove.objects.filter(source_type=SOURCE).count()} moves posted")


class Command(BaseCommand):
    help = "Time the dead-stock report on the bench data (run bench_import --keep first)."

    def add_arguments(self, parser):
        parser.add_argument("--history", action="store_true", help="Post a year of movements first (once).")
        parser.add_argument("--runs", type=int, default=5)

    def handle(self, *args, history, runs, **options):
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse

        from inventory.models import StockMove

        if history:
            _post_history(self.stdout)
        from inventory.selectors import dead_stock_report

        as_of = timezone.localdate()
        self.stdout.write(f"moves: {StockMove.objects.count()}")
        times = []
        for _n in range(runs):
            t0 = time.perf_counter()
            report = dead_stock_report(as_of=as_of, page=1)
            times.append(time.perf_counter() - t0)
        self.stdout.write(
            f"dead_stock_report page 1: {report.count} rows, median {statistics.median(times) * 1000:.0f} ms"
        )
        user = get_user_model().objects.filter(is_superuser=True, is_active=True).first()
        if user is None:
            self.stdout.write("no superuser: page not timed")
            return
        client = Client()
        client.force_login(user)
        url = reverse("inventory:dead_stock")
        times = []
        for _n in range(runs):
            t0 = time.perf_counter()
            response = client.get(url, HTTP_HOST="localhost")
            times.append(time.perf_counter() - t0)
        self.stdout.write(f"page {url}: HTTP {response.status_code}, median {statistics.median(times) * 1000:.0f} ms")
