import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_language_switch_shows_chinese_and_english(login):
    client = login("仓库", username="lang")
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    html = client.get("/").content.decode()
    assert "仪表盘" in html and "仓库" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "Dashboard" in html and "Warehouse" in html and "仪表盘" not in html


@pytest.mark.django_db
def test_healthz_all_up_with_eager_tasks(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


@pytest.mark.django_db
def test_healthz_names_the_broker_when_down(client, settings):
    from erp.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "up"
    assert body["down"] == ["broker", "worker"]


@pytest.mark.celery
def test_healthz_up_with_real_worker(client, celery_worker):
    from erp.tasks import ping

    assert ping.delay().get(timeout=10) == "pong"
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "down": [], "database": "up", "broker": "up", "worker": "up"}


@pytest.mark.django_db
def test_domain_error_becomes_a_message_not_a_500(login):
    client = login("仓库", username="de")
    from django.urls import path

    from erp.errors import DomainError

    def boom(request):
        raise DomainError("库存不足")

    urlpatterns = [path("boom/", boom)]
    with override_settings(ROOT_URLCONF=type("U", (), {"urlpatterns": urlpatterns})):
        response = client.post("/boom/", HTTP_REFERER="http://testserver/back/")
    assert response.status_code == 302 and response["Location"] == "http://testserver/back/"


def test_deploy_check_is_clean_without_debug(tmp_path):
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "erp.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 64 + "-Production-Secret-Key-2026!",
        "ALLOWED_HOSTS": "erp.example.com",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_list_page_counts_its_rows_once(admin_client_su, django_assert_max_num_queries):
    """django-tables2 paginates; the ListView must not run a second COUNT(*)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    for i in range(30):
        factories.item(f"CNT-{i:02d}")
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client_su.get("/inventory/items/?page=2")
    assert response.status_code == 200
    assert "CNT-29" in response.content.decode()
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "inventory_item" in q["sql"]]
    assert len(counts) == 1, counts
