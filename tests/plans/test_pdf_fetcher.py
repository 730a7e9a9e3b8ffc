"""core.pdf.StaticOnlyURLFetcher: only the app's static files, refused before any connection."""

import socket

import pytest

from core.pdf import STATIC_BASE, StaticOnlyURLFetcher

REFUSED = [
    "file:///etc/passwd",
    "file:///work/main/budgetscreen/settings/base.py",
    "http://127.0.0.1:9/x",
    "https://127.0.0.1:9/x",
    "http://budgetscreen.invalid/static/css/app.css",  # our host, but not over https
    "https://budgetscreen.invalid/media/attachments/1/x.pdf",  # not under /static/
    f"{STATIC_BASE}../../etc/passwd",
    f"{STATIC_BASE}css/../../manage.py",
    f"{STATIC_BASE}%2e%2e/%2e%2e/etc/passwd",
    f"{STATIC_BASE}/etc/passwd",
    f"{STATIC_BASE}",
    f"{STATIC_BASE}css/does-not-exist.css",
    "data:text/plain,hello",
    "ftp://budgetscreen.invalid/static/css/app.css",
]


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the fetcher tried to open a connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("url", REFUSED)
def test_refused_before_any_connection(url, no_network):
    assert StaticOnlyURLFetcher.static_path(url) is None
    with pytest.raises(ValueError, match="refuses"):
        StaticOnlyURLFetcher().fetch(url)


def test_serves_our_fonts_and_static_files(no_network):
    response = StaticOnlyURLFetcher().fetch(f"{STATIC_BASE}fonts/Sarabun-Regular.ttf")
    assert response is not None
    path = StaticOnlyURLFetcher.static_path(f"{STATIC_BASE}css/plans.css")
    assert path is not None and path.name == "plans.css"
