"""``{% sso_provider as name %}``: the OpenID Connect provider's name, or "" while it is off."""

from django import template

from core import sso

register = template.Library()


@register.simple_tag
def sso_provider() -> str:
    return sso.provider_name() if sso.is_enabled() else ""
