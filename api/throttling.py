"""Requests per token, counted in Django's cache."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """``DEFAULT_THROTTLE_RATES["api_token"]`` requests per token (keyed by its prefix, which
    is unique for ever); requests without a token are refused before they count."""

    scope = "api_token"

    def get_rate(self):
        # Read at each request (not at import), so that a changed setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
