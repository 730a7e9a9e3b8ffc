"""A tiny OpenID Connect provider for the sign-in tests: django-oauth-toolkit with OIDC on.

Started by tests/oidc/provider.py as its own process on loopback (serve.py); everything it needs
comes from the environment: its port, a folder for its SQLite file, its RSA signing key
(generated at start) and the claims each of its users gets (OIDC_TEST_CLAIMS, JSON).
"""

import json
import os

PORT = int(os.environ["OIDC_TEST_PORT"])
ISSUER = f"http://127.0.0.1:{PORT}/o"

SECRET_KEY = "oidc-test-provider-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "tests.oidc_provider.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(os.environ["OIDC_TEST_DIR"], "provider.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LOGIN_URL = "/accounts/login/"
# Its own cookie names: the app under test may share the host (cookies ignore the port).
SESSION_COOKIE_NAME = "provider_session"
CSRF_COOKIE_NAME = "provider_csrf"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

with open(os.environ["OIDC_TEST_KEY_FILE"], encoding="ascii") as key_file:
    RSA_KEY = key_file.read()

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": RSA_KEY,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.validators.TestClaimsValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "email": "Your e-mail address",
        "profile": "Your name",
    },
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
}
# username → extra ID token claims: "sub", "email", "amr", "acr", and "exp_offset" (seconds
# from now, negative for an ID token that is already expired).
TEST_CLAIMS = json.loads(os.environ.get("OIDC_TEST_CLAIMS", "{}"))
