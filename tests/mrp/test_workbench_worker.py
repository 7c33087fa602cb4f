"""A real Celery worker (a subprocess on its own Redis queue) killed with SIGKILL in the middle of
a run: the run is failed after the heartbeat timeout and a new run succeeds; a redelivered task
of a finished run writes nothing twice."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as dj_settings
from django.db import connection

from mrp.models import MrpRun, PlannedOrder
from mrp.services.runs import mrp_run_create

from .workbench_data import D0, ITEM_HEAD, SO_HEAD, d, load, plan_rows, run_now


def _wait(pred, timeout=90.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_leaves_the_run_failed_and_a_new_run_succeeds(settings):
    from erp.celery import app

    if not os.environ.get("REDIS_URL"):
        pytest.fail("REDIS_URL is not set: this test needs Redis.")
    load(
        items=ITEM_HEAD + "P,Part,pcs,purchase,0,2,0,0,0,0,1,S1\n",
        sales_orders=SO_HEAD + f"SO-1,C1,{d(0)},1,P,100,0,{d(10)},5\n",
    )
    queue = f"test-kill-{os.getpid()}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "erp.test_settings",
        "MRP_RUN_PAUSE_SECONDS": "60",  # the worker takes the run, then hangs until it is killed
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "erp", "worker", "-Q", queue, "-P", "solo", "-l", "WARNING"],
        cwd=dj_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        run = mrp_run_create(run_date=D0)
        app.send_task("mrp.tasks.execute_run", args=[run.pk], queue=queue)
        assert _wait(lambda: MrpRun.objects.get(pk=run.pk).status == "running"), "the worker never took the run"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    run.refresh_from_db()
    assert run.status == "running"  # nobody will finish it
    settings.MRP_RUN_STALE_SECONDS = 2
    time.sleep(2.5)
    new = run_now()  # mrp_run_create fails the stale run first
    run.refresh_from_db()
    assert run.status == "failed" and run.message
    assert PlannedOrder.objects.filter(run=run).count() == 0
    assert plan_rows(new) == [("P", "purchase", 100, 8, 10, "")]
    # the broker delivers the killed task again, to a live worker: the failed run stays failed
    from mrp.tasks import execute_run

    assert execute_run.apply(args=[run.pk]).get() == "failed"
    assert execute_run.apply(args=[new.pk]).get() == "done"
    assert PlannedOrder.objects.filter(run=new).count() == 1
    assert PlannedOrder.objects.filter(run=run).count() == 0
