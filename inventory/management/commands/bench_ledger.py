"""Time the item ledger page with each filter on the data already in the database (read only).

Usage (a database with many moves, e.g. the load-test set of `make loadtest-data`)::

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/tg_load .venv/bin/python manage.py bench_ledger

Requests /inventory/ledger/ as the first active superuser with the Django test client: all moves
(first page, keyset pages near the newest and the oldest move), one warehouse, up to a date, and
the item with the most moves alone, with a warehouse and with a date. One warm-up request counts
the queries and their database time, then `--repeat` (5) timed requests; prints the median, the
load average and nothing else. Writes nothing: sessions are signed cookies for the run and the
login does not touch `last_login`.
"""

import os
import statistics
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.models import Count, Max, Min
from django.test import Client


class Command(BaseCommand):
    help = "Median time of the item ledger page per filter on the data in the database (read only)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, repeat, **options):
        from inventory.models import StockMove

        user = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("no active superuser in this database")
        span = StockMove.objects.aggregate(first=Min("move_date"), last=Max("move_date"))
        if span["first"] is None:
            raise CommandError("no stock moves in this database")
        top = StockMove.objects.values("item__code", "warehouse_id").annotate(n=Count("id")).order_by("-n").first()
        item, wh = top["item__code"], top["warehouse_id"]
        cases = [
            {},
            {"page": 1000},  # ignored by keyset pages: the same first page
            {"warehouse": wh},
            {"date_to": span["last"].replace(day=1).isoformat()},
            {"after": f"{span['last'].isoformat()}_1"},
            {"after": f"{span['first'].isoformat()}_999999999"},  # the oldest page
            {"warehouse": wh, "after": f"{span['first'].isoformat()}_999999999"},
            {"item": item},
            {"item": item, "warehouse": wh},
            {"item": item, "date_to": span["last"].replace(day=1).isoformat()},
        ]
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        client = Client(HTTP_HOST="localhost", raise_request_exception=False)
        client.force_login(user)
        self.stdout.write(f"{'filter':<48} {'median ms':>10} {'queries':>8} {'sql ms':>7} {'status':>7}")
        for params in cases:
            url = "/inventory/ledger/" + (f"?{urlencode(params)}" if params else "")
            for conn in connections.all():
                conn.force_debug_cursor = True
                conn.queries_log.clear()
            status = client.get(url).status_code
            queries = [q for conn in connections.all() for q in conn.queries]
            sql_ms = sum(float(q["time"]) for q in queries) * 1000
            times = []
            for _n in range(repeat):
                t0 = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            label = urlencode(params) or "(all moves)"
            self.stdout.write(
                f"{label:<48} {statistics.median(times):>10.1f} {len(queries):>8} {sql_ms:>7.0f} {status:>7}"
            )
        self.stdout.write("load average %.2f %.2f %.2f" % os.getloadavg())
