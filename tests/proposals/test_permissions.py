"""The whole role × agency × state matrix, for the pure rules and for the pages."""

import pytest

from core.models import AuditEvent
from directory.roles import Role
from proposals import permissions
from proposals.workflow import EDITABLE, Status
from tests.factories import make_agency, make_proposal, make_round, make_user

from .factories import make_complete_draft, pdf_upload

ALL_STATES = list(Status)
READERS = [Role.SCREENER, Role.SECRETARY, Role.COMMITTEE, Role.ADMIN]


@pytest.fixture
def own_agency(db):
    return make_agency()


@pytest.fixture
def plan_round(db):
    return make_round()


def _user(role, agency):
    return make_user(role, agency=agency if role == Role.SUBMITTER else None)


@pytest.mark.parametrize("status", ALL_STATES)
def test_own_agency_submitter(own_agency, plan_round, status):
    user = _user(Role.SUBMITTER, own_agency)
    proposal = make_proposal(plan_round=plan_round, agency=own_agency, status=status)
    assert permissions.can_view_proposal(user, proposal)
    assert permissions.can_edit_proposal(user, proposal) == (status in EDITABLE)
    assert permissions.can_submit_proposal(user, proposal) == (status in EDITABLE)
    assert permissions.can_withdraw_proposal(user, proposal) == (
        status in {Status.DRAFT, Status.SUBMITTED, Status.RETURNED}
    )


@pytest.mark.parametrize("status", ALL_STATES)
def test_other_agency_submitter_gets_nothing(own_agency, plan_round, status):
    user = _user(Role.SUBMITTER, make_agency())
    proposal = make_proposal(plan_round=plan_round, agency=own_agency, status=status)
    assert not permissions.can_view_proposal(user, proposal)
    assert not permissions.can_edit_proposal(user, proposal)
    assert not permissions.can_submit_proposal(user, proposal)
    assert not permissions.can_withdraw_proposal(user, proposal)


@pytest.mark.parametrize("status", ALL_STATES)
@pytest.mark.parametrize("role", READERS)
def test_dga_and_committee_read_only(own_agency, plan_round, role, status):
    user = _user(role, None)
    proposal = make_proposal(plan_round=plan_round, agency=own_agency, status=status)
    assert permissions.can_view_proposal(user, proposal)
    assert not permissions.can_edit_proposal(user, proposal)
    assert not permissions.can_submit_proposal(user, proposal)
    assert not permissions.can_withdraw_proposal(user, proposal)


@pytest.mark.parametrize("status", ALL_STATES)
def test_budget_office_sees_no_proposal(own_agency, plan_round, status):
    user = _user(Role.BUDGET_OFFICE, None)
    proposal = make_proposal(plan_round=plan_round, agency=own_agency, status=status)
    assert not permissions.can_view_proposal(user, proposal)
    assert not permissions.can_edit_proposal(user, proposal)


def test_only_submitters_with_an_agency_create(own_agency):
    assert permissions.can_create_proposal(_user(Role.SUBMITTER, own_agency))
    for role in [*READERS, Role.BUDGET_OFFICE]:
        assert not permissions.can_create_proposal(_user(role, None))


# --- the same matrix through HTTP ------------------------------------------------------------

ROLE_CASES = [
    ("own", 200),
    ("other", 404),
    (Role.SCREENER, 200),
    (Role.SECRETARY, 200),
    (Role.COMMITTEE, 200),
    (Role.ADMIN, 200),
    (Role.BUDGET_OFFICE, 404),
]


def _viewer(case, own_agency):
    if case == "own":
        return make_user(Role.SUBMITTER, agency=own_agency)
    if case == "other":
        return make_user(Role.SUBMITTER, agency=make_agency())
    return make_user(case)


@pytest.mark.parametrize("status", ALL_STATES)
@pytest.mark.parametrize(("case", "expected"), ROLE_CASES)
def test_detail_page(client, own_agency, plan_round, status, case, expected):
    proposal = make_proposal(plan_round=plan_round, agency=own_agency, status=status)
    client.force_login(_viewer(case, own_agency))
    response = client.get(proposal.get_absolute_url())
    assert response.status_code == expected
    if expected == 200:
        assert proposal.code in response.content.decode()
        editable = case == "own" and status in EDITABLE
        assert (f"/proposals/{proposal.pk}/edit/" in response.content.decode()) == editable


@pytest.mark.parametrize("status", ALL_STATES)
@pytest.mark.parametrize(("case", "expected"), ROLE_CASES)
def test_edit_page(client, own_agency, plan_round, status, case, expected):
    proposal = make_proposal(plan_round=plan_round, agency=own_agency, status=status)
    client.force_login(_viewer(case, own_agency))
    response = client.get(f"/proposals/{proposal.pk}/edit/")
    if expected == 404:
        assert response.status_code == 404
    elif case == "own":
        assert response.status_code == (200 if status in EDITABLE else 302)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(("case", "expected"), ROLE_CASES)
def test_attachment_download(client, own_agency, plan_round, case, expected, media_root):
    owner = make_user(Role.SUBMITTER, agency=own_agency)
    proposal = make_complete_draft(agency=own_agency, plan_round=plan_round, actor=owner)
    attachment = proposal.attachments.get()
    client.force_login(owner if case == "own" else _viewer(case, own_agency))
    response = client.get(f"/proposals/{proposal.pk}/attachments/{attachment.pk}/")
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == pdf_upload().read()
        assert AuditEvent.objects.filter(code="proposal.attachment_downloaded").count() == 1
    else:
        assert not AuditEvent.objects.filter(code="proposal.attachment_downloaded").exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.SCREENER, 403), (Role.COMMITTEE, 403), (Role.BUDGET_OFFICE, 403), (Role.ADMIN, 403)],
)
def test_list_and_new_are_for_submitters(db, client, role, expected):
    make_round()
    client.force_login(make_user(role))
    assert client.get("/proposals/").status_code == expected
    assert client.get("/proposals/new/").status_code == expected


def test_anonymous_is_sent_to_login(client, own_agency, plan_round):
    proposal = make_proposal(plan_round=plan_round, agency=own_agency)
    for url in ["/proposals/", "/proposals/new/", proposal.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("case", ["other", Role.SCREENER, Role.BUDGET_OFFICE])
def test_others_cannot_submit_or_withdraw_by_post(client, own_agency, plan_round, case):
    owner = make_user(Role.SUBMITTER, agency=own_agency)
    proposal = make_complete_draft(agency=own_agency, plan_round=plan_round, actor=owner)
    client.force_login(_viewer(case, own_agency))
    client.post(f"/proposals/{proposal.pk}/submit/")
    client.post(f"/proposals/{proposal.pk}/withdraw/", {"reason": "x"})
    proposal.refresh_from_db()
    assert proposal.status == Status.DRAFT
