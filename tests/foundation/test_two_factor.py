"""Two-factor sign-in: required for staff and committee in production, optional in the demo."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent
from directory.roles import Role
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _code(device):
    """The code the app shows now: six digits, leading zeros included (token() is an int)."""
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:0{device.digits}d}"


def _login(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD}, follow=True)


def test_production_makes_staff_enrol_before_anything_else(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # a wait far longer than the test, whatever the machine
    make_user(Role.SCREENER, username="staff")
    response = _login(client, "staff")
    assert response.redirect_chain[-1][0].startswith("/accounts/two-factor/setup/")
    assert client.get("/screening/")["Location"].startswith("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user__username="staff", confirmed=False)
    bad = client.post("/accounts/two-factor/setup/", {"token": "000000" if _code(device) != "000000" else "111111"})
    assert bad.status_code == 200 and not TOTPDevice.objects.filter(confirmed=True).exists()
    # After a wrong code django-otp makes the user wait a moment before the next try.
    throttled = client.post("/accounts/two-factor/setup/", {"token": _code(device)})
    assert "กรุณารอสักครู่" in throttled.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post("/accounts/two-factor/setup/", {"token": _code(device), "next": "/screening/"})
    assert done["Location"] == "/screening/"
    assert client.get("/screening/").status_code == 200
    assert AuditEvent.objects.filter(code="auth.two_factor_enrolled").count() == 1


def test_an_enrolled_user_must_give_a_code_at_each_sign_in(client):
    user = make_user(Role.COMMITTEE, username="member")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _login(client, "member")
    assert client.get("/meetings/")["Location"].startswith("/accounts/two-factor/?next=/meetings/")
    wrong = client.post("/accounts/two-factor/", {"token": "12345x"})
    assert "กรุณากรอกรหัส 6 หลัก" in wrong.content.decode()
    right = client.post("/accounts/two-factor/", {"token": _code(device), "next": "/meetings/"})
    assert right["Location"] == "/meetings/"
    assert client.get("/meetings/").status_code == 200


def test_a_wrong_code_is_refused_and_audited(client):
    user = make_user(Role.SECRETARY, username="sec")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _login(client, "sec")
    wrong = "000000" if _code(device) != "000000" else "111111"
    response = client.post("/accounts/two-factor/", {"token": wrong})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(code="auth.two_factor_failed").count() == 1
    assert client.get("/meetings/").status_code == 302


def test_submitters_and_the_demo_need_no_second_factor(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    make_user(Role.SUBMITTER, username="agency")
    assert _login(client, "agency").redirect_chain[-1][0] == "/proposals/"
    client.logout()
    settings.TWO_FACTOR_REQUIRED = False
    make_user(Role.SCREENER, username="demo_staff")
    assert _login(client, "demo_staff").redirect_chain[-1][0] == "/screening/"


def test_the_open_redirect_is_refused(client):
    user = make_user(Role.SCREENER, username="safe")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _login(client, "safe")
    response = client.post("/accounts/two-factor/", {"token": _code(device), "next": "http://evil.invalid/"})
    assert response["Location"] == "/"
