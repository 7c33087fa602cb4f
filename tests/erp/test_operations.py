"""Operations (issue #20): request ids in logs, the reports replica router, backup and restore."""

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext

from tests import factories

ROOT = Path(__file__).resolve().parent.parent.parent


def test_every_response_carries_a_request_id_and_the_log_lines_name_it(client, caplog):
    with caplog.at_level(logging.INFO, logger="erp.request"):
        first = client.get("/healthz")
        second = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-abc-12345")
        third = client.get("/healthz", HTTP_X_REQUEST_ID="bad id; drop table")
    assert len(first["X-Request-ID"]) == 32
    assert second["X-Request-ID"] == "proxy-abc-12345"
    assert third["X-Request-ID"] not in ("bad id; drop table", first["X-Request-ID"])
    lines = [r for r in caplog.records if r.name == "erp.request"]
    assert [r.request_id for r in lines] == [first["X-Request-ID"], "proxy-abc-12345", third["X-Request-ID"]]
    assert lines[0].path == "/healthz" and lines[0].status in (200, 503)


def test_json_log_lines_have_request_id_and_user(admin_client_su):
    from django.conf import settings

    from erp.logs import RequestContextFilter

    cfg = settings.LOGGING["formatters"]["json"]
    from pythonjsonlogger.json import JsonFormatter

    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter(cfg["fmt"], rename_fields=cfg["rename_fields"]))
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("erp.request")
    logger.addHandler(handler)
    try:
        response = admin_client_su.get("/inventory/items/")
    finally:
        logger.removeHandler(handler)
    record = json.loads(buf.getvalue().strip().splitlines()[-1])
    assert record["request_id"] == response["X-Request-ID"]
    assert record["user"] == "root"
    assert record["level"] == "INFO" and record["path"] == "/inventory/items/" and record["status"] == 200


@pytest.mark.django_db(transaction=True, databases=["default", "reports"])
def test_report_pages_read_from_the_reports_database(settings, login):
    """With a replica configured, the dead-stock and value reports read through the `reports`
    alias (here a mirror of the test database); documents keep using `default`."""
    settings.REPORTS_READS = True
    item = factories.item("REP-1")
    factories.stock(item, factories.warehouse("W1"), Decimal("4"), unit_cost=Decimal("2.5"))
    client = login("仓库")
    with (
        CaptureQueriesContext(connections["reports"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        dead = client.get("/inventory/dead-stock/?as_of=2099-01-01&idle_days=90")
        value = client.get("/inventory/value-by-category/")
    assert dead.status_code == 200 and value.status_code == 200
    assert "REP-1" in dead.content.decode()
    assert "10.00" in value.content.decode()
    replica_sql = " ".join(q["sql"] for q in replica.captured_queries)
    assert "inventory_stockmove" in replica_sql and "inventory_stockbalance" in replica_sql
    assert "inventory_stockmove" not in " ".join(q["sql"] for q in primary.captured_queries)
    # without REPORTS_READS every read stays on the primary
    settings.REPORTS_READS = False
    with CaptureQueriesContext(connections["reports"]) as replica:
        assert client.get("/inventory/value-by-category/").status_code == 200
    assert replica.captured_queries == []


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(tmp_path):
    """`backup` then `restore` into a new database: every table has the same row count, and
    the stock value is the same to the cent."""
    from django.conf import settings

    from inventory.models import StockBalance

    item = factories.item("BK-1")
    factories.stock(item, factories.warehouse("WB"), Decimal("3"), unit_cost=Decimal("1.25"))
    value = sum(b.value for b in StockBalance.objects.all())
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    marker = media / f"backup-test-{uuid.uuid4().hex}.txt"
    marker.write_text("附件", encoding="utf-8")
    try:
        call_command("backup", str(tmp_path / "b1"), stdout=io.StringIO())
    finally:
        marker.unlink()
    manifest = json.loads((tmp_path / "b1" / "manifest.json").read_text())
    assert manifest["tables"]["inventory_item"] >= 1

    cfg = settings.DATABASES["default"]
    target = f"restore_{uuid.uuid4().hex[:10]}"
    dsn = f"host={cfg['HOST'] or '127.0.0.1'} port={cfg['PORT'] or 5432} user={cfg['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{target}"')
    try:
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DATABASE_URL": f"postgres://{cfg['USER']}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{target}",
            "DJANGO_SETTINGS_MODULE": "erp.test_settings",
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
        out = subprocess.run(
            [sys.executable, "manage.py", "restore", str(tmp_path / "b1")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert "every table's row count matches" in out.stdout
        with psycopg.connect(dsn.replace("dbname=postgres", f"dbname={target}")) as conn:
            restored = conn.execute("SELECT coalesce(sum(value), 0) FROM inventory_stockbalance").fetchone()[0]
        assert restored == value
        # a second restore into the now full database is refused, nothing changed
        again = subprocess.run(
            [sys.executable, "manage.py", "restore", str(tmp_path / "b1")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
