"""Reads of the api app: finding the token a request presents."""

import hmac

from .models import ApiToken
from .services import hash_token


def find_token(raw: str) -> ApiToken | None:
    """The token row whose hash matches ``raw`` (looked up by its prefix), active or not; None
    for a malformed or unknown token. The comparison takes constant time."""
    prefix, dot, secret = raw.partition(".")
    if not dot or not secret or not 1 <= len(prefix) <= 16:
        return None
    token = ApiToken.objects.select_related("user", "user__agency").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.token_hash, hash_token(raw)):
        return None
    return token
