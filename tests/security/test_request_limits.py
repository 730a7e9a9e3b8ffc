"""Request bodies: refused (413) before they are read when too large; private pages uncached."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from core.middleware import PrivateCacheControlMiddleware
from core.models import AuditEvent
from tests.factories import make_user

from .checks import page_text

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class UnreadableBody:
    """A request body that fails the test the moment anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the request body was read")

    readline = read


def _post_declaring(client, path, length, content_type="application/x-www-form-urlencoded"):
    """A POST that declares ``length`` bytes and has none to give: nothing is allocated."""
    return client.generic(
        "POST",
        path,
        b"",
        CONTENT_LENGTH=str(length),
        CONTENT_TYPE=content_type,
        **{"wsgi.input": UnreadableBody()},
    )


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_an_anonymous_150_mb_sign_in_is_refused_unread(content_type):
    response = _post_declaring(Client(), reverse("login"), 150 * MB, content_type)
    assert response.status_code == 413
    text = page_text(response.content.decode())
    assert "ข้อมูลที่ส่งมีขนาดใหญ่เกินไป" in text and "The request is too large" in text
    assert not AuditEvent.objects.exists()  # no sign-in was even attempted


def test_anonymous_bodies_are_capped_at_the_form_limit(settings):
    # Larger than any form of text, far below an attachment: still refused, still unread.
    length = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    assert length < settings.REQUEST_BODY_MAX_BYTES
    assert _post_declaring(Client(), reverse("login"), length).status_code == 413


def test_a_signed_in_user_is_capped_at_an_attachment_and_its_form(client, submitter, settings):
    client.force_login(submitter)
    path = reverse("proposals:new")
    too_big = settings.REQUEST_BODY_MAX_BYTES + 1
    assert settings.REQUEST_BODY_MAX_BYTES >= settings.ATTACHMENT_MAX_BYTES
    assert (
        _post_declaring(client, path, too_big, "multipart/form-data; boundary=x").status_code == 413
    )
    # An attachment-sized body passes the cap and is read as usual (here: the body that
    # fails when read shows that it was).
    with pytest.raises(AssertionError, match="was read"):
        _post_declaring(
            client, path, settings.ATTACHMENT_MAX_BYTES, "multipart/form-data; boundary=x"
        )


def test_a_nonsense_content_length_is_not_a_413():
    response = Client().generic(
        "POST", reverse("login"), b"", CONTENT_LENGTH="lots", CONTENT_TYPE="text/plain"
    )
    assert response.status_code == 200


def test_static_files_keep_their_own_caching():
    user = make_user()
    middleware = PrivateCacheControlMiddleware(lambda request: HttpResponse("body{}"))
    static = RequestFactory().get("/static/css/app.css")
    static.user = user
    assert "Cache-Control" not in middleware(static)
    page = RequestFactory().get("/proposals/")
    page.user = user
    assert set(middleware(page)["Cache-Control"].split(", ")) == {"private", "no-store"}
    # An anonymous response that reads no session or CSRF token is left alone too.
    public = RequestFactory().get("/i18n/setlang/")
    public.user = AnonymousUser()
    assert "Cache-Control" not in middleware(public)
