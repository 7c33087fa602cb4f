"""Settings for the test suite: production settings, minus HTTPS-only cookies and redirects
(the live server speaks plain HTTP), with a fixed test secret."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-8c7d6e5f4a3b2c1d")

from .settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The replica alias exists in tests as a mirror of the test database; reads go there only when a
# test sets REPORTS_READS (tests/erp/test_operations.py).
DATABASES["reports"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPORTS_READS = False
