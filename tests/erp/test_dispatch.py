"""Redis down (issue #20): pages keep working, work stays queued, `/healthz` names the broker."""

import time

import pytest
from kombu import pools

from erp.celery import app
from erp.dispatch import send
from erp.tasks import ping


def _fresh_connections():
    """Connections and producers of the next send are made for the current broker_url."""
    # kombu keeps one pool per broker URL in a global registry: closing `app._pool` alone would
    # leave a closed pool there for the next test on that URL ("Acquire on closed pool")
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings):
    """A broker URL where nothing listens (a port of our own, never the shared Redis)."""
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = "redis://127.0.0.1:6399/0"
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _fresh_connections()
    yield
    app.conf.broker_url, app.conf.task_always_eager = previous
    _fresh_connections()


def test_send_reports_an_unreachable_broker_quickly_instead_of_failing(broker_down, caplog):
    started = time.perf_counter()
    assert send(ping) is False
    assert time.perf_counter() - started < 30  # it gives up instead of hanging the request
    assert "broker unreachable" in caplog.text and "erp.tasks.ping" in caplog.text


def test_pages_work_and_healthz_names_the_broker_when_redis_is_down(broker_down, admin_client_su):
    assert admin_client_su.get("/inventory/items/").status_code == 200
    health = admin_client_su.get("/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["database"] == "up"
    assert body["broker"].startswith("down")
    assert body["worker"] == "down: broker unreachable"
