"""Issue #11 for MRP: a run's status changes only through RUN_FLOW (queued → running → done /
failed); an illegal change is refused and leaves the run as it was; a finished run executed
again (a redelivered task) is unchanged; two deliveries of the same task at once store the
plan once."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from erp.errors import StateError
from erp.exchange import import_files
from mrp.models import MrpMessage, MrpRun, PlannedOrder
from mrp.services.runs import mrp_run_create, mrp_run_execute
from mrp.states import RUN_FLOW, RunStatus

from .test_mrp_run import D0, files, issue_to_work_order

# the worked example (tests/mrp/test_mrp_run.py): A 70, B 50, FG 50
PLAN = [("A", "purchase", 70), ("B", "outsource", 50), ("FG", "manufacture", 50)]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _plan(run):
    return [
        (p.item.code, p.order_type, int(p.qty))
        for p in PlannedOrder.objects.filter(run=run).select_related("item").order_by("item__code")
    ]


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (RunStatus.QUEUED, RunStatus.DONE, "MRP 2026-03-02 (Queued) is Queued and cannot change to Done."),
        (RunStatus.QUEUED, RunStatus.FAILED, "MRP 2026-03-02 (Queued) is Queued and cannot change to Failed."),
        (RunStatus.DONE, RunStatus.RUNNING, "MRP 2026-03-02 (Done) is Done and cannot change to Running."),
        (RunStatus.FAILED, RunStatus.RUNNING, "MRP 2026-03-02 (Failed) is Failed and cannot change to Running."),
        (RunStatus.DONE, RunStatus.FAILED, "MRP 2026-03-02 (Done) is Done and cannot change to Failed."),
        (RunStatus.RUNNING, RunStatus.QUEUED, "MRP 2026-03-02 (Running) is Running and cannot change to Queued."),
    ],
)
@pytest.mark.django_db
def test_an_illegal_status_change_is_refused_and_the_run_is_unchanged(current, target, message):
    run = MrpRun.objects.create(run_date=D0, status=current)
    with pytest.raises(StateError) as exc:
        RUN_FLOW.apply(run, target)
    assert str(exc.value) == message
    assert run.status == current
    run.refresh_from_db()
    assert run.status == current


@pytest.mark.django_db
def test_a_run_goes_queued_running_done_and_a_second_delivery_changes_nothing():
    import_files(files())
    issue_to_work_order("WO-1", {"A": 15, "B": 20})
    run = mrp_run_create(run_date=D0, horizon_days=90)
    assert (run.status, run.started_at, run.finished_at) == ("queued", None, None)
    run = mrp_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.progress, run.order_count, run.item_count) == ("done", 100, 3, 3)
    assert run.started_at <= run.finished_at
    assert _plan(run) == PLAN
    finished_at = run.finished_at
    # the task is delivered again (acks_late after a worker restart)
    again = mrp_run_execute(run_id=run.pk)
    assert (again.status, again.finished_at) == ("done", finished_at)
    assert PlannedOrder.objects.filter(run=run).count() == 3


@pytest.mark.django_db
def test_a_failed_run_records_the_message_and_stays_failed(monkeypatch):
    from mrp.engine import MrpCycleError
    from mrp.services import runs

    import_files(files())

    def cycle(**kwargs):
        raise MrpCycleError(["FG", "SA", "FG"])

    monkeypatch.setattr(runs, "run_mrp", cycle)
    run = mrp_run_execute(run_id=mrp_run_create(run_date=D0).pk)
    run.refresh_from_db()
    assert (run.status, run.message, run.order_count) == ("failed", "BOM cycle: FG → SA → FG", 0)
    monkeypatch.undo()
    assert mrp_run_execute(run_id=run.pk).status == "failed"  # terminal: not run again
    assert PlannedOrder.objects.filter(run=run).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_the_same_run_at_once_store_the_plan_once():
    import_files(files())
    issue_to_work_order("WO-1", {"A": 15, "B": 20})
    run = mrp_run_create(run_date=D0, horizon_days=90)
    barrier = threading.Barrier(2)
    errors = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            mrp_run_execute(run_id=run.pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    run.refresh_from_db()
    assert (run.status, run.order_count) == ("done", 3)
    assert _plan(run) == PLAN
    assert MrpMessage.objects.filter(run=run).count() == run.exception_count
