"""`make loadtest`: 50 locust users against gunicorn (4 workers) on the loaded database, on loopback.

Environment (defaults in brackets):
  LOAD_DATABASE_URL [postgres://postgres@127.0.0.1:5432/tg_load]  a database filled by `load_bench_data`
  LOAD_REDIS_URL    [redis://127.0.0.1:6379/0]  broker of the Celery worker that runs the MRP runs
  LOAD_PORT [8800]  LOAD_USERS [50]  LOAD_SPAWN_RATE [5]  LOAD_DURATION [3m]  LOAD_WORKER [1]
  LOAD_GUNICORN_WORKERS [4]
Starts gunicorn (and a Celery worker), runs locust headless for LOAD_DURATION, stops them, prints
p50/p95 per page kind and per page, the errors, the load average during the run, then runs
`check_integrity`. Exit code non-zero when a request failed or a check failed.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
IDS_CODE = """
import json, os
from axes.utils import reset
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(username=os.environ.get("LOADTEST_USER", "loadtest"))
user.set_password(os.environ.get("LOADTEST_PASSWORD", "Load-test-2026"))  # with these settings' hasher
user.save()
reset(username=user.username)
from crm.models import Customer, SalesOrder
from inventory.models import Item, StockBalance, Warehouse
from procurement.models import PurchaseOrder
from production.models import WorkOrder
whs = list(Warehouse.objects.filter(code__in=["BENCH", "BENCH2"]).order_by("code").values_list("pk", flat=True))
codes = list(StockBalance.objects.filter(warehouse_id=whs[0], qty__gte=20).order_by("?")
             .values_list("item__code", flat=True)[:2000])
print(json.dumps({
    "warehouses": whs,
    "item_codes": codes,
    "customers": list(Customer.objects.filter(code__startswith="LC").values_list("pk", flat=True)),
    "fg_items": list(Item.objects.filter(code__startswith="M0-").values_list("code", flat=True)[:2000]),
    "so_numbers": list(SalesOrder.objects.order_by("?").values_list("number", flat=True)[:500]),
    "work_orders": list(WorkOrder.objects.filter(status="released").values_list("pk", flat=True)),
    "purchase_orders": list(PurchaseOrder.objects.filter(status="confirmed").order_by("?")
                            .values_list("pk", flat=True)[:2000]),
}))
"""


SERVER_KINDS = [  # (method, path pattern) → page kind, for the access log's in-app times
    ("POST", r"^/accounts/login/$", "login"),
    ("POST", r"^/(crm/orders/new|inventory/transfers/new|inventory/transfers/\d+/confirm)/$", "document entry"),
    ("POST", r"^/production/(wo/\d+/kit-pick|pickings/\d+/confirm)/$", "picking"),
    ("POST", r"^/procurement/orders/\d+/receive/$", "receipt"),
    ("POST", r"^/mrp/runs/start/$", "MRP run"),
    ("GET", r"^/search/$", "search"),
    (
        "GET",
        r"^/(crm/orders|inventory/items|inventory/on-hand|inventory/ledger|production|production/pickings|"
        r"procurement/orders|procurement/receipts|inventory/transfers|mrp/runs)/$",
        "list page",
    ),
    ("GET", r".", "form page"),
]


def server_times(log: Path) -> dict[str, list[float]]:
    """In-app milliseconds per page kind from the access log (without the wait for a free worker)."""
    out: dict[str, list[float]] = defaultdict(list)
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{") or '"duration_ms"' not in line:
            continue
        rec = json.loads(line)
        for method, pattern, kind in SERVER_KINDS:
            if rec.get("method") == method and re.search(pattern, rec.get("path", "")):
                out[kind].append(float(rec["duration_ms"]))
                break
    return out


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


def main() -> int:
    db = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tg_load")
    redis = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/0")
    port = os.environ.get("LOAD_PORT", "8800")
    users = os.environ.get("LOAD_USERS", "50")
    duration = os.environ.get("LOAD_DURATION", "3m")
    tmp = Path(tempfile.mkdtemp(prefix="tg-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "REDIS_URL": redis,
        "DJANGO_SETTINGS_MODULE": "erp.test_settings",  # production settings minus HTTPS-only cookies
        "DEBUG": "0",
        "ACCESS_LOG_LEVEL": "INFO",  # one JSON line per request with its time inside the app
        "LOG_LEVEL": "WARNING",
    }
    ids = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", IDS_CODE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if ids.returncode != 0:
        print(ids.stderr[-3000:])
        return 2
    (tmp / "ids.json").write_text(ids.stdout.strip().splitlines()[-1])
    logs = [open(tmp / "gunicorn.log", "w"), open(tmp / "worker.log", "w")]  # noqa: SIM115 (closed at exit)
    procs = [
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "erp.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                os.environ.get("LOAD_GUNICORN_WORKERS", "4"),
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
            stdout=logs[0],
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    ]
    if os.environ.get("LOAD_WORKER", "1") == "1":
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "erp", "worker", "-c", "1", "-l", "WARNING"],
                cwd=ROOT,
                env=env,
                stdout=logs[1],
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
    loads: list[float] = []
    stop = threading.Event()

    def sample():
        while not stop.wait(10):
            loads.append(os.getloadavg()[0])

    try:
        for _k in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
                break
            except OSError:
                time.sleep(1)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.time()
        locust = subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless", "-u", users, "-r",
             os.environ.get("LOAD_SPAWN_RATE", "5"), "-t", duration, "--host", f"http://127.0.0.1:{port}",
             "--only-summary", "--csv", str(tmp / "locust"), "--stop-timeout", "30"],
            cwd=ROOT,
            env={**env, "LOADTEST_IDS": str(tmp / "ids.json"), "LOADTEST_RESULTS": str(tmp / "results.json")},
            capture_output=True, text=True,
        )  # fmt: skip
        wall = time.time() - t0
        stop.set()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
    results_file = tmp / "results.json"
    if not results_file.exists():
        print(locust.stdout[-3000:], locust.stderr[-3000:])
        return 2
    results = json.loads(results_file.read_text())
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_page: dict[tuple[str, str], list[float]] = defaultdict(list)
    errors: dict[tuple[str, str], int] = defaultdict(int)
    for kind, name, ms, ok in results:
        by_kind[kind].append(ms)
        by_page[(kind, name)].append(ms)
        if not ok:
            errors[(kind, name)] += 1
    print(f"{len(results)} requests in {wall:.0f} s ({len(results) / wall:.1f}/s), {users} users, "
          f"errors {sum(errors.values())}")  # fmt: skip
    print(f"{'page kind':<20} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for kind, values in sorted(by_kind.items()):
        errs = sum(n for (k, _n), n in errors.items() if k == kind)
        print(f"{kind:<20} {len(values):>8} {pct(values, 50):>8.0f} {pct(values, 95):>8.0f} {errs:>7}")
    print(f"\n{'page':<45} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for (kind, name), values in sorted(by_page.items()):
        print(f"{kind + ': ' + name:<45} {len(values):>8} {statistics.median(values):>8.0f} "
              f"{pct(values, 95):>8.0f} {errors.get((kind, name), 0):>7}")  # fmt: skip
    inside = server_times(tmp / "gunicorn.log")
    if inside:
        print("\nin the app (access log: without the wait for a free gunicorn worker)")
        print(f"{'page kind':<20} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8}")
        for kind, values in sorted(inside.items()):
            print(f"{kind:<20} {len(values):>8} {pct(values, 50):>8.0f} {pct(values, 95):>8.0f}")
    if loads:
        print(f"\nload average (1 min) during the run: mean {statistics.mean(loads):.1f}, max {max(loads):.1f} "
              f"on {os.cpu_count()} cores")  # fmt: skip
    if errors:
        print(f"logs: {tmp}")
    print("\ncheck_integrity:")
    check = subprocess.run([sys.executable, "manage.py", "check_integrity"], cwd=ROOT, env=env, text=True)
    return 1 if errors or check.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
