"""Settings shared by every environment. Environment-specific modules import * from here."""

import datetime
import os
from pathlib import Path

import dj_database_url
import fontpkg_sarabun
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = "override-me"  # each environment module sets its own
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # ours, lowest layer first
    "core",
    "directory",
    "proposals",
    "screening",
    "committee",
    "plans",
    "execution",
    "api",
    "budgetscreen",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are served by the app itself (the demo too, with DEBUG off), before sessions.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.FaultPagesMiddleware",
    "core.middleware.PrivateCacheControlMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "core.middleware.SessionInactivityMiddleware",
    "core.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "budgetscreen.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "budgetscreen.context_processors.navigation",
            ],
            "builtins": ["core.templatetags.thai"],
        },
    },
]

WSGI_APPLICATION = "budgetscreen.wsgi.application"

DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "budgetscreen.sqlite3"


def database_from_env(env, default_sqlite_path=DEFAULT_SQLITE_PATH):
    """DATABASE_URL when set (PostgreSQL in production), else the embedded SQLite file."""
    url = env.get("DATABASE_URL") or f"sqlite:///{default_sqlite_path}"
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets the live meeting view read while a vote is written.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


AUTH_USER_MODEL = "directory.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out username + address pairs
    "django.contrib.auth.backends.ModelBackend",
    "core.oidc.OIDCBackend",  # single sign-on; signs nobody in while OIDC is off
]
# Lockout after repeated failures of one username from one address, with a cool-off.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client's address: X-Forwarded-For is read only from these proxies (addresses or networks,
# e.g. ["10.0.0.5"]); with none, REMOTE_ADDR. django-axes' own AXES_IPWARE_* settings are unused.
TRUSTED_PROXIES: list[str] = []
AXES_CLIENT_IP_CALLABLE = "core.signin_protection.client_ip"
# Beside the lock of one username from one address: a username that fails this often within
# the window, from any addresses, stays locked until an administrator unlocks it.
ACCOUNT_LOCK_FAILURE_LIMIT = 20
ACCOUNT_LOCK_WINDOW = datetime.timedelta(hours=1)
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # what ACCOUNT_LOCK_FAILURE_LIMIT counts
AXES_HANDLER = "core.signin_protection.SignInLockHandler"
AXES_LOCKOUT_CALLABLE = "core.signin_protection.lockout_response"

# Sessions: an absolute lifetime, and a sign-out after a spell of inactivity.
SESSION_COOKIE_AGE = 10 * 60 * 60
SESSION_INACTIVITY_TIMEOUT = 30 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Two-factor sign-in (TOTP): users who have a confirmed device always give a code; staff,
# committee and admin accounts must enrol when TWO_FACTOR_REQUIRED is on (production).
TWO_FACTOR_REQUIRED = False
OTP_TOTP_ISSUER = "budgetscreen"


def _env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Single sign-on through OpenID Connect (core/oidc.py, core/sso.py; README "Single sign-on"):
# off unless the environment names the issuer and the client id. The endpoints come from the
# issuer's /.well-known/openid-configuration unless set. State, nonce and PKCE (S256) are
# always on; an identity signs in only as the user an administrator linked it to.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
# The client secret in an Authorization header (client_secret_basic) instead of the form body.
OIDC_TOKEN_USE_BASIC_AUTH = os.environ.get("OIDC_TOKEN_USE_BASIC_AUTH", "0") == "1"
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_JWKS_ENDPOINT", "")
# The claim that names a person (linked to a user in the admin's "external identities").
OIDC_IDENTITY_CLAIM = os.environ.get("OIDC_IDENTITY_CLAIM", "sub")
# amr / acr values meaning the provider asked for a second factor: then the app's is not asked.
OIDC_MFA_AMR_VALUES = _env_list("OIDC_MFA_AMR", "mfa,otp,hwk,swk,sms,fpt,face,iris,pop")
OIDC_MFA_ACR_VALUES = _env_list("OIDC_MFA_ACR")
# Off by default: "domain=agency-code,…" gives a verified address of the domain a new account
# with this role in that (existing) agency.
OIDC_EMAIL_DOMAIN_AGENCIES = dict(
    item.split("=", 1) for item in _env_list("OIDC_EMAIL_DOMAIN_AGENCIES") if "=" in item
)
OIDC_EMAIL_DOMAIN_ROLE = "submitter"
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = 10 * 60 * 60  # the session's own lifetime decides

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Sarabun comes from the fontpkg-sarabun package, served as static/fonts/ (never copied in).
STATICFILES_DIRS = [BASE_DIR / "static", ("fonts", str(fontpkg_sarabun.ROOT / "files"))]
STATIC_ROOT = BASE_DIR / "var" / "static"
# Production serves what collectstatic gathered in STATIC_ROOT; dev and test look the files up.
WHITENOISE_USE_FINDERS = False

# Demo accounts share a published password: only the development settings may create them.
DEMO_DATA = False

# Uploaded documents live outside the static tree and are served only by a permission-checked view.
MEDIA_ROOT = BASE_DIR / "var" / "media"
# No URL serves MEDIA_ROOT (only Django's test live server would); attachments go through views.
MEDIA_URL = "/media-not-served/"
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
# Form fields other than files (the proposal's texts fit many times over).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_500_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A request body larger than this is refused (413) before it is read: one attachment and the
# form around it. Without signing in, only DATA_UPLOAD_MAX_MEMORY_SIZE (no public form takes a
# file). The proxy in front should refuse the same (see README: client_max_body_size).
REQUEST_BODY_MAX_BYTES = ATTACHMENT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
# Credentials other than the session that may send an attachment-sized body (the API's write
# tokens); each reads headers only (core.middleware.RequestBodyLimitMiddleware).
REQUEST_BODY_VOUCHERS = ["api.authentication.vouches_for_body"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Covering indexes (Index(include=...)) serve index-only scans on PostgreSQL, the production
# database; SQLite, the demo's, builds them as plain indexes, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "budgetscreen@localhost"

# Background tasks (Django's tasks interface, backported by django-tasks) kept in the database
# (django-tasks-db) and run by `manage.py db_worker` processes: see docs/EXPORTS.md.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "exports"],
    }
}
# A plan version with more approved projects than this is exported to XLSX or PDF in the
# background (a status page shows progress and keeps the file); smaller ones download at once.
PLAN_EXPORT_SYNC_LIMIT = 1000
# A queued or running export whose progress has not moved for this long is taken as lost (its
# worker died) and a new request starts it again.
PLAN_EXPORT_STALE_AFTER = datetime.timedelta(minutes=30)

# The audit chain (core/audit.py): events are signed with AUDIT_KEY, a key kept out of the
# database (production requires it from the environment); when it is empty, with a key generated
# into AUDIT_KEY_FILE on first use. Every AUDIT_ANCHOR_EVERY events and at each plan publication,
# the chain's head is appended to AUDIT_ANCHOR_PATH, which verify_audit checks the table against.
AUDIT_KEY = ""
AUDIT_KEY_FILE = BASE_DIR / "var" / "audit.key"
AUDIT_ANCHOR_PATH = BASE_DIR / "var" / "audit-anchors.jsonl"
AUDIT_ANCHOR_EVERY = 100

# Days before a round closes when agencies with drafts are reminded.
REMINDER_DAYS_BEFORE_CLOSE = 3

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Everything is served by the app itself; scripts only from our own static files.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "budgetscreen": {"handlers": ["console"], "level": "INFO"},
        "django.security": {"handlers": ["console"], "level": "WARNING"},
    },
}

# The REST API (/api/v1/, the `api` app): bearer tokens of service accounts only (no session,
# so no CSRF), JSON only, money as decimal strings, throttled per token. The throttle counts in
# Django's cache (CACHES; the default local-memory cache counts per process).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScopePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": "600/minute"},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "budgetscreen API",
    "DESCRIPTION": (
        "Rounds, reference lists, agencies, proposals, published plans and their progress; "
        "agencies' drafts written by their own systems. Authenticate with "
        "`Authorization: Bearer <token>` (manage.py create_api_token)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The reference's assets come from drf-spectacular-sidecar, served by the app (CSP: 'self').
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_AUTHENTICATION": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}
