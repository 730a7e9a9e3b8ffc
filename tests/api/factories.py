"""Clients of the API: a Django test client that sends a service account's bearer token."""

from django.test import Client

from api.models import TokenScope
from api.services import create_api_token


def token_for(user, scope=TokenScope.READ, **kwargs) -> str:
    return create_api_token(actor=None, user=user, scope=scope, **kwargs).secret


def api_client(user=None, scope=TokenScope.READ, *, token=None, language=None) -> Client:
    """A client whose every request carries ``Authorization: Bearer`` (and the language)."""
    headers = {}
    token = token or (token_for(user, scope) if user is not None else None)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if language:
        headers["Accept-Language"] = language
    client = Client(headers=headers)
    client.token = token
    return client
