"""Single sign-on through OpenID Connect: who a verified identity is, and what it may skip.

The protocol (state, nonce, PKCE, the code exchange, the ID token's signature) is
mozilla-django-oidc's, wired in core/oidc.py; this module holds the rules that follow a verified
ID token, with no request in sight:

- an identity is the value of one claim (settings.OIDC_IDENTITY_CLAIM: ``sub`` by default,
  or ``email`` …) at one issuer; it signs in as the user an administrator linked it to
  (``ExternalIdentity``), and as nobody otherwise: an unknown identity never gets an account
  or a role on its own;
- the one exception, off unless configured: a verified e-mail address in a domain of
  settings.OIDC_EMAIL_DOMAIN_AGENCIES gets a new account with the role
  settings.OIDC_EMAIL_DOMAIN_ROLE (a submitter) in that domain's existing agency;
- the ID token's ``amr``/``acr`` claims say whether it asked for a second factor
  (settings.OIDC_MFA_AMR_VALUES, OIDC_MFA_ACR_VALUES); when it did, the app's own code is not
  asked again.

Every refusal and every change of a link is in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from .audit import record_event
from .models import ExternalIdentity
from .signin_protection import is_username_locked


class SignInRefused(Exception):
    """A sign-in through the provider was refused. ``reason`` is a short code (audited);
    ``identity`` the claim value when the token was good but names nobody we know."""

    def __init__(self, reason: str, *, identity: str = "", claim: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.identity = identity
        self.claim = claim


@dataclass(frozen=True)
class SignIn:
    """A verified identity matched to a user."""

    user: Any
    claim: str
    identity: str
    mfa: bool
    amr: list[str]
    acr: str
    provisioned: bool = False


def is_enabled() -> bool:
    """OIDC sign-in is on when the environment names an issuer and a client id."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME or "OpenID Connect"


def provider_did_mfa(claims: dict) -> bool:
    """Whether the ID token says the provider asked for more than one factor."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    accepted_amr = set(settings.OIDC_MFA_AMR_VALUES)
    if any(isinstance(method, str) and method in accepted_amr for method in amr):
        return True
    acr = claims.get("acr")
    return isinstance(acr, str) and acr in set(settings.OIDC_MFA_ACR_VALUES)


def identity_of(claims: dict) -> tuple[str, str]:
    """(claim, value) naming the person. Raises SignInRefused when the claim is missing, or is
    an e-mail address the provider says it has not verified."""
    claim = settings.OIDC_IDENTITY_CLAIM
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise SignInRefused("identity_claim_missing", claim=claim)
    if claim == "email":
        if claims.get("email_verified") is False:
            raise SignInRefused("email_not_verified", identity=value, claim=claim)
        value = value.strip().lower()
    return claim, value


def resolve_sign_in(*, issuer: str, claims: dict, id_token: dict) -> SignIn:
    """The user a verified ID token signs in as. ``claims`` are the userinfo's under the ID
    token's (the identity may be read from either); whether the provider did MFA is read from
    the signed ID token alone.

    Effects: marks the link as used; may create an account (see provision_by_email_domain).
    Raises SignInRefused: no identity claim, an unknown identity, an inactive or locked user.
    """
    claim, value = identity_of(claims)
    link = (
        ExternalIdentity.objects.select_related("user")
        .filter(issuer=issuer, claim=claim, value=value)
        .first()
    )
    provisioned = False
    if link is None:
        user = provision_by_email_domain(issuer=issuer, claim=claim, value=value, claims=claims)
        if user is None:
            raise SignInRefused("unknown_identity", identity=value, claim=claim)
        provisioned = True
    else:
        user = link.user
        if not user.is_active:
            raise SignInRefused("inactive_user", identity=value, claim=claim)
        if is_username_locked(user.get_username()):
            raise SignInRefused("account_locked", identity=value, claim=claim)
        ExternalIdentity.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    amr = id_token.get("amr") or []
    return SignIn(
        user=user,
        claim=claim,
        identity=value,
        mfa=provider_did_mfa(id_token),
        amr=[str(m) for m in (amr if isinstance(amr, list) else [amr])][:10],
        acr=str(id_token.get("acr") or "")[:100],
        provisioned=provisioned,
    )


def _agency_for_email(claims: dict) -> Any:
    """The existing agency whose configured e-mail domain a verified address belongs to."""
    domains = {d.lower(): code for d, code in settings.OIDC_EMAIL_DOMAIN_AGENCIES.items()}
    email = claims.get("email")
    if not domains or claims.get("email_verified") is not True or not isinstance(email, str):
        return None
    code = domains.get(email.rpartition("@")[2].strip().lower())
    if code is None:
        return None
    # The user model names the agency it belongs to; core does not import the directory.
    agency_model: Any = get_user_model()._meta.get_field("agency").related_model
    return agency_model._default_manager.filter(code=code).first()


def provision_by_email_domain(*, issuer: str, claim: str, value: str, claims: dict) -> Any:
    """A new account for a verified address of a configured domain (off by default).

    The account gets the role settings.OIDC_EMAIL_DOMAIN_ROLE in the domain's agency, no
    password, and the identity linked; audited as ``auth.sso_provisioned``. Returns None (and
    creates nothing) when the domain is not configured, the address is not verified, the
    agency does not exist, or an account with that address or username exists already: an
    administrator links those by hand.
    """
    agency = _agency_for_email(claims)
    if agency is None:
        return None
    email = claims["email"].strip().lower()
    users = get_user_model().objects
    if users.filter(email__iexact=email).exists() or users.filter(username=email).exists():
        return None
    try:
        with transaction.atomic():
            user = users.create_user(username=email[:150], email=email, agency=agency)
            group, _created = Group.objects.get_or_create(name=settings.OIDC_EMAIL_DOMAIN_ROLE)
            user.groups.add(group)
            ExternalIdentity.objects.create(user=user, issuer=issuer, claim=claim, value=value)
            record_event(
                "auth.sso_provisioned",
                target=user,
                extra={"issuer": issuer, "claim": claim, "value": value, "agency": agency.code},
            )
    except IntegrityError:
        return None  # the same identity signing in twice at once: the other request made it
    return user


def link_identity(
    *, user: Any, issuer: str, claim: str, value: str, actor: Any
) -> ExternalIdentity:
    """An administrator links a provider's identity to a user. Audited as
    ``auth.sso_identity_linked``. Raises IntegrityError if the identity is linked already."""
    value = value.strip().lower() if claim == "email" else value.strip()
    with transaction.atomic():
        link = ExternalIdentity.objects.create(user=user, issuer=issuer, claim=claim, value=value)
        record_event(
            "auth.sso_identity_linked",
            actor=actor,
            target=user,
            extra={"issuer": issuer, "claim": claim, "value": value},
        )
    return link


def unlink_identity(*, link: ExternalIdentity, actor: Any) -> None:
    """An administrator removes a link; the identity signs in as nobody from then on."""
    with transaction.atomic():
        record_event(
            "auth.sso_identity_unlinked",
            actor=actor,
            target=link.user,
            extra={"issuer": link.issuer, "claim": link.claim, "value": link.value},
        )
        link.delete()


def record_refusal(
    *, reason: str, issuer: str, identity: str = "", claim: str = "", address: str = ""
) -> None:
    """Audit a refused sign-in through the provider (``auth.sso_refused``; an identity that
    names nobody is ``auth.sso_unknown_identity``, so an administrator can find and link it)."""
    code = "auth.sso_unknown_identity" if reason == "unknown_identity" else "auth.sso_refused"
    with transaction.atomic():
        record_event(
            code,
            extra={
                "reason": reason,
                "issuer": issuer,
                "claim": claim,
                "identity": identity[:255],
                "address": address or "",
            },
        )


def record_sign_in(*, sign_in: SignIn, issuer: str) -> None:
    """Audit a sign-in through the provider (besides Django's ``auth.login``)."""
    with transaction.atomic():
        record_event(
            "auth.sso_login",
            actor=sign_in.user,
            target=sign_in.user,
            extra={
                "issuer": issuer,
                "claim": sign_in.claim,
                "identity": sign_in.identity,
                "mfa": sign_in.mfa,
                "amr": sign_in.amr,
                "acr": sign_in.acr,
            },
        )
