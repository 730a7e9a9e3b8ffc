"""mozilla-django-oidc wired in: discovery, the authentication backend and the two views.

The library runs the authorization-code flow: a random ``state`` and ``nonce`` and a PKCE
verifier kept in the session (OIDC_USE_PKCE, OIDC_USE_NONCE), the code exchanged at the token
endpoint, the ID token's signature checked against the provider's JWKS. What is added here:

- endpoints from the issuer's ``/.well-known/openid-configuration`` (fetched at the first
  sign-in, kept per process) unless the environment names them; the document must name the
  configured issuer;
- the ID token's ``iss`` and ``aud`` (and ``azp``) are checked too (the library leaves them),
  and ``exp``/``iat`` are required; the userinfo's ``sub`` must be the ID token's;
- every failure (a wrong or replayed state, a refused code, an expired or forged token, a
  nonce from another flow, an unknown identity) is audited and answered with a page in Thai
  and English, never a stack trace or Django's bare 400;
- who the identity is, and whether two-factor is owed, is core/sso.py's.

Both URLs answer 404 while OIDC is off (core.sso.is_enabled).
"""

from __future__ import annotations

import logging
import threading

import jwt
import requests
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from . import sso, twofactor
from .signin_protection import client_ip

logger = logging.getLogger("budgetscreen")

BACKEND = "core.oidc.OIDCBackend"
SESSION_MFA_KEY = "two_factor_by_provider"
# Settings that discovery fills in when the environment leaves them empty.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}

_metadata: dict[str, dict] = {}
_metadata_lock = threading.Lock()


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read or does not fit."""


def provider_metadata(issuer: str) -> dict:
    """The issuer's discovery document, fetched once per process. Raises ProviderUnavailable."""
    with _metadata_lock:
        if issuer in _metadata:
            return _metadata[issuer]
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"{url}: {error}") from error
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        # OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
        raise ProviderUnavailable(f"{url} does not name the issuer {issuer}")
    with _metadata_lock:
        _metadata[issuer] = document
    return document


def forget_provider_metadata() -> None:
    with _metadata_lock:
        _metadata.clear()


def oidc_setting(attr, *default):
    """mozilla-django-oidc's settings lookup, with the endpoints discovered when not set."""
    value = import_from_settings(attr, *default)
    if attr in DISCOVERED and not value:
        value = provider_metadata(settings.OIDC_ISSUER).get(DISCOVERED[attr]) or None
        if value is None and attr != "OIDC_OP_USER_ENDPOINT":
            raise ProviderUnavailable(f"the provider names no {DISCOVERED[attr]}")
    return value


class OIDCBackend(OIDCAuthenticationBackend):
    """The library's backend, matching identities through core.sso instead of by e-mail.

    Refusals raise sso.SignInRefused (caught by the callback view), so that a refused token is
    never counted as a failed password. Its ``authenticate`` takes only the callback's keyword
    arguments: a password form's username and password never reach it.
    """

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # Django builds every backend at every authenticate() call, password sign-ins included:
        # the library's settings (and discovery) are read only when a callback comes.
        self.UserModel = None

    def _configure(self):
        super().__init__()

    def authenticate(self, request, *, nonce, code_verifier):  # type: ignore[override]
        if request is None or not sso.is_enabled():
            return None
        self._configure()
        self.sign_in = None
        try:
            return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except requests.HTTPError as error:
            # The token endpoint refused the code: replayed, expired, another client's, or a
            # PKCE verifier that does not match.
            logger.warning("OIDC token request refused: %s", error)
            raise sso.SignInRefused("code_refused") from error

    def retrieve_matching_jwk(self, token):
        try:
            return super().retrieve_matching_jwk(token)
        except (SuspiciousOperation, jwt.PyJWTError, KeyError) as error:
            raise sso.SignInRefused("unknown_signing_key") from error

    def get_payload_data(self, token, key):
        """The ID token's claims, once its signature holds (else SignInRefused)."""
        try:
            return super().get_payload_data(token, key)
        except jwt.ExpiredSignatureError as error:
            raise sso.SignInRefused("expired_token") from error
        except (SuspiciousOperation, jwt.PyJWTError) as error:
            raise sso.SignInRefused("invalid_token") from error

    def verify_token(self, token, **kwargs):
        """Signature (the library's), nonce, then issuer, audience and times (ours)."""
        if not token:
            raise sso.SignInRefused("no_id_token")
        try:
            payload = super().verify_token(token, **kwargs)
        except SuspiciousOperation as error:
            # Signature problems were turned into SignInRefused above: this is the nonce.
            raise sso.SignInRefused("nonce_mismatch") from error
        check_id_token_claims(payload)
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The userinfo claims under the ID token's (which win); their ``sub`` must agree."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            try:
                userinfo = super().get_userinfo(access_token, id_token, payload)
            except requests.RequestException as error:
                raise sso.SignInRefused("userinfo_unavailable") from error
            if userinfo.get("sub") != payload.get("sub"):
                raise sso.SignInRefused("userinfo_subject_mismatch")
            claims = {**userinfo, **payload}
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        self.sign_in = sso.resolve_sign_in(
            issuer=settings.OIDC_ISSUER, claims=claims, id_token=payload
        )
        self.request.sso_sign_in = self.sign_in
        return self.sign_in.user

    def get_user(self, user_id):
        return super(OIDCAuthenticationBackend, self).get_user(user_id)


def check_id_token_claims(payload: dict) -> None:
    """OpenID Connect Core §3.1.3.7: the issuer is ours, the audience includes our client id
    (and an ID token for several audiences names us as ``azp``), ``exp`` and ``iat`` are
    there (PyJWT checked their values). Raises SignInRefused."""
    client_id = settings.OIDC_RP_CLIENT_ID
    if payload.get("iss") != settings.OIDC_ISSUER:
        raise sso.SignInRefused("wrong_issuer")
    audience = payload.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise sso.SignInRefused("wrong_audience")
    if len(audiences) > 1 and payload.get("azp") != client_id:
        raise sso.SignInRefused("wrong_audience")
    if not isinstance(payload.get("exp"), int | float) or "iat" not in payload:
        raise sso.SignInRefused("invalid_token")


def _refused(request, reason: str, *, identity: str = "", claim: str = "", status=403):
    sso.record_refusal(
        reason=reason,
        issuer=settings.OIDC_ISSUER,
        identity=identity,
        claim=claim,
        address=client_ip(request) or "",
    )
    context = {
        "reason": reason,
        "unknown": reason == "unknown_identity",
        "provider": sso.provider_name(),
        "identity": identity,
        "claim": claim,
        "issuer": settings.OIDC_ISSUER,
    }
    return render(request, "registration/sso_refused.html", context, status=status)


def _unavailable(request, error):
    logger.error("OIDC provider unavailable: %s", error)
    context = {"reason": "provider_unavailable", "provider": sso.provider_name()}
    response = render(request, "registration/sso_refused.html", context, status=503)
    response["Retry-After"] = "60"
    return response


@method_decorator([login_not_required, never_cache], name="dispatch")
class AuthenticateView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with a fresh state, nonce and PKCE challenge."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not sso.is_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
            return super().get(request)
        except ProviderUnavailable as error:
            return _unavailable(request, error)


@method_decorator([login_not_required, never_cache], name="dispatch")
class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: the library checks the state and runs the
    backend; this view turns each refusal into an audited page and settles two-factor."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request):
        if not sso.is_enabled():
            raise Http404
        try:
            return super().get(request)
        except sso.SignInRefused as refused:
            return _refused(request, refused.reason, identity=refused.identity, claim=refused.claim)
        except SuspiciousOperation:
            # The library's only one here: a state this session never issued (or spent).
            return _refused(request, "wrong_state", status=400)
        except ProviderUnavailable as error:
            return _unavailable(request, error)

    def login_failure(self):
        request = self.request
        if request.GET.get("error"):
            reason = "provider_error"
        elif "code" in request.GET and "state" in request.GET:
            reason = "no_state"  # a session that started no sign-in at all
        else:
            reason = "missing_state" if "code" in request.GET else "missing_code"
        return _refused(request, reason, status=400)

    def login_success(self):
        sign_in = self.request.sso_sign_in
        response = super().login_success()
        sso.record_sign_in(sign_in=sign_in, issuer=settings.OIDC_ISSUER)
        session = self.request.session
        # core.signals.audit_login has set the step the password would owe; the provider's
        # own second factor stands in for it.
        if sign_in.mfa and session.pop(twofactor.SESSION_KEY, None):
            twofactor.record_provider_mfa(user=sign_in.user, amr=sign_in.amr, acr=sign_in.acr)
        if sign_in.mfa:
            session[SESSION_MFA_KEY] = True
        return response
