"""Faults (issue #20): PostgreSQL restarted under a running app.

The test starts a PostgreSQL cluster of its own on a free port (never the shared server), copies
the test database into it, serves the app with gunicorn on it, and restarts that cluster while a
user works: the user gets the error page, nothing is half-saved, and the app recovers by itself.
"""

import contextlib
import glob
import http.cookiejar
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "Fault-pass-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args, **kw):
    cmd = args if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True, **kw)


class OwnPostgres:
    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            pytest.fail("PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin)")
        self.bin = Path(bins[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="tg-pg-"))
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        _as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])

    def pg_ctl(self, action):
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as_postgres(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "-m", "fast", "-o", opts,
             "-l", str(self.dir / "log"), action]
        )  # fmt: skip

    def remove(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.pg_ctl("stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class _Forms(HTMLParser):
    """Every POST form's fields with their default values."""

    def __init__(self):
        super().__init__()
        self.forms, self.fields, self.select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.fields = {}
            self.forms.append(self.fields)
        elif self.fields is None:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.fields.setdefault(self.select, "")
        elif tag == "option" and self.select and ("selected" in a or not self.fields[self.select]):
            self.fields[self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.fields = None


@pytest.fixture
def own_postgres():
    pg = OwnPostgres()
    pg.pg_ctl("start")
    yield pg
    pg.remove()


@pytest.mark.django_db(transaction=True)
def test_postgres_restart_error_page_nothing_half_saved_and_recovery(own_postgres, settings):
    source = settings.DATABASES["default"]
    src = ["-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432), "-U", source["USER"] or "postgres"]
    dst = ["-h", "127.0.0.1", "-p", str(own_postgres.port), "-U", "postgres"]
    subprocess.run(["createdb", *dst, "tg_fault"], check=True)
    dump = subprocess.run(["pg_dump", *src, "--no-owner", source["NAME"]], capture_output=True, check=True)
    subprocess.run(["psql", *dst, "-q", "-v", "ON_ERROR_STOP=1", "tg_fault"], input=dump.stdout, check=True,
                   capture_output=True)  # fmt: skip

    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "erp.test_settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{own_postgres.port}/tg_fault",
        "DEBUG": "0",
        "ACCESS_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.contrib.auth import get_user_model as g; from inventory.models import UnitOfMeasure as U;"
         f"g().objects.create_superuser('fault', 'f@example.com', '{PASSWORD}');"
         "U.objects.get_or_create(code='pcs', defaults={'name': 'pcs'})"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "erp.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
         "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(path):
        try:
            with opener.open(base + path, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def post(path, data):
        req = urllib.request.Request(
            base + path, data=urllib.parse.urlencode(data).encode(), headers={"Referer": base + path}
        )
        try:
            with opener.open(req, timeout=30) as r:
                return r.status, r.geturl()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def form(path, field):
        """The fields of the page's POST form that has `field`."""
        status, html = get(path)
        assert status == 200, html[:500]
        parser = _Forms()
        parser.feed(html)
        return next(f for f in parser.forms if field in f)

    def item_count(code):
        out = subprocess.run(
            ["psql", *dst, "-tA", "tg_fault", "-c", f"SELECT count(*) FROM inventory_item WHERE code = '{code}'"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return int(out.stdout.strip())

    try:
        for _ in range(60):
            try:
                if get("/healthz")[0] in (200, 503):
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        login = form("/accounts/login/", "username")
        login.update(username="fault", password=PASSWORD)
        assert post("/accounts/login/", login)[0] == 200  # redirected to the dashboard
        assert get("/inventory/items/")[0] == 200
        fields = form("/inventory/items/new/", "code")
        fields.update(code="FAULT-1", name="断电测试")
        assert fields.get("uom"), "the item form offers a unit"

        own_postgres.pg_ctl("stop")
        status, body = get("/inventory/items/")
        assert status == 500 and "系统暂时出错" in body and "Something went wrong" in body
        status, body = post("/inventory/items/new/", fields)
        assert status == 500 and "Nothing was half-saved" in body
        health = get("/healthz")
        assert health[0] == 503 and '"database": "down' in health[1]

        own_postgres.pg_ctl("start")
        assert item_count("FAULT-1") == 0  # the refused save wrote nothing
        assert get("/healthz")[0] in (200, 503) and '"database": "up"' in get("/healthz")[1]
        assert get("/inventory/items/")[0] == 200  # same gunicorn process: recovered by itself
        fields = form("/inventory/items/new/", "code")
        fields.update(code="FAULT-1", name="断电测试")
        status, url = post("/inventory/items/new/", fields)
        assert status == 200 and "/inventory/items/" in url
        assert item_count("FAULT-1") == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
