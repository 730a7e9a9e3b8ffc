"""Faults of the machine give a clear page, not a stack trace."""

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import path

from core.pdf import PDFUnavailable


def _database_down(request):
    raise OperationalError("connection to server at 127.0.0.1, port 1 failed")


def _no_pango(request):
    raise PDFUnavailable("cannot load library 'libpango-1.0-0'")


urlpatterns = [path("db/", _database_down), path("pdf/", _no_pango)]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(("url", "thai"), [("/db/", "ฐานข้อมูลไม่พร้อมใช้งาน"), ("/pdf/", "PDF")])
def test_fault_pages(admin_client, url, thai):
    response = admin_client.get(url)
    assert response.status_code == 503
    body = response.content.decode()
    assert thai in body
    assert "Traceback" not in body and "127.0.0.1" not in body


@pytest.mark.django_db
def test_every_response_carries_a_strict_csp(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_database_failure_outside_a_view_gets_the_database_page(rf):
    from budgetscreen.views import server_error

    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert "ฐานข้อมูลไม่พร้อมใช้งาน" in response.content.decode()
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Traceback" not in response.content.decode()
