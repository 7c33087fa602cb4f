"""Settings of the e2e servers (gunicorn, Celery worker): the test settings with a Celery queue of
the run's own, so that no other test session's worker takes its tasks (and it takes none of theirs)."""

import os

from erp.test_settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("E2E_CELERY_QUEUE", "celery")
