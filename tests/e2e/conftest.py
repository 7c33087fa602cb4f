"""Live servers for the end-to-end loop: a database of its own, gunicorn (2 workers) and one Celery
worker process on it, headless Debian chromium.

Per language the fixture clones pytest-django's migrated test database (`CREATE DATABASE …
TEMPLATE`, a second instead of a migration), seeds the users and master data through the services
(`tests/e2e/seed.py`), starts `gunicorn erp.wsgi` and `celery -A erp worker` as subprocesses in
process groups of their own with the same DATABASE_URL / REDIS_URL and a Celery queue of the run's
own, waits for /healthz, and at the end kills both groups and drops the database.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "artifacts"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_sql(db: dict, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    ) as conn:  # fmt: skip
        conn.execute(sql)


class Servers:
    def __init__(self, lang: str, db: dict, name: str):
        self.lang, self.db, self.name = lang, db, name
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.logs = ARTIFACTS / "e2e-logs" / lang
        self.logs.mkdir(parents=True, exist_ok=True)
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        redis = os.environ.get("REDIS_URL", "")
        if not redis:
            pytest.fail("REDIS_URL is not set: the e2e suite runs a real Celery worker (run it through `make test`).")
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)},
            "DJANGO_SETTINGS_MODULE": "tests.e2e.settings",
            "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
            "REDIS_URL": redis,
            "E2E_CELERY_QUEUE": f"e2e-{uuid.uuid4().hex[:12]}",
            "DEBUG": "0",
            "LOG_FORMAT": "text",
            "ACCESS_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        self.procs: list[subprocess.Popen] = []

    def _spawn(self, args, log):
        out = open(self.logs / log, "w")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc.log = out
        self.procs.append(proc)
        return proc

    def start(self):
        # the servers start while the seed writes (the health check waits for both)
        self._spawn(
            [str(BIN / "gunicorn"), "erp.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "2", "--timeout", "120"],
            "gunicorn.log",
        )
        self._spawn(
            [str(BIN / "celery"), "-A", "erp", "worker", "-P", "solo", "-l", "WARNING", "-Q",
             self.env["E2E_CELERY_QUEUE"], "--without-gossip", "--without-mingle", "-n", f"e2e-{self.lang}@%h"],
            "celery.log",
        )  # fmt: skip
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.e2e.seed"], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if seeded.returncode:
            pytest.fail(f"seeding the e2e database failed:\n{seeded.stderr[-3000:]}")
        deadline = time.monotonic() + 90
        last = ""
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    pytest.fail(f"{proc.args[0]} exited ({proc.returncode}); see {self.logs}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=5) as r:
                    if r.status == 200:
                        return self
            except urllib.error.HTTPError as e:
                last = e.read().decode()[:300]
            except OSError as e:
                last = str(e)
            time.sleep(0.5)
        pytest.fail(f"/healthz did not answer 200 within 90 s: {last}")

    def stop(self):
        # quick shutdowns: gunicorn on SIGINT, the Celery worker on SIGQUIT (cold; the loop is over)
        for proc, sig in zip(self.procs, (signal.SIGINT, signal.SIGQUIT)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            proc.log.close()
        import redis

        queue = self.env["E2E_CELERY_QUEUE"]
        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(self.env["REDIS_URL"]).delete(
                queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
            )


@pytest.fixture
def e2e_servers(request, django_db_setup, django_db_blocker):
    """servers(lang) -> Servers on a fresh database cloned from the migrated test database."""
    from django.db import connections

    db = connections["default"].settings_dict  # the test database's name (pytest-django)
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("the e2e suite needs PostgreSQL: run it through `make test` (DATABASE_URL=postgres://…)")
    started: list[Servers] = []

    def start(lang: str) -> Servers:
        name = f"{db['NAME']}_e2e_{lang.replace('-', '_')}"[:63]
        with django_db_blocker.unblock():
            connections.close_all()  # a template must have no other session
        _admin_sql(db, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # sessions left on the template by threads of the database setup (connections are per
        # thread) would refuse the copy: this database is this test process's own
        _admin_sql(
            db,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{db['NAME']}' AND pid <> pg_backend_pid()",
        )
        _admin_sql(db, f'CREATE DATABASE "{name}" TEMPLATE "{db["NAME"]}"')
        servers = Servers(lang, db, name)
        started.append(servers)
        return servers.start()

    yield start
    db_args = {k: db[k] for k in ("HOST", "PORT", "USER", "PASSWORD")}
    for servers in started:
        t0 = time.monotonic()
        servers.stop()
        print(f"[e2e {servers.lang}] servers stopped in {time.monotonic() - t0:.1f} s")
        # DROP DATABASE waits for a checkpoint (a minute on a busy server): a detached process does
        # it while the suite goes on; the next run drops a leftover of the same name first
        drop = f'DROP DATABASE IF EXISTS "{servers.name}" WITH (FORCE)'
        subprocess.Popen(
            [sys.executable, "-c", f"from tests.e2e.conftest import _admin_sql as s; s({db_args!r}, {drop!r})"],
            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
