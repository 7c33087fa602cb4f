"""Faults (issue #20) with a real Celery worker (a subprocess) and a real Redis.

- A worker killed with SIGKILL in the middle of a cost run: its heartbeat stops, the run is failed
  after the heartbeat timeout, nothing of it was posted, a new run succeeds. (The same for an MRP
  run: tests/mrp/test_workbench_worker.py.)
- Redis down (a redis-server of our own on port 6391, which the test stops): list pages and a
  document POST work, the MRP and cost runs asked for are queued, `/healthz` names the broker;
  when Redis returns, the requeue job (beat, every minute) sends them again and they complete.
"""

import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from decimal import Decimal as D

import pytest
from django.conf import settings as dj_settings
from django.db import connection
from django.utils import translation
from kombu import pools

from costing.models import CostEntry, CostRun, ItemCost
from costing.services.runs import cost_run_create, cost_run_now, fail_stale_cost_runs
from erp.periods import period_for
from inventory.services.ledger import MoveSpec, stock_moves_post
from mrp.models import MrpRun
from tests import factories as f
from tests.costing.helpers import value
from tests.erp.test_faults import _Forms
from tests.mrp.workbench_data import D0, ITEM_HEAD, SO_HEAD, d, load, plan_rows

REDIS_PORT = 6391  # our own redis-server (never the shared 6379)
JAN3, JAN5, JAN10 = datetime.date(2026, 1, 3), datetime.date(2026, 1, 5), datetime.date(2026, 1, 10)


def _wait(pred, timeout=90.0, every=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(every)
    return False


def _db_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(queue: str, redis_url: str, **env):
    """`celery -A erp worker` on `queue`, on the test database."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "erp", "worker", "-Q", queue, "-P", "solo", "-l", "WARNING"],
        cwd=dj_settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": _db_url(),
            "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "erp.test_settings",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(tempfile.gettempdir(), f"tg-worker-{queue}.log"), "w"),
    )


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _weighted_average_month():
    """100 @ 10.00 opening, issue 50, receipt 100 @ 13.00, issue 100 (posted at the moving average:
    stock value 600.00); the cost run's monthly average 11.50 leaves 575.00."""
    rm = f.warehouse("RM")
    m = f.item("M")
    f.stock(m, rm, 100, "10", on_date=datetime.date(2025, 12, 31))
    for n, qty, day in ((1, 50, JAN3), (2, 100, JAN10)):
        if n == 2:
            f.stock(m, rm, 100, "13", on_date=JAN5)
        stock_moves_post(
            source_type="test.issue",
            source_id=n,
            moves=[MoveSpec(m.pk, rm.pk, D(-qty), kind="other_issue")],
            move_date=day,
        )
    assert value("M") == D("600.00")
    return period_for(JAN3)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_cost_run_leaves_it_failed_after_the_heartbeat_timeout_and_a_new_run_succeeds(settings):
    from erp.celery import app

    if not os.environ.get("REDIS_URL"):
        pytest.fail("REDIS_URL is not set: this test needs Redis.")
    period = _weighted_average_month()
    queue = f"test-costkill-{os.getpid()}"
    # the worker takes the run, opens its transaction and hangs there (heartbeat thread running)
    worker = _worker(queue, os.environ["REDIS_URL"], COST_RUN_PAUSE_SECONDS="120")
    try:
        run = cost_run_create(period_id=period.pk)
        app.send_task("costing.tasks.execute_cost_run", args=[run.pk], queue=queue)
        assert _wait(lambda: CostRun.objects.get(pk=run.pk).status == "running"), "the worker never took the run"
        first = CostRun.objects.get(pk=run.pk).heartbeat_at
        # the heartbeat thread writes on its own connection while the run's transaction is open
        assert _wait(lambda: CostRun.objects.get(pk=run.pk).heartbeat_at > first, timeout=30)
        settings.COST_RUN_STALE_SECONDS = 10
        time.sleep(12)  # longer than the timeout since the start: a live worker's run stays running
        assert fail_stale_cost_runs() == 0
        assert CostRun.objects.get(pk=run.pk).status == "running"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    run.refresh_from_db()
    assert run.status == "running"  # nobody will finish it, and a new run is refused meanwhile
    settings.COST_RUN_STALE_SECONDS = 2
    time.sleep(2.5)
    with translation.override("en"):
        new = cost_run_now(period_id=period.pk)  # cost_run_create fails the stale run first
    run.refresh_from_db()
    assert run.status == "failed" and "no heartbeat" in run.message
    assert CostEntry.objects.filter(run=run).count() == 0 and ItemCost.objects.filter(run=run).count() == 0
    assert new.status == "done"
    ic = ItemCost.objects.get(run=new)
    assert (ic.unit_cost, ic.closing_value) == (D("11.500000"), D("575.00"))
    assert value("M") == D("575.00")
    # the broker delivers the killed task again, to a live worker: the failed run stays failed
    from costing.tasks import execute_cost_run

    assert execute_cost_run.apply(args=[run.pk]).get() == "failed"
    assert execute_cost_run.apply(args=[new.pk]).get() == "done"
    assert CostEntry.objects.filter(run=run).count() == 0 and value("M") == D("575.00")


class OwnRedis:
    """A redis-server of our own on REDIS_PORT, without persistence, that the test stops."""

    def __init__(self, port: int):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="tg-redis-")
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

        def up():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False

        assert _wait(up, timeout=20), "redis-server did not start"

    def stop(self):
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def own_redis(settings):
    """Our redis-server as the broker of this test process; restored afterwards."""
    from erp.celery import app

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing (Debian package redis-server)")
    redis = OwnRedis(REDIS_PORT)
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = redis.url  # (the result backend is left alone: dispatch sends ignore results)
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _fresh_connections()
    yield redis
    redis.remove()
    app.conf.broker_url, app.conf.task_always_eager = previous
    _fresh_connections()


def _fresh_connections():
    """Connections and producers of the next send are made for the current broker_url."""
    from erp.celery import app

    # kombu keeps one pool per broker URL in a global registry: closing `app._pool` alone would
    # leave a closed pool there for the next test on that URL ("Acquire on closed pool")
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def _form(client, path, field):
    html = client.get(path).content.decode()
    parser = _Forms()
    parser.feed(html)
    return next(f for f in parser.forms if field in f)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_redis_down_pages_work_healthz_names_the_broker_and_work_queues_again_when_it_returns(
    own_redis, admin_client_su
):
    from erp.dispatch import send
    from erp.tasks import requeue_pending

    load(
        items=ITEM_HEAD + "P,Part,pcs,purchase,0,2,0,0,0,0,1,S1\n",
        sales_orders=SO_HEAD + f"SO-1,C1,{d(0)},1,P,100,0,{d(10)},5\n",
    )
    period = _weighted_average_month()
    client = admin_client_su
    client.cookies["django_language"] = "en"
    own_redis.start()
    worker = _worker("celery", own_redis.url, REQUEUE_AFTER_SECONDS="0")
    try:
        assert _wait(lambda: client.get("/healthz").status_code == 200, timeout=180, every=2), client.get(
            "/healthz"
        ).json()

        own_redis.stop()  # Redis goes away while people work
        _fresh_connections()
        assert client.get("/inventory/items/").status_code == 200
        fields = _form(client, "/inventory/items/new/", "code")
        fields.update(code="REDIS-DOWN", name="Broker down")
        response = client.post("/inventory/items/new/", fields)
        assert response.status_code == 302, response.content.decode()[:500]
        health = client.get("/healthz")
        assert health.status_code == 503
        body = health.json()
        assert body["database"] == "up" and body["broker"].startswith("down") and "broker" in body["down"]
        # background work asked for now cannot reach a worker: it stays queued
        mrp_form = _form(client, "/mrp/runs/", "run_date")
        mrp_form.update(run_date=D0.isoformat(), horizon_days="90")
        assert client.post("/mrp/runs/start/", mrp_form).status_code == 302
        assert client.post(f"/costing/periods/{period.pk}/run/").status_code == 302
        mrp_run = MrpRun.objects.get()
        cost_run = CostRun.objects.get()
        time.sleep(3)
        assert (MrpRun.objects.get().status, CostRun.objects.get().status) == ("queued", "queued")

        own_redis.start()  # Redis is back; the worker reconnects, beat sends the requeue job
        _fresh_connections()
        assert _wait(lambda: send(requeue_pending), timeout=60)
        assert _wait(lambda: MrpRun.objects.get(pk=mrp_run.pk).status == "done", timeout=120), MrpRun.objects.get(
            pk=mrp_run.pk
        ).message
        assert _wait(lambda: CostRun.objects.get(pk=cost_run.pk).status == "done", timeout=120), CostRun.objects.get(
            pk=cost_run.pk
        ).message
        assert plan_rows(mrp_run) == [("P", "purchase", 100, 8, 10, "")]
        assert value("M") == D("575.00")
        assert client.get("/healthz").json()["broker"] == "up"
    finally:
        _stop(worker)
