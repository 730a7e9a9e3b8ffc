"""Every link opens: each page of the permission matrix, as each role that may see it, links
only to pages that role may open (no 403, no 404). Found by the budget office, whose plan page
linked a hundred projects to proposal pages it may not read."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from tests.security.test_permission_matrix import (  # noqa: F401 (shared_world: a fixture)
    ANON,
    MATRIX,
    ROLES,
    _answer,
    _expected,
    shared_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shared_world, db):  # noqa: F811 (the fixture imported above)
    return shared_world


# Django's own admin has its own links; signing out by a link would end the walk.
NOT_FOLLOWED = ("/admin/", "/static/", "/accounts/logout/")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def internal_links(page_url: str, html: str) -> set[str]:
    parser = _Links()
    parser.feed(html)
    links = set()
    for href in parser.hrefs:
        absolute = urlsplit(urljoin(f"http://testserver{page_url}", href))
        if absolute.netloc != "testserver" or absolute.path.startswith(NOT_FOLLOWED):
            continue
        links.add(absolute.path + (f"?{absolute.query}" if absolute.query else ""))
    return links


def _pages(world):
    """(role, URL) of every page of the matrix that answers that role with 200."""
    for name, entry in sorted(MATRIX.items()):
        for state in entry.states:
            url = reverse(name, kwargs=entry.kwargs(world, state) if entry.kwargs else None)
            for role in ROLES:
                if role != ANON and _expected(entry, role, state) == 200:
                    yield role, url


def test_every_link_on_every_page_opens_for_its_viewer(world):
    problems, followed, pages = [], {}, 0
    for role, url in _pages(world):
        response = world.client(role).get(url)
        if response.streaming or "text/html" not in response.get("Content-Type", ""):
            _answer(response)
            continue
        pages += 1
        for link in internal_links(url, response.content.decode()):
            if (role, link) not in followed:
                followed[role, link] = _answer(world.client(role).get(link))
            if followed[role, link] in (403, 404):
                problems.append(f"{role} on {url}: {link} answers {followed[role, link]}")
    assert pages > 50 and len(followed) > 200, (pages, len(followed))  # the walk really walked
    assert not problems, "\n".join(sorted(set(problems)))
