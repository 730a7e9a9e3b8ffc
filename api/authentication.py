"""``Authorization: Bearer <token>``: the only way into the API's data."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import TokenScope
from .selectors import find_token
from .services import record_token_use


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """A service account's token. Unknown, revoked and expired tokens get 401 alike (the
    message does not say which); a use of a revoked or expired token is audited as refused,
    every accepted use as used."""

    keyword = "Bearer"

    def authenticate(self, request):
        # Read as the str WSGI gives (never re-encoded: any character may arrive).
        header = request.META.get("HTTP_AUTHORIZATION", "").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        raw = header[1]
        token = find_token(raw) if raw.isascii() else None
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        usable = token.is_active() and token.user.is_active
        record_token_use(token=token, method=request.method, path=request.path, accepted=usable)
        if not usable:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return (token.user, token)

    def authenticate_header(self, request):
        return self.keyword


def vouches_for_body(request) -> bool:
    """For core's request-size limit (settings.REQUEST_BODY_VOUCHERS): a live write token
    stands behind this request, so it may send an attachment-sized body like a signed-in user.
    Headers only, nothing audited: the view's authentication still checks and audits the token,
    and an unknown or read-only token keeps the anonymous cap."""
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(header) != 2 or header[0].lower() != "bearer" or not header[1].isascii():
        return False
    token = find_token(header[1])
    return (
        token is not None
        and token.scope == TokenScope.WRITE
        and token.is_active()
        and token.user.is_active
    )
