"""Claims of the test provider's users, as the test that started it asked (settings.TEST_CLAIMS)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator


class TestClaimsValidator(OAuth2Validator):
    # Every claim in the table goes into the ID token and the userinfo, whatever the scope.
    oidc_claim_scope = None

    def _claims_of(self, user):
        return dict(settings.TEST_CLAIMS.get(user.get_username(), {}))

    def get_additional_claims(self, request):
        claims = self._claims_of(request.user)
        claims.pop("exp_offset", None)
        claims.setdefault("email", request.user.email)
        claims.setdefault("email_verified", True)
        return claims

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        offset = self._claims_of(request.user).get("exp_offset")
        if offset is not None:
            expiration = timezone.now() + timedelta(seconds=offset)
            claims["exp"] = int(expiration.timestamp())
        return claims, expiration
