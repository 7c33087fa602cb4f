"""Shared fixtures: users per role, logged-in clients, a real Celery worker, headless Chromium."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "Test-pass-2026"


@pytest.fixture(autouse=True)
def _eager_celery_by_default(settings):
    """Tasks run in-process unless a test asks for the real worker (`celery_worker`)."""
    from erp.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def make_user(db):
    from django.contrib.auth import get_user_model

    def make(username="user", *roles, superuser=False, **extra):
        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, is_superuser=superuser, is_staff=superuser, **extra
        )
        for role in roles:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def login(client, make_user):
    """login("仓库") -> a test client logged in as a fresh user with that role."""

    def do(*roles, username=None, superuser=False):
        user = make_user(username or ("u_" + "_".join(roles or ("su",))), *roles, superuser=superuser)
        client.force_login(user)
        client.user = user
        return client

    return do


@pytest.fixture
def admin_client_su(login):
    return login(superuser=True, username="root")


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker (thread) on the Redis broker; needs REDIS_URL (make test sets it)."""
    from celery.contrib.testing.worker import start_worker

    from erp.celery import app

    if not os.environ.get("REDIS_URL"):
        pytest.fail("REDIS_URL is not set: task tests need Redis (run them through `make test`).")
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = os.environ["REDIS_URL"]
    app.conf.result_backend = os.environ["REDIS_URL"]
    # A queue of our own, so parallel test sessions never run each other's tasks.
    queue = f"test-{os.getpid()}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    with start_worker(
        app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10, queues=[queue]
    ) as worker:
        yield worker
    app.conf.task_default_queue = previous_queue
    app.conf.task_always_eager = True


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian chromium.")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.base_url = live_server.url
    yield pg
    context.close()


@pytest.fixture
def browser_login(page, make_user):
    """browser_login("仓库") -> the page, logged in through the login form."""

    def do(*roles, username="browser", superuser=False):
        make_user(username, *roles, superuser=superuser)
        page.goto(page.base_url + "/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(page.base_url + "/")
        return page

    return do


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
