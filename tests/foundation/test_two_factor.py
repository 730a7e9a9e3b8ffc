"""Two-factor sign-in: required for staff and committee in production, optional in the demo.

The attack tests (issue 13.1) try to get past the code with the password alone: enrolling a
fresh secret while a code is owed, replaying a spent code, a code of another user's device, a
spent recovery code, requesting pages directly, and a session that outlives an admin reset.
"""

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import twofactor
from core.models import AuditEvent
from directory.roles import Role
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _code(device, steps_ahead=0):
    """The code the app shows now (or ``steps_ahead`` periods later, which the tolerance of one
    period accepts): six digits, leading zeros included (token() is an int)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _codes_now(device):
    """Every code the device accepts at this moment (the tolerance is one period each way)."""
    return {_code(device, k) for k in (-1, 0, 1)}


def _login(client, username):
    return client.post(
        "/accounts/login/", {"username": username, "password": PASSWORD}, follow=True
    )


def test_production_makes_staff_enrol_before_anything_else(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # a wait far longer than the test, whatever the machine
    make_user(Role.SCREENER, username="staff")
    response = _login(client, "staff")
    assert response.redirect_chain[-1][0].startswith("/accounts/two-factor/setup/")
    assert client.get("/screening/")["Location"].startswith("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user__username="staff", confirmed=False)
    bad = client.post(
        "/accounts/two-factor/setup/",
        {"token": "000000" if _code(device) != "000000" else "111111"},
    )
    assert bad.status_code == 200 and not TOTPDevice.objects.filter(confirmed=True).exists()
    # After a wrong code django-otp makes the user wait a moment before the next try.
    throttled = client.post("/accounts/two-factor/setup/", {"token": _code(device)})
    assert "กรุณารอสักครู่" in throttled.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post(
        "/accounts/two-factor/setup/", {"token": _code(device), "next": "/screening/"}
    )
    # The recovery codes are shown once, in the answer to the confirming code, then on to next.
    assert done.status_code == 200
    assert len(done.context["codes"]) == twofactor.RECOVERY_CODE_COUNT
    assert 'href="/screening/"' in done.content.decode()
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
    response = client.post(
        "/accounts/two-factor/", {"token": _code(device), "next": "http://evil.invalid/"}
    )
    assert response["Location"] == "/"


# --- attacks (issue 13.1) ---------------------------------------------------------------------


def _enrolled(role, username):
    user = make_user(role, username=username)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def _held_at_verify(client):
    for path in ("/meetings/", "/meetings/3/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/two-factor/?next="), path


@pytest.mark.parametrize("required", [True, False], ids=["production", "demo"])
def test_a_password_alone_cannot_enrol_a_new_secret_while_a_code_is_owed(
    client, settings, required
):
    """The reported bypass: password, then the setup page instead of the code page."""
    settings.TWO_FACTOR_REQUIRED = required
    chair, phone = _enrolled(Role.COMMITTEE, "chair")
    assert _login(client, "chair").redirect_chain[-1][0].startswith("/accounts/two-factor/")
    # GET: no new secret is made or shown; the user is sent back to the code page.
    opened = client.get("/accounts/two-factor/setup/")
    assert opened.status_code == 302 and opened["Location"].startswith(
        "/accounts/two-factor/?next="
    )
    assert list(TOTPDevice.objects.filter(user=chair)) == [phone]
    # POST: a code of a secret the attacker holds (say, one left half-enrolled) gets nowhere.
    attacker = TOTPDevice.objects.create(user=chair, name="attacker", confirmed=False)
    posted = client.post("/accounts/two-factor/setup/", {"token": _code(attacker), "next": "/"})
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/two-factor/")
    attacker.refresh_from_db()
    assert not attacker.confirmed
    assert not StaticDevice.objects.filter(user=chair).exists()
    _held_at_verify(client)
    assert (
        AuditEvent.objects.filter(
            code="auth.two_factor_setup_refused", target_id=str(chair.pk)
        ).count()
        == 2
    )
    assert not AuditEvent.objects.filter(code="auth.two_factor_enrolled").exists()
    # The same at the next sign-in.
    client.logout()
    _login(client, "chair")
    assert client.get("/accounts/two-factor/setup/").status_code == 302
    _held_at_verify(client)


def test_a_verified_user_cannot_enrol_a_second_device(client):
    chair, phone = _enrolled(Role.COMMITTEE, "chair")
    _login(client, "chair")
    assert client.post("/accounts/two-factor/", {"token": _code(phone)})["Location"] == "/"
    opened = client.get("/accounts/two-factor/setup/")
    assert opened.status_code == 302 and opened["Location"] == "/"
    assert "base32" not in (opened.context or {})
    assert list(TOTPDevice.objects.filter(user=chair)) == [phone]
    # Even a direct call of the service refuses, whatever the caller forgot to check.
    TOTPDevice.objects.create(user=chair, name="second", confirmed=False)
    second = TOTPDevice.objects.get(name="second")
    with pytest.raises(twofactor.CodeRefused) as refused:
        twofactor.confirm_enrolment(user=chair, token=_code(second))
    assert refused.value.reason == "already_enrolled"
    assert not TOTPDevice.objects.get(name="second").confirmed
    assert AuditEvent.objects.filter(code="auth.two_factor_setup_refused").count() == 2


def test_a_user_who_owes_a_code_reaches_only_the_code_pages_and_logout(client):
    user, _phone = _enrolled(Role.SCREENER, "staff")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    _login(client, "staff")
    for path in ("/", "/screening/", "/proposals/", "/plans/", "/notifications/", "/admin/",
                 "/directory/agencies/suggest/?q=x", "/accounts/login/"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/two-factor/?next="), path
    assert client.post("/screening/", {}).status_code == 302
    assert client.get("/accounts/two-factor/").status_code == 200
    assert client.get("/accounts/two-factor/recovery/").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert (
        AuditEvent.objects.filter(code="auth.two_factor_step_refused").count() == 1
    )  # the login page
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert client.get("/accounts/login/").status_code == 200  # anonymous again: the form


def test_a_user_who_owes_an_enrolment_cannot_use_the_code_pages(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    make_user(Role.SCREENER, username="new")
    _login(client, "new")
    for path in ("/accounts/two-factor/", "/accounts/two-factor/recovery/", "/screening/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(
            "/accounts/two-factor/setup/"
        )


def test_a_spent_code_cannot_be_replayed(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    _user, phone = _enrolled(Role.COMMITTEE, "member")
    _login(client, "member")
    spent = _code(phone)
    assert client.post("/accounts/two-factor/", {"token": spent})["Location"] == "/"
    client.logout()
    _login(client, "member")
    replay = client.post("/accounts/two-factor/", {"token": spent})
    assert replay.status_code == 200 and replay.context["form"].errors
    _held_at_verify(client)
    failed = AuditEvent.objects.get(code="auth.two_factor_failed")
    assert failed.extra == {"reason": "wrong"}
    # The next code of the app is still good.
    assert client.post("/accounts/two-factor/", {"token": _code(phone, 1)})["Location"] == "/"


def test_a_spent_code_is_refused_in_a_second_session_at_the_same_time(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    _user, phone = _enrolled(Role.COMMITTEE, "member")
    first, second = Client(), Client()
    _login(first, "member")
    _login(second, "member")
    code = _code(phone)
    assert first.post("/accounts/two-factor/", {"token": code})["Location"] == "/"
    assert second.post("/accounts/two-factor/", {"token": code}).status_code == 200
    _held_at_verify(second)


def test_a_code_of_another_users_device_is_refused(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    _mine, my_phone = _enrolled(Role.COMMITTEE, "member")
    other, theirs = _enrolled(Role.COMMITTEE, "other")
    while _codes_now(theirs) & _codes_now(my_phone):  # one chance in ~300,000: draw another key
        theirs.delete()
        theirs = TOTPDevice.objects.create(user=other, name="phone", confirmed=True)
    _login(client, "member")
    response = client.post("/accounts/two-factor/", {"token": _code(theirs)})
    assert response.status_code == 200 and response.context["form"].errors
    _held_at_verify(client)
    assert (
        AuditEvent.objects.filter(code="auth.two_factor_failed", actor__username="member").count()
        == 1
    )


def test_wrong_codes_are_throttled_and_audited(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600
    _user, phone = _enrolled(Role.SECRETARY, "sec")
    _login(client, "sec")
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in _codes_now(phone))
    client.post("/accounts/two-factor/", {"token": wrong})
    throttled = client.post("/accounts/two-factor/", {"token": _code(phone)})
    assert "กรุณารอสักครู่" in throttled.content.decode()
    _held_at_verify(client)
    reasons = [
        e.extra["reason"]
        for e in AuditEvent.objects.filter(code="auth.two_factor_failed").order_by("id")
    ]
    assert reasons == ["wrong", "throttled"]


def _enrol_through_the_pages(client, username):
    """Sign in (production), enrol an app through the setup page; returns the device and the
    recovery codes the page showed."""
    _login(client, username)
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    done = client.post("/accounts/two-factor/setup/", {"token": _code(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    page = done.content.decode()
    assert all(code in page for code in codes)
    device.refresh_from_db()
    return device, codes


def test_recovery_codes_are_given_once_stored_hashed_and_work_once(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    user = make_user(Role.COMMITTEE, username="chair")
    _device, codes = _enrol_through_the_pages(client, "chair")
    assert len(set(codes)) == twofactor.RECOVERY_CODE_COUNT
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == twofactor.RECOVERY_CODE_COUNT and not stored & set(codes)
    assert not stored & {twofactor.normalise_recovery_code(c) for c in codes}
    # Never shown again: the setup page now refuses.
    again = client.get("/accounts/two-factor/setup/")
    assert again.status_code == 302 and "codes" not in (again.context or {})
    client.logout()

    # A lost phone: sign in with a recovery code.
    _login(client, "chair")
    used = client.post("/accounts/two-factor/recovery/", {"code": codes[0], "next": "/meetings/"})
    assert used["Location"] == "/meetings/"
    assert client.get("/meetings/").status_code == 200
    event = AuditEvent.objects.get(code="auth.two_factor_recovery_used")
    assert event.extra == {"left": twofactor.RECOVERY_CODE_COUNT - 1} and event.actor == user
    client.logout()

    # The same code a second time is refused, and audited.
    _login(client, "chair")
    replay = client.post("/accounts/two-factor/recovery/", {"code": codes[0]})
    assert replay.status_code == 200 and replay.context["form"].errors
    _held_at_verify(client)
    assert AuditEvent.objects.get(code="auth.two_factor_recovery_failed").extra == {
        "reason": "wrong"
    }
    # Another code, typed in capitals with spaces, still works (once).
    typed = codes[1].upper().replace("-", " ")
    assert client.post("/accounts/two-factor/recovery/", {"code": typed})["Location"] == "/"
    assert (
        StaticToken.objects.filter(device__user=user).count() == twofactor.RECOVERY_CODE_COUNT - 2
    )


def test_recovery_codes_of_another_user_are_refused(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    make_user(Role.COMMITTEE, username="chair")
    make_user(Role.COMMITTEE, username="member")
    _enrol_through_the_pages(client, "chair")
    client.logout()
    other = Client()
    _phone, their_codes = _enrol_through_the_pages(other, "member")
    _login(client, "chair")
    response = client.post("/accounts/two-factor/recovery/", {"code": their_codes[0]})
    assert response.status_code == 200 and response.context["form"].errors
    _held_at_verify(client)


def test_an_admin_reset_makes_the_user_enrol_again(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    chair = make_user(Role.COMMITTEE, username="chair")
    _phone, _codes = _enrol_through_the_pages(client, "chair")
    assert client.get("/meetings/").status_code == 200  # verified session

    admin_user = make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)
    admin_client = Client()
    admin_client.force_login(admin_user)
    session = admin_client.session  # the admin's own second factor is not what this test is about
    session.pop(twofactor.SESSION_KEY, None)
    session.save()
    response = admin_client.post(
        "/admin/directory/user/", {"action": "reset_two_factor", "_selected_action": [chair.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=chair).exists()
    assert not StaticDevice.objects.filter(user=chair).exists()
    reset = AuditEvent.objects.get(code="auth.two_factor_reset")
    assert reset.actor == admin_user and reset.target_id == str(chair.pk)
    assert reset.extra == {"devices": 1, "recovery": 1}

    # The session verified with the removed device ends at its next request...
    ended = client.get("/meetings/")
    assert ended.status_code == 302 and ended["Location"].startswith("/accounts/login/")
    # ...and the next sign-in asks for a new enrolment.
    assert _login(client, "chair").redirect_chain[-1][0].startswith("/accounts/two-factor/setup/")
    assert client.session[twofactor.SESSION_KEY] == twofactor.SETUP
    assert client.get("/meetings/")["Location"].startswith("/accounts/two-factor/setup/")


def test_the_session_key_changes_once_the_code_is_given(client):
    _user, phone = _enrolled(Role.COMMITTEE, "member")
    _login(client, "member")
    before = client.session.session_key
    client.post("/accounts/two-factor/", {"token": _code(phone)})
    assert client.session.session_key != before
    assert client.get("/meetings/").status_code == 200


def test_an_enrolled_user_renews_recovery_codes_with_a_fresh_code_only(
    client, settings, monkeypatch
):
    """Users enrolled before recovery codes existed (or who spent theirs) get new ones; the
    code used to sign in cannot be replayed for it, and the old codes stop working."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    user, phone = _enrolled(Role.COMMITTEE, "member")
    _login(client, "member")
    spent = _code(phone)
    client.post("/accounts/two-factor/", {"token": spent})
    assert "/accounts/two-factor/recovery-codes/" in client.get("/meetings/").content.decode()
    replay = client.post("/accounts/two-factor/recovery-codes/", {"token": spent})
    assert replay.status_code == 200 and replay.context["form"].errors
    assert not StaticDevice.objects.filter(user=user).exists()
    first = client.post("/accounts/two-factor/recovery-codes/", {"token": _code(phone, 1)})
    old_codes = first.context["codes"]
    assert len(old_codes) == twofactor.RECOVERY_CODE_COUNT
    assert AuditEvent.objects.filter(code="auth.two_factor_recovery_renewed").count() == 1
    client.logout()

    # Signed in with a recovery code, the user renews them and stays signed in.
    _login(client, "member")
    assert client.post("/accounts/two-factor/recovery/", {"code": old_codes[0]})["Location"] == "/"
    # Two periods later the app shows a code not used yet.
    later = time.time() + 2 * phone.step
    monkeypatch.setattr(time, "time", lambda: later)
    phone.refresh_from_db()
    renewed = client.post("/accounts/two-factor/recovery-codes/", {"token": _code(phone, 1)})
    new_codes = renewed.context["codes"]
    assert not set(new_codes) & set(old_codes)
    assert client.get("/meetings/").status_code == 200
    client.logout()
    _login(client, "member")
    assert client.post("/accounts/two-factor/recovery/", {"code": old_codes[1]}).status_code == 200
    assert client.post("/accounts/two-factor/recovery/", {"code": new_codes[0]})["Location"] == "/"


def test_a_user_who_owes_a_code_cannot_renew_recovery_codes(client):
    _user, phone = _enrolled(Role.COMMITTEE, "member")
    _login(client, "member")
    response = client.post("/accounts/two-factor/recovery-codes/", {"token": _code(phone)})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/?")
    assert not StaticDevice.objects.filter(user=_user).exists()
    _held_at_verify(client)
