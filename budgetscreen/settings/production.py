"""Production: everything from the environment; refuses to start without a real SECRET_KEY."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import AUDIT_ANCHOR_EVERY, AUDIT_ANCHOR_PATH, OIDC_ISSUER, database_from_env


def _required(name):
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set in production.")
    return value


SECRET_KEY = _required("SECRET_KEY")
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
DATABASES = {"default": database_from_env({"DATABASE_URL": _required("DATABASE_URL")})}
# The audit chain's key never lives next to the data; the anchors file is shipped elsewhere.
AUDIT_KEY = _required("AUDIT_KEY")
if len(AUDIT_KEY) < 32:
    raise ImproperlyConfigured("AUDIT_KEY must be at least 32 random characters.")
AUDIT_KEY_FILE = None
AUDIT_ANCHOR_PATH = os.environ.get("AUDIT_ANCHOR_PATH", AUDIT_ANCHOR_PATH)
AUDIT_ANCHOR_EVERY = int(os.environ.get("AUDIT_ANCHOR_EVERY", AUDIT_ANCHOR_EVERY))

TWO_FACTOR_REQUIRED = os.environ.get("TWO_FACTOR_REQUIRED", "1") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The reverse proxy's address(es), comma-separated: only these may name the client's address
# in X-Forwarded-For (sign-in lockout and the audit trail).
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Single sign-on: the provider is reached over HTTPS only, and sends the browser back to HTTPS.
if OIDC_ISSUER and not OIDC_ISSUER.startswith("https://"):
    raise ImproperlyConfigured("OIDC_ISSUER must be an https:// address in production.")
OIDC_VERIFY_SSL = True
OIDC_REDIRECT_REQUIRE_HTTPS = True
