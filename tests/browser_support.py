"""Playwright for Python driving Debian's chromium (never a browser Playwright downloads).

The fixtures are registered for the whole suite in tests/conftest.py.
"""

import os
import shutil

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# test itself (fixtures, assertions) are still synchronous and safe there.
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


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is missing: run `make test` (it installs it) "
            "or apt-get install chromium"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """A factory of pages, each in its own browser context (its own cookies and session)."""
    contexts = []

    def make(locale="th-TH"):
        context = chromium.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    # ORM calls made while Playwright's event loop runs may hold a connection of their own;
    # close them, or PostgreSQL refuses to drop the test database at the end.
    connections.close_all()
    for context in contexts:
        context.close()


def login(page, live_server, username, password="budgetscreen"):
    """Sign in through the real login form and wait for the landing page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    return page
