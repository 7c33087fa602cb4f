"""MRP run lifecycle: start (one active run per scope), execute (in a Celery worker), results.

Faults: executing is idempotent — only a QUEUED run is taken (queued → running); a redelivered
task that finds the run running or finished does nothing. While computing the worker writes a
heartbeat; a running run whose heartbeat is older than `settings.MRP_RUN_STALE_SECONDS` (a killed
worker) is marked failed by `fail_stale_runs` (before every new run, on the progress poll and by
the beat task `mrp.tasks.fail_stale_runs`), so a new run can start. Planned orders, pegs and
messages are written with PostgreSQL COPY.
"""

import datetime
import os
import time

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.dispatch import send_on_commit
from erp.errors import ConcurrencyError, DomainError, ValidationError
from erp.fields import round_qty
from erp.heartbeat import fail_stale
from erp.types import User

from ..engine import MrpCycleError, MrpResult, run_mrp
from ..models import MrpMessage, MrpPeg, MrpRun, PlannedOrder, exact_text
from ..states import ACTIVE, RUN_FLOW, PlannedStatus, RunStatus

HEARTBEAT_EVERY = 2.0  # seconds between heartbeats while computing


def stale_seconds() -> int:
    return int(getattr(settings, "MRP_RUN_STALE_SECONDS", 300))


def fail_stale_runs(*, run_id: int | None = None) -> int:
    """Running runs whose heartbeat (or start) is older than the timeout → failed, with a message.
    Rows a live worker holds locked (it is writing its plan) are skipped. Returns the count."""
    return fail_stale(
        MrpRun,
        flow=RUN_FLOW,
        running=RunStatus.RUNNING,
        failed=RunStatus.FAILED,
        seconds=stale_seconds(),
        run_id=run_id,
        message=lambda when, secs: (
            _(
                "The worker stopped answering (no heartbeat since %(when)s, timeout %(secs)s s); the run was marked failed."
            )
            % {"when": when, "secs": secs}
        ),
    )


def mrp_run_create(
    *, run_date: datetime.date, horizon_days: int = 90, scope: str = "all", user: User | None = None
) -> MrpRun:
    """A queued run (not yet executing); refused while another run of the same scope is queued
    or running (the database allows one active run per scope). Stale runs are failed first."""
    if horizon_days < 1 or horizon_days > 3650:
        raise ValidationError(_("The horizon must be between 1 and 3650 days."))
    fail_stale_runs()
    # an active run refuses at once: the insert below would also refuse it, but only after the
    # worker finishing that run commits (its status update holds the unique index entry)
    active = MrpRun.objects.filter(scope=scope, status__in=ACTIVE).first()
    if active is not None:
        raise _active_error(active)
    try:
        with transaction.atomic():
            run = MrpRun.objects.create(
                scope=scope, run_date=run_date, horizon_days=horizon_days, created_by=user if user else None
            )
    except IntegrityError:  # started at the same moment
        raise _active_error(MrpRun.objects.filter(scope=scope, status__in=ACTIVE).first()) from None
    return run


def _active_error(active: MrpRun | None) -> ConcurrencyError:
    return ConcurrencyError(
        _("An MRP run of this scope is already active (%(status)s since %(when)s); wait for it to finish.")
        % {
            "status": active.get_status_display() if active else _("running"),
            "when": timezone.localtime(active.created_at).strftime("%Y-%m-%d %H:%M") if active else "",
        },
        code="mrp_active",
    )


def mrp_run_start(
    *, run_date: datetime.date, horizon_days: int = 90, scope: str = "all", user: User | None = None
) -> MrpRun:
    """Queue a run for the worker (`mrp.tasks.execute_run`, after commit); refused while
    another run of the same scope is queued or running."""
    from ..tasks import execute_run

    run = mrp_run_create(run_date=run_date, horizon_days=horizon_days, scope=scope, user=user)

    send_on_commit(execute_run, run.pk)  # broker down: the run stays queued for erp.requeue
    return run


def queued_runs(before: datetime.datetime):
    """Requeue provider (erp/requeue.py): runs still queued that were created before `before`."""
    for pk in (
        MrpRun.objects.filter(status=RunStatus.QUEUED, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        yield (pk,)


def _beat(run_id: int, pct: int | None = None) -> None:
    """Heartbeat (and progress, which the browser polls); the status changes only through RUN_FLOW."""
    fields: dict[str, object] = {"heartbeat_at": timezone.now()}
    if pct is not None:
        fields["progress"] = pct
    MrpRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(**fields)


def _take(run_id: int) -> tuple[MrpRun, bool]:
    """Queued → running. Returns (run, taken): a run already running (a redelivered task while
    another worker computes it) or finished is left alone."""
    with transaction.atomic():
        run = MrpRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.QUEUED:
            return run, False
        RUN_FLOW.apply(run, RunStatus.RUNNING)
        run.started_at = run.heartbeat_at = timezone.now()
        run.save(update_fields=["status", "started_at", "heartbeat_at"])
    return run, True


def _copy_rows(model, columns: list[str], rows) -> None:
    """COPY rows into the model's table (PostgreSQL, psycopg 3); other databases: bulk_create."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, r, strict=True))) for r in rows], batch_size=2000)
        return
    table = model._meta.db_table
    cols = ", ".join(model._meta.get_field(c).column for c in columns)
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)


# COPY text format: a backslash, tab, newline or carriage return inside a value is escaped
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_CHUNK = 20000  # rows per write to the server


class _CopyText:
    """COPY text of the values of many rows: the same few dates and references come again and
    again (a planned order's number in every peg that names it), so each distinct one is formatted
    once (half the formatting time of 1.9 million pegs)."""

    def __init__(self) -> None:
        self._text: dict[str, str] = {}
        self._opt: dict[object, str] = {None: "\\N"}

    def text(self, value: str) -> str:
        out = self._text.get(value)
        if out is None:
            out = self._text[value] = value.translate(_COPY_ESCAPES)
        return out

    def opt(self, value) -> str:
        """A nullable date (or any value with a stable str) in COPY text."""
        out = self._opt.get(value)
        if out is None:
            out = self._opt[value] = str(value)
        return out


def _opt(value) -> str:
    """A nullable quantity in COPY text format."""
    return "\\N" if value is None else str(value)


def _copy_lines(model, columns: list[str], lines) -> None:
    """COPY preformatted text lines (tab-separated, escaped, newline-terminated) into the model's
    table, a chunk of rows per write: the server parses while the next chunk is formatted."""
    table = model._meta.db_table
    cols = ", ".join(model._meta.get_field(c).column for c in columns)
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        buf: list[str] = []
        for line in lines:
            buf.append(line)
            if len(buf) >= _COPY_CHUNK:
                copy.write("".join(buf))
                buf.clear()
        if buf:
            copy.write("".join(buf))


PLANNED_COLUMNS = ["run_id", "seq", "item_id", "order_type", "qty", "qty_exact", "net_qty", "release_date", "due_date",
                   "late", "pegged_to", "firm", "status", "document_type", "document_number"]  # fmt: skip
MESSAGE_COLUMNS = ["run_id", "kind", "item_id", "date", "ref", "qty", "new_date"]
PEG_COLUMNS = ["run_id", "item_id", "demand_kind", "demand_ref", "demand_date", "supply_kind", "supply_ref",
               "supply_date", "qty"]  # fmt: skip


def write_plan(run: MrpRun, result: MrpResult) -> None:
    """Planned orders, messages and pegs of a run (inside the caller's transaction).

    PostgreSQL: one COPY per table of preformatted text rows (a 50k-item run writes 570,000
    planned orders and 1.9 million pegs). Quantities go as the engine's exact decimals; the column
    (6 places) rounds them half away from zero on the server, as `round_qty` does."""
    if connection.vendor != "postgresql":
        _write_plan_orm(run, result)
        return
    rid, open_ = str(run.pk), PlannedStatus.OPEN.value
    fmt = _CopyText()
    esc, day = fmt.text, fmt.opt
    _copy_lines(
        PlannedOrder,
        PLANNED_COLUMNS,
        (
            f"{rid}\t{p.seq}\t{p.item_id}\t{esc(p.order_type)}\t{p.qty}\t{exact_text(p.qty)}\t{p.net}\t{day(p.release_date)}\t"
            f"{day(p.due_date)}\t{'t' if p.late else 'f'}\t{esc(p.pegged_to)}\t{'t' if p.firm else 'f'}\t{open_}\t\t\n"
            for p in result.planned_orders
        ),
    )
    _copy_lines(
        MrpMessage,
        MESSAGE_COLUMNS,
        (
            f"{rid}\t{esc(e.kind)}\t{e.item_id}\t{day(e.date)}\t{esc(e.ref)}\t{_opt(e.qty)}\t{day(e.new_date)}\n"
            for e in result.exceptions
        ),
    )
    _copy_lines(
        MrpPeg,
        PEG_COLUMNS,
        (
            f"{rid}\t{g.item_id}\t{esc(g.demand_kind)}\t{esc(g.demand_ref)}\t{day(g.demand_date)}\t"
            f"{esc(g.supply_kind)}\t{esc(g.supply_ref)}\t{day(g.supply_date)}\t{g.qty}\n"
            for g in result.pegs
        ),
    )


def _write_plan_orm(run: MrpRun, result: MrpResult) -> None:
    """Other databases (SQLite in quick local checks): the same rows through the ORM."""
    _copy_rows(
        PlannedOrder,
        PLANNED_COLUMNS,
        (
            (run.pk, p.seq, p.item_id, p.order_type, round_qty(p.qty), exact_text(p.qty), round_qty(p.net), p.release_date,
             p.due_date, p.late, p.pegged_to, p.firm, PlannedStatus.OPEN, "", "")
            for p in result.planned_orders
        ),
    )  # fmt: skip
    _copy_rows(
        MrpMessage,
        MESSAGE_COLUMNS,
        (
            (run.pk, e.kind, e.item_id, e.date, e.ref, None if e.qty is None else round_qty(e.qty), e.new_date)
            for e in result.exceptions
        ),
    )
    _copy_rows(
        MrpPeg,
        PEG_COLUMNS,
        (
            (run.pk, g.item_id, g.demand_kind, g.demand_ref, g.demand_date, g.supply_kind, g.supply_ref,
             g.supply_date, round_qty(g.qty))
            for g in result.pegs
        ),
    )  # fmt: skip


def _id_floor(model) -> int | None:
    """The last id the table's sequence handed out: rows written after this call have larger ids."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        seq = cur.fetchone()[0]
        if not seq:
            return None
        cur.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {seq}")
        return int(cur.fetchone()[0])


def _finish(run_id: int, target: str, *, started: float, result=None, item_count: int = 0, message: str = ""):
    """Running → done (with its planned orders, messages and pegs, in the same transaction) or
    failed. When the run is no longer running (failed as stale meanwhile), nothing is written."""
    with transaction.atomic():
        run = MrpRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            return run
        RUN_FLOW.apply(run, target)
        if result is not None:
            if connection.vendor == "postgresql":
                # the commit does not wait for the WAL flush of the plan's million rows: a server
                # crash right after it loses at most this run, which then stays running and is
                # failed as stale (fail_stale_runs) — never a half-written plan
                # the foreign keys of the rows written are checked as they are written, not at
                # the commit (Django's are deferred): the status below changes just before the
                # commit, so a run started meanwhile is not kept waiting on its unique index
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL synchronous_commit TO OFF")
                    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            run.order_id_floor = _id_floor(PlannedOrder)
            write_plan(run, result)
            run.progress = 100
            run.item_count = item_count
            run.order_count = len(result.planned_orders)
            run.exception_count = len(result.exceptions)
        run.message = message
        run.finished_at = run.heartbeat_at = timezone.now()
        run.duration_ms = int((time.perf_counter() - started) * 1000)
        run.save()
    return run


def analyze_plan_tables() -> None:
    """Fresh planner statistics for the plan's tables once a run has written its rows (PostgreSQL).
    Every row of the new current run is new: until autovacuum's analyze comes round, PostgreSQL
    would take the run for empty and read all its 570,000 orders for a net change of a few items
    (measured: 1.5 s instead of milliseconds per read, a change's latency 2.6 s → 23 s at p95)."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(m._meta.db_table for m in (PlannedOrder, MrpPeg, MrpMessage))
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {tables}")


def mrp_run_execute(*, run_id: int, timings: dict | None = None) -> MrpRun:
    """Compute the plan and store it. Idempotent: only a queued run is executed; every status
    change goes through RUN_FLOW (queued → running → done / failed). `timings` (optional dict)
    receives read / compute / write seconds, wall and CPU (bench_mrp)."""
    from ..sources import collect

    run, taken = _take(run_id)
    if not taken:
        return run
    started = time.perf_counter()
    last = [started]

    def on_progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= HEARTBEAT_EVERY:
            last[0] = now
            _beat(run_id, 30 + (40 * done // total if total else 0))

    pause = int(os.environ.get("MRP_RUN_PAUSE_SECONDS") or 0)  # whole seconds
    if pause:  # fault injection for the worker-kill test (tests/mrp/test_workbench_worker.py)
        time.sleep(pause)
    try:
        cpu0 = time.process_time()
        data = collect(d0=run.run_date, horizon_days=run.horizon_days)
        t_read, cpu_read = time.perf_counter(), time.process_time()
        _beat(run_id, 30)
        result = run_mrp(d0=run.run_date, horizon_days=run.horizon_days, progress=on_progress, **data)
        t_compute, cpu_compute = time.perf_counter(), time.process_time()
        _beat(run_id, 70)
        run = _finish(run_id, RunStatus.DONE, started=started, result=result, item_count=len(data["items"]))
        if run.status == RunStatus.DONE:
            analyze_plan_tables()
        if timings is not None:  # wall seconds, and this process's CPU seconds (cpu_*)
            timings.update(
                read=t_read - started,
                compute=t_compute - t_read,
                write=time.perf_counter() - t_compute,
                cpu_read=cpu_read - cpu0,
                cpu_compute=cpu_compute - cpu_read,
                cpu_write=time.process_time() - cpu_compute,
                pegs=len(result.pegs),
            )
        return run
    except (MrpCycleError, DomainError) as exc:
        msg = str(exc)
        msg = (_("BOM cycle: %(path)s") % {"path": msg}) if isinstance(exc, MrpCycleError) else msg
        return _finish(run_id, RunStatus.FAILED, started=started, message=msg)
    except Exception as exc:
        _finish(run_id, RunStatus.FAILED, started=started, message=f"{exc.__class__.__name__}: {exc}")
        raise


__all__ = ["fail_stale_runs", "mrp_run_create", "mrp_run_execute", "mrp_run_start", "write_plan"]
