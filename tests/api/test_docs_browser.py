"""In the browser: the API reference (Swagger UI from drf-spectacular-sidecar, served by the
app) renders every operation under the app's strict Content-Security-Policy, with no refusal."""

import pytest
from django.conf import settings
from django.test import Client

from directory.roles import Role
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_reference_renders_under_the_csp(chromium, live_server):
    user = make_user(Role.SUBMITTER)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context = chromium.new_context(locale="en-US")
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems, outside = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url),
    )
    try:
        response = page.goto(f"{live_server.url}/api/v1/docs/")
        assert response.status == 200
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        page.wait_for_selector(".opblock", state="attached")
        operations = page.locator(".opblock-summary-path").all_inner_texts()
        paths = {text.replace("\u200b", "") for text in operations}
        assert {"/api/v1/proposals/", "/api/v1/plans/{year}/"} <= paths
        assert page.locator(".info .title").inner_text().startswith("budgetscreen API")
        # Every asset came from the app itself; nothing was refused.
        assert not outside, outside
        assert not problems, problems
    finally:
        context.close()


def test_the_reference_is_for_signed_in_users(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
