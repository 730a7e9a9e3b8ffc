"""The whole authorization-code flow in Chromium: our sign-in page, the provider's sign-in and
consent pages, and back, signed in on our app."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent, ExternalIdentity
from directory.roles import Role
from tests.factories import make_agency, make_user
from tests.oidc.provider import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _through_the_provider(page, live_server, username, next_url=""):
    page.goto(f"{live_server.url}/accounts/login/{next_url}")
    page.click("#sso-sign-in")
    page.wait_for_selector("#provider-login")  # the provider's own page, on its own origin
    assert page.url.startswith("http://127.0.0.1:")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#provider-sign-in")
    page.click("input[name=allow]")  # consent
    page.wait_for_load_state("networkidle")
    return page


def test_a_linked_user_signs_in_through_the_provider(oidc_on, live_server, new_page):
    agency = make_agency(name_th="กรมทดสอบการเข้าสู่ระบบ")
    user = make_user(Role.SUBMITTER, agency=agency, username="alice_here")
    ExternalIdentity.objects.create(user=user, issuer=oidc_on.OIDC_ISSUER, value="alice-sub")
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("#sso-sign-in").inner_text() == "เข้าสู่ระบบด้วย ThaID (test)"
    _through_the_provider(page, live_server, "alice")
    assert re.search(r"/proposals/$", page.url), page.url
    assert "กรมทดสอบการเข้าสู่ระบบ" in page.locator(".whoami").inner_text()
    assert AuditEvent.objects.filter(code="auth.sso_login", actor=user).exists()


def test_an_unknown_identity_sees_who_to_ask(oidc_on, live_server, new_page):
    page = _through_the_provider(new_page(), live_server, "stranger")
    assert "/accounts/oidc/callback/" in page.url
    assert page.locator("h1").inner_text() == "บัญชีของท่านยังไม่ได้เชื่อมโยงกับผู้ให้บริการยืนยันตัวตน"
    assert page.locator("[data-identity]").inner_text() == "stranger-sub"
    assert page.locator("[data-reason]").inner_text() == "unknown_identity"
    assert AuditEvent.objects.filter(code="auth.sso_unknown_identity").count() == 1


def test_staff_without_mfa_at_the_provider_give_the_app_code(oidc_on, live_server, new_page):
    user = make_user(Role.SCREENER, username="staff_here")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    ExternalIdentity.objects.create(user=user, issuer=oidc_on.OIDC_ISSUER, value="staff-pwd-sub")
    page = _through_the_provider(new_page(), live_server, "staff_pwd")
    assert "/accounts/two-factor/" in page.url, page.url


def test_staff_with_mfa_at_the_provider_go_straight_in(oidc_on, live_server, new_page):
    user = make_user(Role.SCREENER, username="staff_here")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    ExternalIdentity.objects.create(user=user, issuer=oidc_on.OIDC_ISSUER, value="staff-mfa-sub")
    page = _through_the_provider(new_page(), live_server, "staff_mfa")
    assert re.search(r"/screening/$", page.url), page.url
