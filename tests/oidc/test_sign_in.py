"""Single sign-on against a real OpenID Connect provider (django-oauth-toolkit in its own
process), attacked the way an attacker would: a forged or missing state, a replayed code, a
nonce from another flow, an expired or altered ID token, an identity linked to nobody."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core import oidc, sso, twofactor
from core.audit import record_event
from core.models import AuditEvent, ExternalIdentity
from core.signin_protection import LOCKED
from directory.roles import Role
from tests.factories import make_agency, make_user
from tests.oidc.conftest import SignInFlow
from tests.oidc.provider import CLIENT_ID

pytestmark = pytest.mark.django_db


def _link(user, oidc_on, value):
    return ExternalIdentity.objects.create(user=user, issuer=oidc_on.OIDC_ISSUER, value=value)


def _signed_in_as(client):
    return client.session.get("_auth_user_id")


def _refusal(response):
    events = list(AuditEvent.objects.filter(code__startswith="auth.sso_").order_by("-id"))
    return response.status_code, response.context["reason"], events[0].code, events[0].extra


@pytest.fixture
def alice(oidc_on, db):
    user = make_user(Role.SUBMITTER, agency=make_agency(), username="alice_here")
    _link(user, oidc_on, "alice-sub")
    return user


# --- on and off ------------------------------------------------------------------------------


def test_off_by_default_no_button_and_404(client):
    assert not sso.is_enabled()
    assert b"sso-sign-in" not in client.get(reverse("login")).content
    assert client.get(reverse("oidc_authenticate")).status_code == 404
    assert client.get(reverse("oidc_callback"), {"code": "x", "state": "y"}).status_code == 404


def test_the_sign_in_page_offers_the_provider(client, oidc_on):
    page = client.get(reverse("login"), {"next": "/plans/"}).content.decode()
    assert "ThaID (test)" in page
    assert f'href="{reverse("oidc_authenticate")}?next=/plans/"' in page


def test_the_request_carries_state_nonce_and_pkce(flow, oidc_provider):
    location = flow.start()
    assert location.startswith(f"{oidc_provider.issuer}/authorize/")
    query = dict(part.split("=", 1) for part in location.split("?", 1)[1].split("&"))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) == 32 and len(query["nonce"]) == 32
    assert query["client_id"] == CLIENT_ID and "openid" in query["scope"]
    stored = flow.client.session["oidc_states"][query["state"]]
    assert stored["nonce"] == query["nonce"] and len(stored["code_verifier"]) == 64


# --- the way in ----------------------------------------------------------------------------


def test_a_linked_identity_signs_in_and_is_audited(flow, alice):
    response = flow.sign_in("alice")
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in_as(flow.client) == str(alice.pk)
    assert flow.client.get("/").status_code == 302  # the submitter's landing page
    event = AuditEvent.objects.get(code="auth.sso_login")
    assert event.actor == alice and event.extra["identity"] == "alice-sub"
    assert event.extra["mfa"] is False and event.extra["amr"] == ["pwd"]
    assert AuditEvent.objects.filter(code="auth.login", actor=alice).exists()
    assert ExternalIdentity.objects.get(user=alice).last_used_at is not None


def test_the_secret_can_go_as_http_basic(flow, alice, oidc_on):
    oidc_on.OIDC_TOKEN_USE_BASIC_AUTH = True
    assert flow.sign_in("alice").status_code == 302
    assert _signed_in_as(flow.client) == str(alice.pk)


def test_a_refused_consent_signs_nobody_in(flow, alice):
    query = flow.at_the_provider("alice", allow=False)
    assert query["error"] == "access_denied"
    assert _refusal(flow.back(query))[:2] == (400, "provider_error")
    assert _signed_in_as(flow.client) is None
    assert flow.client.session.get("oidc_states") == {}  # the state is spent too


def test_next_is_kept_but_never_leaves_the_site(flow, alice):
    flow.client.get(reverse("oidc_authenticate"), {"next": "https://evil.example/"})
    assert flow.client.session["oidc_login_next"] is None
    location = flow.start(next_url="/notifications/")
    assert flow.back(flow.at_provider.authorize(location, "alice"))["Location"] == "/notifications/"


def test_the_identity_can_be_the_email_claim(flow, oidc_on):
    oidc_on.OIDC_IDENTITY_CLAIM = "email"
    user = make_user(Role.SUBMITTER, username="stranger_here")
    ExternalIdentity.objects.create(
        user=user, issuer=oidc_on.OIDC_ISSUER, claim="email", value="stranger@elsewhere.example"
    )
    assert flow.sign_in("stranger").status_code == 302
    assert _signed_in_as(flow.client) == str(user.pk)


# --- attacks -------------------------------------------------------------------------------


def test_an_unknown_identity_gets_no_account_and_is_audited(flow):
    users_before = get_user_model().objects.count()
    response = flow.sign_in("stranger")
    status, reason, code, extra = _refusal(response)
    assert (status, reason, code) == (403, "unknown_identity", "auth.sso_unknown_identity")
    assert extra["identity"] == "stranger-sub" and extra["claim"] == "sub"
    assert "stranger-sub" in response.content.decode()
    assert "administrator" in response.content.decode() or "ผู้ดูแลระบบ" in response.content.decode()
    assert _signed_in_as(flow.client) is None
    assert get_user_model().objects.count() == users_before


def test_a_forged_state_is_refused(flow, alice):
    query = flow.at_the_provider("alice")
    query["state"] = "forged-state-the-session-never-issued"
    status, reason, code, _extra = _refusal(flow.back(query))
    assert (status, reason, code) == (400, "wrong_state", "auth.sso_refused")
    assert _signed_in_as(flow.client) is None


def test_a_missing_state_is_refused(flow, alice):
    query = flow.at_the_provider("alice")
    del query["state"]
    assert _refusal(flow.back(query))[:2] == (400, "missing_state")
    assert _signed_in_as(flow.client) is None


def test_a_code_sent_to_a_session_that_started_nothing_is_refused(flow, at_provider, alice):
    """Login CSRF: the attacker's own code and state, sent to the victim's browser."""
    query = flow.at_the_provider("alice")
    victim = SignInFlow(at_provider)
    assert _refusal(victim.back(query))[:2] == (400, "no_state")
    assert _signed_in_as(victim.client) is None


def test_a_state_is_spent_once(flow, alice):
    query = flow.at_the_provider("alice")
    assert flow.back(query).status_code == 302
    flow.client.logout()
    assert _refusal(flow.back(query))[:2] == (400, "no_state")


def test_a_replayed_code_is_refused(flow, at_provider, alice):
    used = flow.at_the_provider("alice")
    assert flow.back(used).status_code == 302
    attacker = SignInFlow(at_provider)
    fresh = attacker.at_the_provider("stranger")  # a state of the attacker's own session
    status, reason, code, _extra = _refusal(attacker.back({**fresh, "code": used["code"]}))
    assert (status, reason, code) == (403, "code_refused", "auth.sso_refused")
    assert _signed_in_as(attacker.client) is None


def test_a_code_of_another_flow_fails_pkce(flow, at_provider, alice):
    """A code stolen from the victim's flow (not yet used), replayed in the attacker's
    session: the attacker's PKCE verifier does not match the victim's challenge."""
    stolen = flow.at_the_provider("alice")
    attacker = SignInFlow(at_provider)
    own = attacker.at_the_provider("stranger")
    assert _refusal(attacker.back({**own, "code": stolen["code"]}))[:2] == (403, "code_refused")
    assert _signed_in_as(attacker.client) is None


def test_a_nonce_from_another_flow_is_refused(flow, alice):
    query = flow.at_the_provider("alice", nonce="the-attackers-own-nonce-value-123")
    assert _refusal(flow.back(query))[:2] == (403, "nonce_mismatch")
    assert _signed_in_as(flow.client) is None


def test_an_expired_id_token_is_refused(flow, oidc_on):
    _link(make_user(Role.SUBMITTER, username="late_here"), oidc_on, "late-sub")
    assert _refusal(flow.sign_in("late"))[:2] == (403, "expired_token")
    assert _signed_in_as(flow.client) is None


REAL_GET_TOKEN = oidc.OIDCBackend.get_token


def _tamper(monkeypatch, change):
    """Change the ID token between the provider's token endpoint and the backend."""
    real = REAL_GET_TOKEN

    def get_token(self, payload):
        answer = real(self, payload)
        answer["id_token"] = change(answer["id_token"])
        return answer

    monkeypatch.setattr(oidc.OIDCBackend, "get_token", get_token)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_tampered_signature_is_refused(flow, alice, monkeypatch):
    def flip(token):
        header, payload, signature = token.split(".")
        raw = bytearray(_unb64(signature))
        raw[10] ^= 0x01
        return f"{header}.{payload}.{_b64(bytes(raw))}"

    _tamper(monkeypatch, flip)
    assert _refusal(flow.sign_in("alice"))[:2] == (403, "invalid_token")
    assert _signed_in_as(flow.client) is None


def test_a_changed_subject_breaks_the_signature(flow, alice, monkeypatch):
    """The stranger's genuine token with ``sub`` rewritten to alice's: the signature fails."""

    def become_alice(token):
        header, payload, signature = token.split(".")
        claims = json.loads(_unb64(payload))
        claims["sub"] = "alice-sub"
        return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"

    _tamper(monkeypatch, become_alice)
    assert _refusal(flow.sign_in("stranger"))[:2] == (403, "invalid_token")
    assert _signed_in_as(flow.client) is None


def _forge(real_token, *, key, alg="RS256", **changes):
    header = jwt.get_unverified_header(real_token)
    claims = {**jwt.decode(real_token, options={"verify_signature": False}), **changes}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": header["kid"]})


def test_a_token_signed_with_another_key_is_refused(flow, alice, monkeypatch):
    attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _tamper(monkeypatch, lambda token: _forge(token, key=attacker_key, sub="alice-sub"))
    assert _refusal(flow.sign_in("stranger"))[:2] == (403, "invalid_token")


def test_an_unsigned_or_hmac_token_is_refused(flow, alice, monkeypatch):
    def unsigned(token):
        header = _b64(b'{"alg":"none","typ":"JWT"}')
        return f"{header}.{token.split('.')[1]}."

    _tamper(monkeypatch, unsigned)
    assert _refusal(flow.sign_in("alice"))[0] == 403
    _tamper(monkeypatch, lambda token: _forge(token, key=b"k" * 32, alg="HS256"))
    assert _refusal(SignInFlow(flow.at_provider).sign_in("alice"))[0] == 403
    assert not AuditEvent.objects.filter(code="auth.sso_login").exists()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "another-client"}, "wrong_audience"),
        ({"aud": [CLIENT_ID, "another-client"], "azp": "another-client"}, "wrong_audience"),
        ({"iss": "http://127.0.0.1:1/o"}, "wrong_issuer"),
    ],
)
def test_a_token_for_another_client_or_issuer_is_refused(oidc_on, changes, reason):
    claims = {"iss": oidc_on.OIDC_ISSUER, "aud": CLIENT_ID, "exp": time.time() + 60, "iat": 1}
    with pytest.raises(sso.SignInRefused) as refused:
        oidc.check_id_token_claims({**claims, **changes})
    assert refused.value.reason == reason


def test_an_inactive_user_is_refused(flow, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert _refusal(flow.sign_in("alice"))[:2] == (403, "inactive_user")
    assert _signed_in_as(flow.client) is None


def test_a_username_locked_after_failed_passwords_stays_locked(flow, alice):
    """The lock an administrator must lift (core/signin_protection.py) holds for SSO too."""
    with transaction.atomic():
        record_event(LOCKED, target=alice, extra={"username": alice.username, "failures": 20})
    assert _refusal(flow.sign_in("alice"))[:2] == (403, "account_locked")
    assert _signed_in_as(flow.client) is None


# --- two-factor ------------------------------------------------------------------------------


@pytest.fixture
def enrolled_screener(oidc_on):
    def make(sub):
        user = make_user(Role.SCREENER, username=f"screener_{sub}")
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        _link(user, oidc_on, sub)
        return user

    return make


def test_staff_whose_provider_did_mfa_are_not_asked_again(flow, enrolled_screener):
    user = enrolled_screener("staff-mfa-sub")
    assert flow.sign_in("staff_mfa").status_code == 302
    assert twofactor.SESSION_KEY not in flow.client.session
    assert flow.client.get(reverse("screening:inbox")).status_code == 200
    event = AuditEvent.objects.get(code="auth.two_factor_by_provider")
    assert event.actor == user and event.extra["amr"] == ["pwd", "otp"]


def test_an_accepted_acr_counts_as_mfa(flow, enrolled_screener, oidc_on):
    enrolled_screener("staff-acr-sub")
    oidc_on.OIDC_MFA_ACR_VALUES = ["urn:test:loa:high"]
    assert flow.sign_in("staff_acr").status_code == 302
    assert flow.client.get(reverse("screening:inbox")).status_code == 200


def test_only_the_signed_id_token_says_mfa(oidc_on, enrolled_screener):
    """An ``amr`` that only the userinfo answer carries is not believed."""
    enrolled_screener("staff-pwd-sub")
    id_token = {"sub": "staff-pwd-sub", "amr": ["pwd"]}
    claims = {**id_token, "amr": ["otp"], "acr": "x"}
    sign_in = sso.resolve_sign_in(issuer=oidc_on.OIDC_ISSUER, claims=claims, id_token=id_token)
    assert sign_in.mfa is False and sign_in.amr == ["pwd"]
    assert sso.provider_did_mfa({"amr": "otp"}) and not sso.provider_did_mfa({"amr": [1, None]})


def test_staff_whose_provider_did_not_are_asked_for_the_code(flow, enrolled_screener, oidc_on):
    enrolled_screener("staff-pwd-sub")
    assert flow.sign_in("staff_pwd").status_code == 302
    assert flow.client.session[twofactor.SESSION_KEY] == twofactor.VERIFY
    held = flow.client.get(reverse("screening:inbox"))
    assert held.status_code == 302 and held["Location"].startswith(reverse("two_factor_verify"))
    assert not AuditEvent.objects.filter(code="auth.two_factor_by_provider").exists()


def test_an_unaccepted_acr_is_not_mfa(flow, enrolled_screener, oidc_on):
    enrolled_screener("staff-acr-sub")
    oidc_on.OIDC_MFA_ACR_VALUES = []
    flow.sign_in("staff_acr")
    assert flow.client.session[twofactor.SESSION_KEY] == twofactor.VERIFY


def test_unenrolled_staff_must_enrol_in_production(flow, oidc_on):
    oidc_on.TWO_FACTOR_REQUIRED = True
    _link(make_user(Role.SCREENER, username="new_staff"), oidc_on, "staff-pwd-sub")
    flow.sign_in("staff_pwd")
    assert flow.client.session[twofactor.SESSION_KEY] == twofactor.SETUP


# --- e-mail domains ----------------------------------------------------------------------------


def test_a_configured_domain_gives_a_submitter_account(flow, oidc_on):
    agency = make_agency(code="agency-x")
    oidc_on.OIDC_EMAIL_DOMAIN_AGENCIES = {"agency.example": "agency-x"}
    oidc_on.OIDC_IDENTITY_CLAIM = "email"
    assert flow.sign_in("newcomer").status_code == 302
    user = get_user_model().objects.get(email="new.person@agency.example")
    assert user.agency == agency and user.roles == {Role.SUBMITTER}
    assert not user.has_usable_password()
    assert _signed_in_as(flow.client) == str(user.pk)
    assert AuditEvent.objects.get(code="auth.sso_provisioned").target_id == str(user.pk)
    # The next sign-in uses the link made the first time.
    again = SignInFlow(flow.at_provider)
    assert again.sign_in("newcomer").status_code == 302
    assert get_user_model().objects.filter(email="new.person@agency.example").count() == 1


def test_no_account_for_an_unverified_address_or_an_unknown_agency(flow, oidc_on):
    make_agency(code="agency-x")
    oidc_on.OIDC_IDENTITY_CLAIM = "sub"
    oidc_on.OIDC_EMAIL_DOMAIN_AGENCIES = {"agency.example": "agency-x"}
    assert _refusal(flow.sign_in("unverified"))[:2] == (403, "unknown_identity")
    oidc_on.OIDC_EMAIL_DOMAIN_AGENCIES = {"agency.example": "no-such-agency"}
    assert _refusal(SignInFlow(flow.at_provider).sign_in("newcomer"))[:2] == (
        403,
        "unknown_identity",
    )
    assert not get_user_model().objects.filter(email__endswith="@agency.example").exists()


def test_no_account_when_domains_are_off(flow, oidc_on):
    make_agency(code="agency-x")
    assert _refusal(flow.sign_in("newcomer"))[:2] == (403, "unknown_identity")


def test_an_unverified_email_identity_is_refused(flow, oidc_on):
    oidc_on.OIDC_IDENTITY_CLAIM = "email"
    user = make_user(Role.SUBMITTER, username="someone")
    ExternalIdentity.objects.create(
        user=user, issuer=oidc_on.OIDC_ISSUER, claim="email", value="someone@agency.example"
    )
    assert _refusal(flow.sign_in("unverified"))[:2] == (403, "email_not_verified")


# --- the provider down -------------------------------------------------------------------------


def test_an_unreachable_provider_gets_a_clear_page(client, oidc_on):
    oidc_on.OIDC_ISSUER = "http://127.0.0.1:9/o"  # nothing listens on the discard port
    oidc.forget_provider_metadata()
    response = client.get(reverse("oidc_authenticate"))
    assert response.status_code == 503 and response.context["reason"] == "provider_unavailable"


# --- every role, and random answers --------------------------------------------------------


@pytest.fixture
def oidc_on_without_network(settings):
    """OIDC on with the endpoints named (no discovery): nothing here reaches a provider."""
    settings.OIDC_ISSUER = "https://id.example.go.th"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "x"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://id.example.go.th/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://id.example.go.th/token"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://id.example.go.th/jwks"
    return settings


@pytest.mark.parametrize("role", [None, *Role.values])
def test_every_role_reaches_the_provider_and_no_callback_without_a_flow(
    client, oidc_on_without_network, role
):
    if role:
        client.force_login(make_user(role, username=f"role_{role}"))
    start = client.get(reverse("oidc_authenticate"))
    assert start.status_code == 302
    assert start["Location"].startswith("https://id.example.go.th/authorize?")
    assert "no-store" in start["Cache-Control"]
    assert client.get(reverse("oidc_callback")).status_code == 400
    assert client.post(reverse("oidc_callback")).status_code == 405


QUERY = st.dictionaries(
    st.sampled_from(["code", "state", "error", "error_description", "next", "x"]),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40),
    max_size=4,
)


def test_random_callback_queries_are_refused_cleanly(client, oidc_on_without_network):
    client.get(reverse("oidc_authenticate"))  # the session holds a real state

    @hypothesis_settings(max_examples=40, deadline=None, database=None)
    @given(query=QUERY)
    def callback(query):
        response = client.get(reverse("oidc_callback"), query)
        assert response.status_code in (400, 403), (query, response.status_code)
        assert "_auth_user_id" not in client.session

    callback()
