"""The database connection drops while the app serves (a PostgreSQL restart): the next
request works, because persistent connections are health-checked before reuse."""

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from django.conf import settings as django_settings
from django.db import connection

from directory.roles import Role
from tests.factories import PASSWORD, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
        reason="needs PostgreSQL: SQLite has no server connection to lose",
    ),
]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port, deadline=30):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"the server on port {port} did not start")


class Browser:
    """A tiny cookie-keeping client for a real server on loopback."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=20) as response:
            return response.status, response.geturl()

    def login(self, username, password):
        self.get("/accounts/login/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/", data=data, headers={"Referer": self.base + "/"}
        )
        with self.opener.open(request, timeout=20) as response:
            return response.geturl()


def test_next_request_works_after_the_connection_is_killed(settings):
    # The server runs the development settings, whose hasher is not the test suite's MD5.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    make_user(Role.SCREENER, username="survivor")
    params = connection.settings_dict
    url = (
        f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
        f"/{params['NAME']}"
    )
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0",
           "DJANGO_SETTINGS_MODULE": "budgetscreen.settings.dev"}  # fmt: skip
    server = subprocess.Popen(  # noqa: S603
        # One sync worker: every request reuses the same persistent database connection.
        [sys.executable, "-m", "gunicorn", "budgetscreen.wsgi", "--workers", "1",
         "--bind", f"127.0.0.1:{port}"],
        cwd=django_settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(port)
        browser = Browser(f"http://127.0.0.1:{port}")
        assert browser.login("survivor", PASSWORD).endswith("/screening/")
        assert browser.get("/screening/")[0] == 200
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [params["NAME"]],
            )
            assert cursor.fetchall(), "the server held no connection to kill"
        status, final_url = browser.get("/screening/")
        assert status == 200 and final_url.endswith("/screening/")
    finally:
        server.terminate()
        server.wait(timeout=20)
