"""Settings of the benchmark: the production-like base, pointed at the bench database.

``bench.run`` sets BENCH_DATABASE_URL before Django starts; the gunicorn workers of the voting
measurement read the same variable. DEBUG is off, as in production.
"""

import os

from budgetscreen.settings.base import *  # noqa: F403
from budgetscreen.settings.base import BASE_DIR, database_from_env

DEBUG = False
SECRET_KEY = "bench-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATABASES = {"default": database_from_env({"DATABASE_URL": os.environ["BENCH_DATABASE_URL"]})}
MEDIA_ROOT = BASE_DIR / "var" / "bench-media"
# The bench database's own audit anchors, never the demo's.
AUDIT_ANCHOR_PATH = BASE_DIR / "var" / "bench-audit-anchors.jsonl"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}
# The application's URLs and the voting floor (bench/floor.py), served by the same gunicorn.
ROOT_URLCONF = "bench.urls"
