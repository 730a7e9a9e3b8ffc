"""Staff read each proposal's and meeting's history; every refusal leaves a log line."""

import logging
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committee import services as committee_services
from committee.models import VoteChoice
from core.audit import record_event
from directory.roles import Role
from proposals.services import transition_proposal
from proposals.workflow import Action, Status
from tests.committee.factories import add_item, make_setup, mark_present
from tests.factories import make_agency, make_proposal, make_user

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


# --- proposal history ----------------------------------------------------------------------


def test_proposal_history_lists_events_in_words_for_staff(client, screener, submitter):
    proposal = make_proposal(agency=submitter.agency, status=Status.SUBMITTED)
    transition_proposal(
        proposal_id=proposal.pk, action=Action.RETURN, actor=screener, reason="ขาดเอกสาร TOR"
    )
    response = _get(client, screener, reverse("proposals:history", args=[proposal.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "ส่งกลับให้แก้ไข" in page  # proposal.returned in Thai
    assert "ขาดเอกสาร TOR" in page
    assert screener.username in page


def test_proposal_history_link_only_for_staff(client, screener, submitter):
    proposal = make_proposal(agency=submitter.agency, status=Status.SUBMITTED)
    url = reverse("proposals:history", args=[proposal.pk])
    assert url in _get(client, screener, proposal.get_absolute_url()).content.decode()
    assert url not in _get(client, submitter, proposal.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("role", "own_agency", "expected"),
    [
        (Role.SUBMITTER, True, 403),
        (Role.SUBMITTER, False, 404),
        (Role.COMMITTEE, False, 403),
        (Role.BUDGET_OFFICE, False, 404),
        (Role.SECRETARY, False, 200),
        (Role.ADMIN, False, 200),
    ],
)
def test_proposal_history_is_refused_to_others(client, role, own_agency, expected):
    agency = make_agency()
    proposal = make_proposal(agency=agency)
    user = make_user(role, agency=agency if own_agency else None)
    assert (
        _get(client, user, reverse("proposals:history", args=[proposal.pk])).status_code == expected
    )


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_proposal_history_takes_a_fixed_number_of_queries(
    client, screener, django_assert_num_queries
):
    proposal = make_proposal(status=Status.SUBMITTED)
    url = reverse("proposals:history", args=[proposal.pk])
    client.force_login(screener)
    few = _count_queries(client, url)
    with transaction.atomic():
        for n in range(30):
            record_event("proposal.saved", actor=make_user(), target=proposal, extra={"n": n})
    with django_assert_num_queries(few):
        client.get(url)
    assert few <= 6


# --- meeting history -----------------------------------------------------------------------


def _meeting_with_a_vote_and_resolution():
    setup = make_setup(members=2)
    item = add_item(setup, requested=Decimal("500000.00"))
    mark_present(setup, setup.voters)
    committee_services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    for voter in setup.voters:
        committee_services.cast_vote(item=item, actor=voter, choice=VoteChoice.APPROVE)
    committee_services.record_resolution(item=item, actor=setup.chair, outcome="approved")
    committee_services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    return setup, item


def test_meeting_history_shows_votes_resolutions_and_the_status_they_made(client):
    setup, item = _meeting_with_a_vote_and_resolution()
    other = make_setup(members=1)  # another committee's meeting: its events stay out
    committee_services.open_meeting(meeting=other.meeting, actor=other.secretary)
    response = _get(client, setup.members[0], reverse("committee:history", args=[setup.meeting.pk]))
    assert response.status_code == 200
    codes = [row.code for row in response.context["rows"]]
    assert codes.count("vote.cast") == len(setup.voters)
    assert "resolution.recorded" in codes
    assert "proposal.approved" in codes
    assert codes[0] == "meeting.opened" and codes[-1] == "meeting.closed"
    assert codes.count("meeting.opened") == 1
    page = response.content.decode()
    assert "ลงมติ" in page or "บันทึกมติ" in page
    assert (
        reverse("committee:history", args=[setup.meeting.pk])
        in _get(client, setup.secretary, setup.meeting.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.SUBMITTER, 403), (Role.BUDGET_OFFICE, 403), (Role.SCREENER, 200), (Role.ADMIN, 200)],
)
def test_meeting_history_for_staff_and_committee_only(client, role, expected):
    setup = make_setup(members=1)
    user = make_user(role)
    response = _get(client, user, reverse("committee:history", args=[setup.meeting.pk]))
    assert response.status_code == expected


def test_meeting_history_takes_a_fixed_number_of_queries(client, django_assert_num_queries):
    setup, _item = _meeting_with_a_vote_and_resolution()
    url = reverse("committee:history", args=[setup.meeting.pk])
    client.force_login(setup.secretary)
    first = _count_queries(client, url)
    more = add_item(setup)
    with transaction.atomic():
        for n in range(20):
            record_event(
                "vote.cast",
                actor=setup.chair,
                target=more.proposal,
                extra={"item": more.pk, "n": n},
            )
    with django_assert_num_queries(first):
        client.get(url)
    assert first <= 9


# --- denials are logged --------------------------------------------------------------------


def test_a_403_writes_one_security_line_with_the_user_id_only(client, caplog, submitter):
    client.force_login(submitter)
    with caplog.at_level(logging.WARNING, logger="budgetscreen.security"):
        assert client.get(reverse("screening:inbox")).status_code == 403
    lines = [r for r in caplog.records if r.name == "budgetscreen.security"]
    assert len(lines) == 1
    message = lines[0].getMessage()
    assert "status=403" in message and f"user={submitter.pk}" in message
    assert "method=GET" in message and "path=/screening/" in message
    assert submitter.username not in message


def test_another_agencys_proposal_is_a_logged_404(client, caplog, submitter, other_submitter):
    proposal = make_proposal(agency=other_submitter.agency)
    client.force_login(submitter)
    with caplog.at_level(logging.WARNING, logger="budgetscreen.security"):
        response = client.post(reverse("proposals:submit", args=[proposal.pk]))
    assert response.status_code == 404
    [line] = [r for r in caplog.records if r.name == "budgetscreen.security"]
    assert "status=404" in line.getMessage() and "method=POST" in line.getMessage()
    assert f"/proposals/{proposal.pk}/submit/" in line.getMessage()


def test_a_user_without_a_role_is_logged_too(client, caplog):
    user = make_user()
    client.force_login(user)
    with caplog.at_level(logging.WARNING, logger="budgetscreen.security"):
        assert client.get("/").status_code == 403
    assert any(
        f"user={user.pk}" in r.getMessage()
        for r in caplog.records
        if r.name == "budgetscreen.security"
    )


def test_granted_pages_log_nothing(client, caplog, screener):
    client.force_login(screener)
    with caplog.at_level(logging.INFO, logger="budgetscreen.security"):
        assert client.get(reverse("screening:inbox")).status_code == 200
    assert not [r for r in caplog.records if r.name == "budgetscreen.security"]
