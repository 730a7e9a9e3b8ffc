"""Every screening URL × role: submitters and the budget office get 403, anonymous users log in."""

import pytest
from django.urls import reverse

from committee import permissions as committee_permissions
from directory.roles import Role
from screening import permissions
from tests.factories import make_user

from .factories import make_meeting


def urls(d):
    a1, a3 = d.p["A1"].pk, d.p["A3"].pk
    return [
        ("get", reverse("screening:inbox")),
        ("get", reverse("screening:mine")),
        ("get", reverse("screening:export_xlsx")),
        ("get", reverse("screening:export_csv")),
        ("get", reverse("screening:dashboard")),
        ("get", reverse("screening:duplicates")),
        ("get", reverse("screening:detail", args=[a1])),
        ("post", reverse("screening:detail", args=[a1])),
        ("get", reverse("screening:compare", args=[a1, a3])),
        ("post", reverse("screening:reopen", args=[a3])),
        ("post", reverse("screening:assign", args=[a1])),
        ("post", reverse("screening:bulk_assign")),
        ("post", reverse("screening:distribute")),
        ("post", reverse("committee:place_from_inbox")),
    ]


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.BUDGET_OFFICE, Role.COMMITTEE])
def test_other_roles_get_403_everywhere(client, inbox_data, role):
    client.force_login(make_user(role))
    for method, url in urls(inbox_data):
        response = getattr(client, method)(url)
        assert response.status_code == 403, (role, method, url)


def test_anonymous_is_sent_to_login(client, inbox_data):
    for method, url in urls(inbox_data):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_secretary_reads_but_does_not_write(client, secretary, inbox_data):
    client.force_login(secretary)
    for method, url in urls(inbox_data):
        response = getattr(client, method)(url)
        if method == "get":
            assert response.status_code in (200, 302), url
        else:
            assert response.status_code == 403, url
    page = client.get(reverse("screening:detail", args=[inbox_data.p["A1"].pk]))
    assert page.context["form"] is None


def test_screener_and_admin_may_write(screener, admin_user, inbox_data):
    for user in (screener, admin_user):
        assert permissions.can_screen_proposal(user, inbox_data.p["A1"])
        assert not permissions.can_screen_proposal(user, inbox_data.p["A3"])
        assert committee_permissions.can_place_on_agenda(user, inbox_data.p["A3"])
        assert not committee_permissions.can_place_on_agenda(user, inbox_data.p["A1"])
        assert permissions.can_reopen_proposal(user, inbox_data.p["A5"])
        assert permissions.can_assign_proposals(user)


def test_drafts_are_not_screened(client, screener, inbox_data):
    client.force_login(screener)
    assert client.get(reverse("screening:detail", args=[inbox_data.p["D1"].pk])).status_code == 404
    assert client.get(reverse("screening:detail", args=[999999])).status_code == 404


def test_meeting_list_only_for_writers(client, screener, secretary, inbox_data):
    make_meeting(inbox_data.round)
    client.force_login(screener)
    assert len(client.get(reverse("screening:inbox")).context["meetings"]) == 1
    client.force_login(secretary)
    # The placement control (the committee's {% agenda_placement %}) is not rendered at all.
    page = client.get(reverse("screening:inbox"))
    assert "meetings" not in page.context
    assert b'id="bulk_meeting"' not in page.content
