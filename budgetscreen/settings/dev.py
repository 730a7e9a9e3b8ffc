"""Local development and `make demo`: embedded SQLite unless DATABASE_URL says otherwise."""

import os

from .base import *  # noqa: F403
from .base import database_from_env

# The demo runs as production users see it (the app's own 404/403/500 pages, static files through
# WhiteNoise); DEBUG=1 gives Django's debug pages while developing.
DEBUG = os.environ.get("DEBUG", "0") == "1"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
DEMO_DATA = True
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret-budgetscreen")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
DATABASES = {"default": database_from_env(os.environ)}
# Without AUDIT_KEY, the demo's audit key is generated into var/audit.key on first use.
AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
if os.environ.get("AUDIT_ANCHOR_PATH"):
    AUDIT_ANCHOR_PATH = os.environ["AUDIT_ANCHOR_PATH"]
