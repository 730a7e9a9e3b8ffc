"""The real OpenID Connect provider of these tests, in its own process on loopback.

``OIDCProvider`` starts tests/oidc_provider (django-oauth-toolkit with OIDC on) with
subprocess on 127.0.0.1 and a free port, waits until its discovery document answers, and kills
it at the end. ``ProviderBrowser`` plays the user's side at the provider without a browser
(sign in, consent) for the attack tests; the full flow in Chromium is in test_browser.py.
"""

from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import requests
from django.conf import settings

CLIENT_ID = "budgetscreen-test"
CLIENT_SECRET = "test-client-secret-not-secret"  # noqa: S105
PASSWORD = "provider-password"  # noqa: S105
CALLBACK = "/accounts/oidc/callback/"

# username at the provider → the claims its ID token carries besides the standard ones
USERS = {
    "alice": {"sub": "alice-sub", "amr": ["pwd"]},
    "stranger": {"sub": "stranger-sub", "email": "stranger@elsewhere.example"},
    "late": {"sub": "late-sub", "exp_offset": -300},  # an ID token expired 5 minutes ago
    "staff_mfa": {"sub": "staff-mfa-sub", "amr": ["pwd", "otp"]},
    "staff_acr": {"sub": "staff-acr-sub", "amr": ["pwd"], "acr": "urn:test:loa:high"},
    "staff_pwd": {"sub": "staff-pwd-sub", "amr": ["pwd"]},
    "newcomer": {"sub": "newcomer-sub", "email": "new.person@agency.example"},
    "unverified": {
        "sub": "unverified-sub",
        "email": "someone@agency.example",
        "email_verified": False,
    },
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only, never through a proxy of the environment
    return session


class OIDCProvider:
    def __init__(self, folder: Path, redirect_uris: list[str]):
        self.folder = folder
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/o"
        self.redirect_uris = redirect_uris
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> OIDCProvider:
        spec = {
            "port": self.port,
            "dir": str(self.folder),
            "users": [
                {
                    "username": name,
                    "password": PASSWORD,
                    "email": f"{name}@provider.example",
                    "claims": claims,
                }
                for name, claims in USERS.items()
            ],  # fmt: skip
            "client": {
                "id": CLIENT_ID,
                "secret": CLIENT_SECRET,
                "redirect_uris": self.redirect_uris,
            },
        }
        spec_path = self.folder / "spec.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        self.log = (self.folder / "provider.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.serve", str(spec_path)],
            cwd=settings.BASE_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=_provider_environment(),
        )
        self._wait(timeout)
        return self

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        session = _session()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the test provider stopped: {self.log_text()}")
            try:
                if session.get(self.discovery_url, timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the test provider did not answer in {timeout}s: {self.log_text()}")

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def log_text(self) -> str:
        self.log.flush()
        return (self.folder / "provider.log").read_text(encoding="utf-8", errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


def _provider_environment() -> dict:
    import os

    keep = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "TMPDIR", "VIRTUAL_ENV")
    return {key: os.environ[key] for key in keep if key in os.environ}


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class ProviderBrowser:
    """The user's side at the provider, over HTTP: sign in, consent, and read the code."""

    def __init__(self, provider: OIDCProvider):
        self.provider = provider
        self.http = _session()

    def authorize(
        self, authorize_url: str, username: str, *, nonce: str | None = None, allow: bool = True
    ) -> dict:
        """Follow the app's redirect to the provider as ``username``; returns the query the
        provider sends back to the app (``code`` and ``state``, or ``error``). ``nonce``
        replaces the app's nonce (an attacker's own flow); ``allow=False`` refuses consent."""
        if nonce is not None:
            authorize_url = _replace_query(authorize_url, nonce=nonce)
        response = self.http.get(authorize_url, allow_redirects=False, timeout=10)
        if response.status_code == 302 and "/accounts/login/" in response.headers["Location"]:
            self._sign_in(response.headers["Location"], username)
            response = self.http.get(authorize_url, allow_redirects=False, timeout=10)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        fields = {name: html.unescape(value) for name, value in HIDDEN.findall(response.text)}
        if allow:
            fields["allow"] = "Authorize"
        consent = self.http.post(
            response.url, data=fields, headers={"Referer": response.url},
            allow_redirects=False, timeout=10,
        )  # fmt: skip
        assert consent.status_code == 302, (consent.status_code, consent.text[:500])
        back = urlparse(consent.headers["Location"])
        assert back.path == CALLBACK, consent.headers["Location"]
        return {key: values[0] for key, values in parse_qs(back.query).items()}

    def _sign_in(self, login_path: str, username: str) -> None:
        url = f"http://127.0.0.1:{self.provider.port}{login_path}"
        page = self.http.get(url, timeout=10)
        fields = dict(HIDDEN.findall(page.text))
        fields.update(username=username, password=PASSWORD)
        answer = self.http.post(
            url, data=fields, headers={"Referer": url}, allow_redirects=False, timeout=10
        )
        assert answer.status_code == 302, (answer.status_code, answer.text[:500])


def _replace_query(url: str, **values) -> str:
    parts = urlparse(url)
    query = {key: v[0] for key, v in parse_qs(parts.query).items()}
    query.update(values)
    return urlunparse(parts._replace(query=urlencode(query)))
