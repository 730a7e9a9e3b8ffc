"""Sign-in protection: lockout with a cool-off, inactivity timeout, sign-ins audited."""

import time

import pytest
from django.test import override_settings

from core.middleware import SessionInactivityMiddleware
from core.models import AuditEvent
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
    session[SessionInactivityMiddleware.KEY] = int(time.time()) - settings.SESSION_INACTIVITY_TIMEOUT - 1
    session.save()
    response = client.get("/screening/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/screening/").status_code == 302  # still signed out
