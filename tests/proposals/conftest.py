import os
import shutil

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium_page():
    """A Playwright page in Debian's chromium (skips when either is missing)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="th-TH")
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            # ORM calls made while Playwright's loop runs may hold their own connection;
            # close it here so that the test database can be dropped at the end.
            connections.close_all()
            context.close()
            browser.close()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server, started with a MEDIA_URL string.

    The project sets MEDIA_URL = None (documents are served only by a checked view); Django's
    live-server media handler cannot parse None, so the server is built under a placeholder URL
    that no route answers. It depends on the test database so that it stops (and lets go of
    its connection) before the database is dropped.
    """
    from django.test.utils import override_settings
    from pytest_django import live_server_helper

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(MEDIA_URL="/__no_media__/"):
        server = live_server_helper.LiveServer(addr)
    yield server
    server.stop()
