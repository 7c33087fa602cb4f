"""The quick start (`make run` without DATABASE_URL or REDIS_URL): the embedded SQLite file takes
the migrations and the demo factory — MRP, net change, CTP and postings run in-process on it — and
every page of the menu opens for an administrator. The rest of the suite runs on PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMOKE = """
import django; django.setup()
from django.conf import settings; settings.ALLOWED_HOSTS = ["*"]
from django.contrib.auth import get_user_model
from django.test import Client
from erp.navigation import menu_for
user = get_user_model().objects.filter(is_superuser=True).first()
client = Client(raise_request_exception=False); client.force_login(user)
urls = list(dict.fromkeys(i["url"] for m in menu_for(user) for i in m["items"]))
bad = [(u, r.status_code) for u in urls for r in [client.get(u, HTTP_ACCEPT_LANGUAGE="en")] if r.status_code >= 400]
print("pages", len(urls), "bad", bad)
"""


def _manage(env, *args, code=None):
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "manage.py", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_quick_start_on_sqlite_migrates_loads_the_demo_and_opens_every_page(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'tiangong.sqlite3'}", DEBUG="1",
               DJANGO_SETTINGS_MODULE="erp.settings")  # fmt: skip
    for args in (("migrate", "--noinput", "-v", "0"), ("seed_demo",)):
        done = _manage(env, *args)
        assert done.returncode == 0, done.stderr[-3000:]
    assert "Demo data ready." in done.stdout
    done = _manage(env, code=SMOKE)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("pages "))
    assert line.endswith("bad []") and int(line.split()[1]) >= 90, line  # 97 unique menu pages
