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
