import pytest
from django.test import Client

from core import oidc
from tests.oidc.provider import CALLBACK, CLIENT_ID, CLIENT_SECRET, OIDCProvider, ProviderBrowser


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    """One provider for the whole run: it accepts the live server's callback (Chromium) and
    the test client's (``http://testserver``)."""
    provider = OIDCProvider(
        tmp_path_factory.mktemp("oidc-provider"),
        redirect_uris=[f"{live_server.url}{CALLBACK}", f"http://testserver{CALLBACK}"],
    )
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc_on(settings, oidc_provider):
    """OIDC switched on against the test provider, endpoints from its discovery document."""
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_PROVIDER_NAME = "ThaID (test)"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.OIDC_IDENTITY_CLAIM = "sub"
    settings.OIDC_EMAIL_DOMAIN_AGENCIES = {}
    oidc.forget_provider_metadata()
    yield settings
    oidc.forget_provider_metadata()


@pytest.fixture
def at_provider(oidc_provider):
    return ProviderBrowser(oidc_provider)


class SignInFlow:
    """Our app through Django's test client, the provider through HTTP: the user's browser in
    two halves, so that a test can step in between (swap the state, replay the code …)."""

    def __init__(self, at_provider, client=None):
        self.at_provider = at_provider
        self.client = client or Client()

    def start(self, next_url: str | None = None) -> str:
        url = "/accounts/oidc/authenticate/" + (f"?next={next_url}" if next_url else "")
        response = self.client.get(url)
        assert response.status_code == 302, response.status_code
        return response["Location"]

    def at_the_provider(self, username: str, **kwargs) -> dict:
        return self.at_provider.authorize(self.start(), username, **kwargs)

    def back(self, query: dict):
        return self.client.get(CALLBACK, query)

    def sign_in(self, username: str, **kwargs):
        return self.back(self.at_the_provider(username, **kwargs))


@pytest.fixture
def flow(oidc_on, at_provider):
    return SignInFlow(at_provider)
