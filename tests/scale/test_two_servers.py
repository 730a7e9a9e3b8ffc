"""The app holds no state in process memory: two app servers sharing one PostgreSQL database
serve the same signed-in user, and a vote cast through one shows in the tally through the other.

Two gunicorn processes (settings ``budgetscreen.settings.dev`` with DEBUG=0) listen on two free
loopback ports and use the test database of this run. Only PostgreSQL can be shared by separate
processes this way (the SQLite test database lives in this process's memory).
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone

from committee.models import (
    AgendaItem,
    Attendance,
    Committee,
    Meeting,
    MeetingStatus,
    Membership,
    Position,
    Vote,
)
from directory.roles import Role
from proposals.workflow import Status
from tests.factories import make_proposal, make_round, make_user

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PASSWORD = "two-servers-Password-1"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two server processes can only share a PostgreSQL database "
        "(set DATABASE_URL=postgres://…); the SQLite test database is in this process's memory",
    ),
    pytest.mark.django_db(transaction=True),
]


def _free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Browser:
    """A cookie jar that can talk to either server."""

    def __init__(self):
        self.cookies = {}

    def request(self, port, method, path, form=None):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, content
        finally:
            conn.close()


def _database_url():
    """The URL of this run's test database, for the server processes."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or HOST}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_server(port):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "budgetscreen.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": _database_url(),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "budgetscreen.wsgi:application",
         "--bind", f"{HOST}:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def _wait_until_up(process, port):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            if Browser().request(port, "GET", "/accounts/login/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer on port {port} within 60 s")


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()


def _meeting_with_one_item(member):
    """A meeting in progress, ``member`` a voting member marked present, one item to vote on."""
    plan_round = make_round()
    proposal = make_proposal(
        plan_round=plan_round, status=Status.ON_AGENDA, requested=Decimal("5000000.00")
    )
    committee = Committee.objects.create(name_th="คณะกรรมการทดสอบ")
    membership = Membership.objects.create(
        committee=committee, user=member, position=Position.CHAIR
    )
    meeting = Meeting.objects.create(
        committee=committee, round=plan_round, number=1, year_be=2568,
        date=timezone.localdate(), status=MeetingStatus.IN_PROGRESS,
    )  # fmt: skip
    Attendance.objects.create(
        meeting=meeting, membership=membership, presence=Attendance.Presence.PRESENT
    )
    return meeting, AgendaItem.objects.create(meeting=meeting, proposal=proposal, order=1)


def test_two_servers_share_sessions_and_votes():
    member = make_user(Role.COMMITTEE, username="twoservers", first_name="สมชาย")
    # The servers run with Django's default hashers; the test settings only know MD5.
    member.password = PBKDF2PasswordHasher().encode(PASSWORD, "twoserverssalt")
    member.save(update_fields=["password"])
    meeting, item = _meeting_with_one_item(member)

    port_a, port_b = _free_port(), _free_port()
    servers = []
    try:
        servers = [(_start_server(port_a), port_a), (_start_server(port_b), port_b)]
        for process, port in servers:
            _wait_until_up(process, port)
        browser = Browser()

        # Sign in through A.
        status, _, page = browser.request(port_a, "GET", "/accounts/login/")
        assert status == 200
        token = TOKEN.search(page).group(1)
        status, headers, _ = browser.request(
            port_a, "POST", "/accounts/login/",
            {"username": "twoservers", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )  # fmt: skip
        assert status == 302, "the sign-in through server A was refused"
        assert "sessionid" in browser.cookies

        # The same session cookie is signed in on B.
        status, _, page = browser.request(port_b, "GET", meeting.get_absolute_url())
        assert status == 200
        assert "สมชาย" in page
        assert "/accounts/login/" not in browser.request(port_b, "GET", "/")[1].get("Location", "")

        # A vote through A shows in the tally served by B.
        status, headers, _ = browser.request(
            port_a, "POST", f"/meetings/{meeting.pk}/items/{item.pk}/vote/",
            {
                "choice": "approve",
                "amount": "",
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
        )  # fmt: skip
        assert status == 302
        assert headers["Location"].startswith(meeting.get_absolute_url())
        assert Vote.objects.filter(agenda_item=item, member=member, choice="approve").count() == 1

        status, _, body = browser.request(port_b, "GET", f"/meetings/{meeting.pk}/state.json")
        assert status == 200
        state = json.loads(body)
        board = next(entry for entry in state["items"] if entry["id"] == item.pk)
        assert board["tally"]["approve"] == 1
        assert board["tally"]["cast"] == 1
        assert board["my_vote"]["choice"] == "approve"

        # Signing out through B ends the session on A too.
        browser.request(port_b, "POST", "/accounts/logout/",
                        {"csrfmiddlewaretoken": browser.cookies["csrftoken"]})  # fmt: skip
        status, headers, _ = browser.request(port_a, "GET", meeting.get_absolute_url())
        assert status == 302
        assert headers["Location"].startswith("/accounts/login/")
    finally:
        for process, _ in servers:
            _stop(process)
