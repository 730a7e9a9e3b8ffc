"""The test suite: SQLite in memory, or the PostgreSQL named by DATABASE_URL."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, database_from_env

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATABASES = {"default": database_from_env(os.environ, default_sqlite_path=":memory:")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # One test database per run, so that runs side by side never drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_budgetscreen_{os.getpid()}"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AUDIT_KEY = "test-only-audit-key-not-secret"
AUDIT_KEY_FILE = None
# tests/conftest.py gives each test an anchors file of its own (and passes it on to the servers
# and workers it starts); this one catches the rest (module fixtures), and nothing verifies it.
AUDIT_ANCHOR_PATH = (
    os.environ.get("AUDIT_ANCHOR_PATH") or BASE_DIR / "var" / "test-audit-anchors.jsonl"
)
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Lockout is switched on by the tests that exercise it (Django's test client logs in without
# a request, which django-axes refuses).
AXES_ENABLED = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Background tasks: the tests keep the database backend of base.py (not the immediate one), so
# that a request only queues its task, as in production, and the tests then run the queue with
# the real `db_worker` command, in process or as a recycled subprocess (tests/plans).
