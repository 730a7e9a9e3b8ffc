"""Sign-in protection: lockouts (per address, per username), inactivity timeout, audit."""

import datetime
import io
import re
import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from core.checks import trusted_proxies_valid
from core.middleware import SessionInactivityMiddleware
from core.models import AuditEvent
from core.signin_protection import client_ip, is_username_locked
from directory.roles import Role
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


@override_settings(AXES_ENABLED=True)
def test_five_wrong_passwords_lock_the_account_from_that_address(client):
    make_user(Role.SCREENER, username="target")
    for _ in range(4):
        assert _login(client, "target", "wrong").status_code == 200
    locked = _login(client, "target", "wrong")
    assert locked.status_code == 429
    assert "15" in locked.content.decode()
    # Even the right password is refused during the cool-off.
    assert _login(client, "target", PASSWORD).status_code == 429
    # Another address is not locked out for the same username.
    other = client.__class__(REMOTE_ADDR="127.0.0.2")
    assert _login(other, "target", PASSWORD).status_code == 302


def test_sign_ins_and_failures_are_audited(client):
    user = make_user(Role.SCREENER, username="audited")
    _login(client, "audited", "wrong")
    _login(client, "audited", PASSWORD)
    codes = list(AuditEvent.objects.values_list("code", flat=True))
    assert codes == ["auth.login_failed", "auth.login"]
    failed = AuditEvent.objects.get(code="auth.login_failed")
    assert failed.extra["username"] == "audited"
    assert AuditEvent.objects.get(code="auth.login").actor == user


def test_inactive_session_is_signed_out(client, screener, settings):
    client.force_login(screener)
    assert client.get("/screening/").status_code == 200
    session = client.session
    session[SessionInactivityMiddleware.KEY] = (
        int(time.time()) - settings.SESSION_INACTIVITY_TIMEOUT - 1
    )
    session.save()
    response = client.get("/screening/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/screening/").status_code == 302  # still signed out


# --- the client's address behind the reverse proxy ----------------------------------------------
# REMOTE_ADDR and X-Forwarded-For below are only values in a request dictionary (loopback
# addresses), never network traffic.

PROXY = "127.0.0.1"


def _ip(remote, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers))


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        # no trusted proxy: the header is anybody's to write, and never read
        ([], PROXY, "127.0.0.2", PROXY),
        # a trusted proxy: the address it appended (right-most), not what the client wrote
        ([PROXY], PROXY, "127.0.0.2", "127.0.0.2"),
        ([PROXY], PROXY, "127.0.0.9, 127.0.0.2", "127.0.0.2"),
        ([PROXY], PROXY, "127.0.0.9,127.0.0.8 ,  127.0.0.2", "127.0.0.2"),
        # an untrusted sender's header is ignored even when it names the proxy
        ([PROXY], "127.0.0.5", "127.0.0.2", "127.0.0.5"),
        # two trusted hops, given as a network: the first address that is not one of them
        (["127.0.0.0/31", "127.0.0.3"], PROXY, "127.0.0.2, 127.0.0.3", "127.0.0.2"),
        (["127.0.0.0/31", "127.0.0.3"], PROXY, "127.0.0.3", "127.0.0.3"),
        # nothing forwarded, or rubbish: the last hop we can name
        ([PROXY], PROXY, None, PROXY),
        ([PROXY], PROXY, "", PROXY),
        ([PROXY], PROXY, "127.0.0.2, not-an-address", PROXY),
        ([PROXY], PROXY, "127.0.0.2, 127.0.0.1; DROP", PROXY),
        # IPv6 and IPv4-mapped IPv6
        (["::1"], "::1", "::ffff:127.0.0.2", "127.0.0.2"),
        (["::1"], "::1", "::1", "::1"),
        ([PROXY], "::1", "127.0.0.2", "::1"),
    ],
)
def test_client_address_is_read_from_trusted_proxies_only(
    settings, trusted, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = trusted
    assert _ip(remote, forwarded) == expected


def test_a_mistyped_trusted_proxy_stops_the_start(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "proxy.local"]
    errors = trusted_proxies_valid(None)
    assert [e.id for e in errors] == ["budgetscreen.E010"] and "proxy.local" in errors[0].msg


def _via_proxy(client, username, password, address):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


@override_settings(AXES_ENABLED=True, TRUSTED_PROXIES=[PROXY])
def test_behind_the_proxy_one_client_is_locked_not_everyone(client):
    make_user(Role.SCREENER, username="target")
    for _ in range(4):
        assert _via_proxy(client, "target", "wrong", "127.0.0.2").status_code == 200
    assert _via_proxy(client, "target", "wrong", "127.0.0.2").status_code == 429
    assert _via_proxy(client, "target", PASSWORD, "127.0.0.2").status_code == 429
    # The same proxy, another client: signs in.
    assert _via_proxy(Client(), "target", PASSWORD, "127.0.0.3").status_code == 302
    failed = AuditEvent.objects.filter(code="auth.login_failed").first()
    assert failed.extra["address"] == "127.0.0.2"


@override_settings(AXES_ENABLED=True, TRUSTED_PROXIES=[PROXY])
def test_a_forged_forwarded_header_buys_no_extra_guesses(client):
    make_user(Role.SCREENER, username="target")
    # Through the proxy: what the attacker writes lands left of the address the proxy appends.
    for n in range(4):
        forged = f"127.0.0.{50 + n}, 127.0.0.2"
        assert _via_proxy(client, "target", "wrong", forged).status_code == 200
    assert _via_proxy(client, "target", "wrong", "127.0.0.60, 127.0.0.2").status_code == 429
    assert _via_proxy(client, "target", PASSWORD, "127.0.0.61, 127.0.0.2").status_code == 429
    # Straight to the application, past the proxy: the header is not read at all.
    direct = Client(REMOTE_ADDR="127.0.0.7")
    for n in range(4):
        assert _via_proxy(direct, "other", "wrong", f"127.0.0.{70 + n}").status_code == 200
    assert _via_proxy(direct, "other", "wrong", "127.0.0.80").status_code == 429


# --- the per-username lock across addresses ---------------------------------------------------


def _spread_failures(username, count, *, first_address=2):
    """``count`` wrong passwords for ``username``, four per address (under the per-address
    limit of five), from 127.0.0.<first_address> onwards. Returns the last response."""
    response = None
    for i in range(count):
        address = f"127.0.0.{first_address + i // 4}"
        response = Client(REMOTE_ADDR=address).post(
            "/accounts/login/", {"username": username, "password": f"guess{i}"}
        )
        if i < count - 1:
            assert response.status_code == 200, (i, response.status_code)
    return response


def _page(response):
    """The page as a visitor sees it, without the per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@override_settings(AXES_ENABLED=True, LANGUAGE_CODE="en")
def test_twenty_failures_from_many_addresses_lock_the_account(
    client, django_capture_on_commit_callbacks
):
    user = make_user(Role.SCREENER, username="target", email="target@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        locked = _spread_failures("target", 20)
    assert locked.status_code == 429
    assert "Ask the system administrator to unlock it" in locked.content.decode()
    # From a fresh address, even the right password: locked, with the same page.
    fresh = Client(REMOTE_ADDR="127.0.0.40")
    again = fresh.post("/accounts/login/", {"username": "target", "password": PASSWORD})
    assert again.status_code == 429 and _page(again) == _page(locked)
    event = AuditEvent.objects.get(code="auth.account_locked")
    assert event.target_id == str(user.pk) and event.extra["failures"] == 20
    # The owner hears of it (in the app and by e-mail); the attacker learns nothing new.
    assert user.notifications.count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["target@example.org"]
    # The lock has no cool-off: an hour later it holds.
    AccessFailureLog.objects.update(attempt_time=timezone.now() - datetime.timedelta(hours=2))
    AccessAttempt.objects.all().delete()
    assert (
        fresh.post("/accounts/login/", {"username": "target", "password": PASSWORD}).status_code
        == 429
    )


@override_settings(AXES_ENABLED=True)
def test_nineteen_failures_or_old_ones_do_not_lock(client):
    make_user(Role.SCREENER, username="target")
    _spread_failures("target", 19)
    # The failures of more than an hour ago no longer count.
    AccessFailureLog.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=61))
    assert _spread_failures("target", 19, first_address=20).status_code == 200
    fresh = Client(REMOTE_ADDR="127.0.0.40")
    assert (
        fresh.post("/accounts/login/", {"username": "target", "password": PASSWORD}).status_code
        == 302
    )
    assert not AuditEvent.objects.filter(code="auth.account_locked").exists()


@override_settings(AXES_ENABLED=True)
def test_locked_and_unknown_usernames_get_the_same_answers(
    client, django_capture_on_commit_callbacks
):
    make_user(Role.SCREENER, username="known")
    # Before the lock: the same form error for a wrong password and an unknown username.
    known = Client(REMOTE_ADDR="127.0.0.30").post(
        "/accounts/login/", {"username": "known", "password": "x"}
    )
    ghost = Client(REMOTE_ADDR="127.0.0.30").post(
        "/accounts/login/", {"username": "ghost", "password": "x"}
    )
    assert known.status_code == ghost.status_code == 200
    assert _page(known).replace("known", "NAME") == _page(ghost).replace("ghost", "NAME")
    # With the failure above, 20: at the lock and after it the same page, and no mail.
    with django_capture_on_commit_callbacks(execute=True):
        known_locked = _spread_failures("known", 19, first_address=2)
        ghost_locked = _spread_failures("ghost", 19, first_address=2)
    assert known_locked.status_code == ghost_locked.status_code == 429
    assert _page(known_locked) == _page(ghost_locked)
    after = [
        Client(REMOTE_ADDR="127.0.0.41").post(
            "/accounts/login/", {"username": name, "password": PASSWORD}
        )
        for name in ("known", "ghost")
    ]
    assert after[0].status_code == after[1].status_code == 429
    assert _page(after[0]) == _page(after[1])
    assert "known" not in _page(after[0])
    assert AuditEvent.objects.filter(code="auth.account_locked").count() == 2
    assert len(mail.outbox) == 0  # "known" has no e-mail address; "ghost" has no account


@override_settings(AXES_ENABLED=True)
def test_an_administrator_unlocks_the_account_and_it_is_audited(client):
    user = make_user(Role.SCREENER, username="target")
    admin_user = make_user(Role.ADMIN, username="boss", is_staff=True, is_superuser=True)
    _spread_failures("target", 20)
    # The unlock is an action on the user in Django's admin: refused to non-staff...
    client.force_login(make_user(Role.SCREENER))
    payload = {"action": "unlock_sign_in", "_selected_action": [user.pk]}
    client.post("/admin/directory/user/", payload)
    assert is_username_locked("target")
    # ...and done by the administrator, once.
    client.force_login(admin_user)
    response = client.post("/admin/directory/user/", payload, follow=True)
    assert response.status_code == 200
    assert not is_username_locked("target")
    unlock = AuditEvent.objects.get(code="auth.account_unlocked")
    assert unlock.actor == admin_user and unlock.target_id == str(user.pk)
    client.post("/admin/directory/user/", payload)
    assert AuditEvent.objects.filter(code="auth.account_unlocked").count() == 1
    # The failures before the unlock no longer count: one more wrong password does not relock.
    fresh = Client(REMOTE_ADDR="127.0.0.50")
    assert (
        fresh.post("/accounts/login/", {"username": "target", "password": "x"}).status_code == 200
    )
    assert (
        fresh.post("/accounts/login/", {"username": "target", "password": PASSWORD}).status_code
        == 302
    )
    # The per-address locks of the username went with it: the addresses used before may sign in.
    assert not AccessAttempt.objects.filter(username="target").exists()


@override_settings(AXES_ENABLED=True)
def test_the_command_line_unlocks_any_username():
    _spread_failures("ghost", 20)
    assert is_username_locked("ghost")
    out = io.StringIO()
    call_command("unlock_signin", "ghost", stdout=out)
    assert "unlocked" in out.getvalue() and not is_username_locked("ghost")
    event = AuditEvent.objects.get(code="auth.account_unlocked")
    assert event.actor is None and event.extra["username"] == "ghost"
    with pytest.raises(CommandError):
        call_command("unlock_signin", "ghost")


@override_settings(AXES_ENABLED=True, AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT=3)
def test_the_failure_log_keeps_the_newest_failures():
    for n in range(5):
        Client(REMOTE_ADDR=f"127.0.0.{2 + n}").post(
            "/accounts/login/", {"username": "target", "password": "x"}
        )
    kept = AccessFailureLog.objects.filter(username="target").order_by("attempt_time")
    assert [f.ip_address for f in kept] == ["127.0.0.4", "127.0.0.5", "127.0.0.6"]
