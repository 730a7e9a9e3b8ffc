"""English is the second language: every page of the permission matrix, read in English by each
role that may see it, has no Thai label of its own. Thai that users typed, and reference data with
no English name, are theirs to show; reference data with an English name is shown in English."""

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from tests.security.test_links import _pages
from tests.security.test_permission_matrix import shared_world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

THAI_RUN = re.compile(r"[\u0e00-\u0e7f][\u0e00-\u0e7f\s\d.,()/:-]*")
# The language switch names each language in itself.
OWN_NAMES = {"ไทย"}


@pytest.fixture
def world(shared_world, db):  # noqa: F811 (the fixture imported above)
    for client in shared_world.clients.values():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield shared_world
    for client in shared_world.clients.values():
        client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)


class _Text(HTMLParser):
    """The text a reader sees, and the labels a screen reader reads (title, aria-label)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg", "textarea"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg", "textarea"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _user_data() -> list[str]:
    """Every Thai text the database holds, except a Thai name whose English name exists (a
    proposal's page shows both of its titles, by design)."""
    values = []
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in {
            "core",
            "directory",
            "proposals",
            "screening",
            "committee",
            "plans",
            "execution",
        }:
            continue
        text_fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model.objects.values(*text_fields, "pk") if text_fields else []:
            for name, value in row.items():
                if not isinstance(value, str) or not THAI_RUN.search(value):
                    continue
                english = name[:-3] + "_en" if name.endswith("_th") else None
                if english in row and row[english] and model._meta.label != "proposals.Proposal":
                    continue
                values.append(value)
    return values  # fmt: skip


def thai_labels(html: str, data: list[str]) -> set[str]:
    parser = _Text()
    parser.feed(html)
    found = set()
    for part in parser.parts:
        for run in THAI_RUN.findall(part):
            for piece in run.split(","):  # "name, position": two values side by side
                piece = piece.strip(" \n\t.,()/:-")
                if piece and piece not in OWN_NAMES and not any(piece in v for v in data):
                    found.add(piece)
    return found


def test_every_page_in_english_has_no_thai_label(world):
    data = _user_data()
    problems, pages = [], 0
    for role, url in _pages(world):
        response = world.client(role).get(url)
        if response.streaming or "text/html" not in response.get("Content-Type", ""):
            if response.streaming:
                b"".join(response.streaming_content)
            continue
        pages += 1
        assert response.headers.get("Content-Language") == "en", url
        for label in sorted(thai_labels(response.content.decode(), data)):
            problems.append(f"{role} {url}: {label!r}")
    assert pages > 50
    assert not problems, "\n".join(problems)
