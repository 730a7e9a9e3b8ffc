"""The whole role × agency × state matrix, for the pure rules and for the pages."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.models import AuditEvent
from directory.roles import Role
from proposals import permissions
from proposals.models import Proposal
from proposals.selectors import visible_proposals
from proposals.services import submit_proposal, withdraw_proposal
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
    """They read every proposal the agency has sent (a draft is still the agency's own)."""
    user = _user(role, None)
    proposal = make_proposal(plan_round=plan_round, agency=own_agency, status=status)
    assert permissions.can_view_proposal(user, proposal) == (status != Status.DRAFT)
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


def _unsent_hides(case, status, expected):
    """Anyone but the own agency gets 404 for a draft, whatever they may do with sent ones."""
    return 404 if status == Status.DRAFT and case != "own" else expected


@pytest.mark.parametrize("status", ALL_STATES)
@pytest.mark.parametrize(("case", "expected"), ROLE_CASES)
def test_detail_page(client, own_agency, plan_round, status, case, expected):
    expected = _unsent_hides(case, status, expected)
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
    expected = _unsent_hides(case, status, expected)
    proposal = make_proposal(plan_round=plan_round, agency=own_agency, status=status)
    client.force_login(_viewer(case, own_agency))
    response = client.get(f"/proposals/{proposal.pk}/edit/")
    if expected == 404:
        assert response.status_code == 404
    elif case == "own":
        assert response.status_code == (200 if status in EDITABLE else 302)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.RETURNED])
@pytest.mark.parametrize(("case", "expected"), ROLE_CASES)
def test_attachment_download(client, own_agency, plan_round, status, case, expected, media_root):
    expected = _unsent_hides(case, status, expected)
    owner = make_user(Role.SUBMITTER, agency=own_agency)
    proposal = make_complete_draft(agency=own_agency, plan_round=plan_round, actor=owner)
    if status != Status.DRAFT:
        Proposal.objects.filter(pk=proposal.pk).update(status=status, submitted_at=timezone.now())
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


# --- drafts are the agency's own until it sends them (issue 13, point 4) ---------------------

VIEWER_CASES = ["own", "other", *READERS, Role.BUDGET_OFFICE]
# (status, sent to DGA once?) → may DGA and the committee read it?
SENT_CASES = [
    (Status.DRAFT, False, False),
    (Status.WITHDRAWN, False, False),  # a draft withdrawn unsent: never theirs to read
    (Status.WITHDRAWN, True, True),  # withdrawn after submission: they had it already
    (Status.RETURNED, True, True),  # returned for revision: screeners saw it already
    (Status.SUBMITTED, True, True),
]


@pytest.mark.parametrize(("status", "sent", "staff_read"), SENT_CASES)
@pytest.mark.parametrize("case", VIEWER_CASES)
def test_the_rule_and_the_selector_agree(own_agency, plan_round, status, sent, staff_read, case):
    proposal = make_proposal(
        plan_round=plan_round, agency=own_agency, status=status,
        submitted_at=timezone.now() if sent else None,
    )  # fmt: skip
    user = _viewer(case, own_agency)
    expected = case == "own" or (case in READERS and staff_read)
    assert permissions.can_view_proposal(user, proposal) == expected
    assert visible_proposals(user).filter(pk=proposal.pk).exists() == expected
    assert proposal.is_unsent == (not staff_read)


@pytest.mark.parametrize("role", READERS)
def test_a_draft_withdrawn_unsent_stays_hidden(client, own_agency, plan_round, role, media_root):
    owner = make_user(Role.SUBMITTER, agency=own_agency)
    proposal = make_complete_draft(agency=own_agency, plan_round=plan_round, actor=owner)
    withdraw_proposal(proposal_id=proposal.pk, actor=owner, reason="ใช้งบประมาณจากแหล่งอื่น")
    attachment = proposal.attachments.get()
    client.force_login(make_user(role))
    for url in (
        f"/proposals/{proposal.pk}/",
        f"/proposals/{proposal.pk}/history/",
        f"/proposals/{proposal.pk}/versions/compare/",
        f"/proposals/{proposal.pk}/attachments/{attachment.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(owner)
    assert client.get(f"/proposals/{proposal.pk}/").status_code == 200


def test_a_submitted_then_withdrawn_proposal_stays_readable(
    client, own_agency, plan_round, media_root
):
    owner = make_user(Role.SUBMITTER, agency=own_agency)
    proposal = make_complete_draft(agency=own_agency, plan_round=plan_round, actor=owner)
    submit_proposal(proposal_id=proposal.pk, actor=owner)
    withdraw_proposal(proposal_id=proposal.pk, actor=owner, reason="ใช้งบประมาณจากแหล่งอื่น")
    client.force_login(make_user(Role.SCREENER))
    assert client.get(f"/proposals/{proposal.pk}/").status_code == 200


def test_a_returned_proposal_stays_readable(client, own_agency, plan_round, media_root):
    owner = make_user(Role.SUBMITTER, agency=own_agency)
    proposal = make_complete_draft(agency=own_agency, plan_round=plan_round, actor=owner)
    submit_proposal(proposal_id=proposal.pk, actor=owner)
    screener = make_user(Role.SCREENER)
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.RETURNED)  # sent once, then back
    client.force_login(screener)
    assert client.get(f"/proposals/{proposal.pk}/").status_code == 200
    attachment = proposal.attachments.get()
    response = client.get(f"/proposals/{proposal.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    b"".join(response.streaming_content)


def test_django_admin_still_opens_a_draft(client, own_agency, plan_round):
    proposal = make_proposal(plan_round=plan_round, agency=own_agency, status=Status.DRAFT)
    admin = make_user(Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(f"/proposals/{proposal.pk}/").status_code == 404
    page = client.get(f"/admin/proposals/proposal/{proposal.pk}/change/")
    assert page.status_code == 200 and proposal.code in page.content.decode()
    # Its "view on site" link would 404: it is not offered for a draft, only once sent.
    assert "viewsitelink" not in page.content.decode()
    Proposal.objects.filter(pk=proposal.pk).update(
        status=Status.SUBMITTED, submitted_at=timezone.now()
    )
    page = client.get(f"/admin/proposals/proposal/{proposal.pk}/change/")
    assert "viewsitelink" in page.content.decode()


def test_a_staff_member_who_is_also_a_submitter_reads_only_their_own_drafts(own_agency, plan_round):
    user = make_user(Role.SUBMITTER, agency=own_agency)
    user.groups.add(Group.objects.get_or_create(name=Role.SCREENER)[0])
    user = type(user).objects.get(pk=user.pk)
    own = make_proposal(plan_round=plan_round, agency=own_agency, status=Status.DRAFT)
    other = make_proposal(plan_round=plan_round, agency=make_agency(), status=Status.DRAFT)
    sent = make_proposal(plan_round=plan_round, agency=make_agency(), status=Status.SUBMITTED)
    assert set(visible_proposals(user).values_list("pk", flat=True)) == {own.pk, sent.pk}
    assert permissions.can_view_proposal(user, own)
    assert not permissions.can_view_proposal(user, other)
