import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pdf_fetches(monkeypatch):
    """Every URL WeasyPrint asks for while a test renders PDFs."""
    from core.pdf import StaticOnlyURLFetcher

    asked = []
    original = StaticOnlyURLFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyURLFetcher, "fetch", spy)
    return asked
