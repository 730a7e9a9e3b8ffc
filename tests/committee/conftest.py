import os
import shutil

import pytest
from django.utils import translation

from .factories import make_setup

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the test
# itself stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(autouse=True)
def english():
    """Service messages are matched in English here; test_views checks the Thai ones."""
    with translation.override("en"):
        yield


@pytest.fixture
def setup(db):
    """A meeting of a committee with a chair and four voting members (five voters)."""
    return make_setup()


@pytest.fixture
def committee_browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(request):
    """pytest-django's live server, with a MEDIA_URL string while it starts.

    The settings set ``MEDIA_URL = None`` (attachments are served by a permission-checked view
    only), and Django's live-server media handler cannot parse None. This server is our own,
    for these tests only, and stops after each.
    """
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    with override_settings(MEDIA_URL="/media-not-served/"):
        server = LiveServer("localhost")
    yield server
    server.stop()

