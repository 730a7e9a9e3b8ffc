"""Every write of the api app: API tokens created, revoked and used, each one audited."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event
from core.errors import DomainError
from directory.models import User

from .models import ApiToken, TokenScope

MAX_EXPIRY_DAYS = 3650


class ApiTokenError(DomainError):
    """A token could not be created or revoked; the message is meant for the user."""


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its row: ``secret`` is the only copy of the token there will ever be."""

    token: ApiToken
    secret: str


def hash_token(raw: str) -> str:
    """The stored form of a token: its SHA-256 (a random 256-bit token needs no slow hash)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_api_token(
    *,
    actor: User | None,
    user: User,
    scope: str,
    name: str = "",
    expires_in_days: int | None = None,
) -> IssuedToken:
    """Issue a token for ``user`` (a service account) with ``scope`` read or write.

    Preconditions: the user is active; ``expires_in_days``, when given, is 1–3650. Effects: the
    row (prefix, hash, scope, expiry) and the audit event ``api.token_created``; the token itself
    is returned once and stored nowhere. Raises ``ApiTokenError`` for a bad scope or expiry.
    """
    if scope not in TokenScope.values:
        raise ApiTokenError(_("The scope must be “read” or “write”."), field="scope")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ApiTokenError(
            _("A token expires after 1 to %(max)s days.") % {"max": MAX_EXPIRY_DAYS},
            field="expires_in_days",
        )
    if not user.is_active:
        raise ApiTokenError(_("This user account is inactive."), field="user")
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=expires_in_days) if expires_in_days else None
    with transaction.atomic():
        prefix = secrets.token_hex(4)
        while ApiToken.objects.filter(prefix=prefix).exists():
            prefix = secrets.token_hex(4)
        raw = f"{prefix}.{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100],
            prefix=prefix,
            token_hash=hash_token(raw),
            scope=scope,
            created_at=now,
            created_by=actor,
            expires_at=expires_at,
        )
        record_event(
            "api.token_created",
            actor=actor,
            target=token,
            extra={"user": user.username, "scope": scope, "prefix": prefix, "expires": expires_at},
        )
    return IssuedToken(token=token, secret=raw)


def revoke_api_token(*, token_id: int, actor: User | None) -> ApiToken:
    """Revoke a token for good: every later use is refused (401) and audited as refused.

    Effects: ``revoked_at``/``revoked_by`` and the audit event ``api.token_revoked``. Revoking
    a token twice changes nothing more. Raises ``ApiToken.DoesNotExist`` for an unknown id.
    """
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        record_event(
            "api.token_revoked",
            actor=actor,
            target=token,
            extra={"user_id": token.user_id, "prefix": token.prefix},
        )
    return token


def record_token_use(*, token: ApiToken, method: str, path: str, accepted: bool) -> None:
    """Audit one request made with ``token`` (``api.token_used``, or ``api.token_refused`` for a
    revoked or expired one) and, when accepted, note when it was last used."""
    now = timezone.now()
    with transaction.atomic():
        if accepted:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        record_event(
            "api.token_used" if accepted else "api.token_refused",
            actor=token.user,
            target=token,
            extra={"prefix": token.prefix, "method": method[:10], "path": path[:200]},
        )
