"""The demo is what production users see: DEBUG off, the app's own error pages, static files
served by the app itself (WhiteNoise), and demo accounts only under the development settings."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

ROOT = settings.BASE_DIR


def _dev_setting(name: str, **env: str) -> str:
    """A setting's value as `make demo` sees it (the development settings, a clean environment)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    code = (
        f"import django; from django.conf import settings; django.setup(); print(settings.{name})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "budgetscreen.settings.dev", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_demo_runs_with_debug_off_and_may_load_demo_data():
    assert _dev_setting("DEBUG") == "False"
    assert _dev_setting("DEMO_DATA") == "True"
    assert _dev_setting("DEBUG", DEBUG="1") == "True"


def test_production_never_loads_demo_data():
    env = {
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "budgetscreen.example",
        "DATABASE_URL": "postgres://check@127.0.0.1:1/check",
        "AUDIT_KEY": "y" * 50,
    }
    code = (
        "import django; from django.conf import settings; django.setup(); print(settings.DEMO_DATA)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "budgetscreen.settings.production", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"


@pytest.mark.django_db
def test_an_unknown_page_is_the_apps_own_404_not_the_debug_page(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="pw-123456789")
    client.force_login(user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "URLconf" not in body and "Using the URLconf" not in body
    assert "errors/404.html" in [t.name for t in response.templates]


@pytest.mark.django_db  # closing a response signals request_finished, which tidies connections
def test_static_files_are_served_by_the_app_with_debug_off(client):
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and "text/css" in css["Content-Type"]
    assert b"".join(css.streaming_content)
    css.close()
    # Sarabun comes from its package, through the same server.
    font = client.get("/static/fonts/Sarabun-Regular.ttf")
    assert font.status_code == 200
    assert b"".join(font.streaming_content)[:4] == b"\x00\x01\x00\x00"  # a TrueType file
    font.close()
