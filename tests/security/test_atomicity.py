"""Nothing half-written: a service that dies part-way leaves no trace of the change.

Each test lets a service do its row changes and then makes a later step fail, as a request
killed mid-transaction would: the audit event of the change (``record_event``, the last write
of most services) or the agency's notification. Everything the service touched must read as it
did before: statuses, versions, timeline, reviews, votes, resolutions, budget lines, plan
versions, audit events, notifications, e-mails.
"""

from decimal import Decimal

import pytest
from django.core import mail

from committee import services as committee_services
from committee.models import Meeting, Resolution, Vote, VoteChoice
from core import audit
from core.models import AuditEvent, Notification
from plans.models import PlanVersion
from plans.services import publish_plan
from proposals.models import BudgetLine, Proposal, ProposalVersion, StatusChange
from proposals.services import submit_proposal
from proposals.workflow import Status
from screening.models import CriterionAssessment, Recommendation, ScreeningReview
from screening.services import AssessmentInput, screen_proposal
from tests.committee.factories import add_item, make_setup, mark_present
from tests.factories import make_proposal, make_round
from tests.proposals.factories import make_complete_draft
from tests.screening.factories import make_criteria

pytestmark = pytest.mark.django_db


class Killed(Exception):
    """The request died here."""


def everything():
    """What any of the services below may write, read back in full."""
    return {
        "proposals": list(
            Proposal.objects.order_by("pk").values_list(
                "pk",
                "status",
                "lock_version",
                "recommended_amount",
                "approved_amount",
                "submitted_at",
                "assigned_screener_id",
                "stage_id",
            )
        ),  # fmt: skip
        "versions": list(ProposalVersion.objects.values_list("pk", flat=True)),
        "timeline": list(StatusChange.objects.values_list("pk", flat=True)),
        "reviews": list(ScreeningReview.objects.values_list("pk", flat=True)),
        "assessments": CriterionAssessment.objects.count(),
        "votes": list(Vote.objects.order_by("pk").values_list("pk", "choice", "amount")),
        "resolutions": list(Resolution.objects.values_list("pk", "outcome", "approved_amount")),
        "meetings": list(Meeting.objects.order_by("pk").values_list("pk", "status", "closed_at")),
        "lines": list(BudgetLine.objects.order_by("pk").values_list("pk", "approved_amount")),
        "plans": list(PlanVersion.objects.values_list("pk", flat=True)),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", "hash")),
        "notifications": Notification.objects.count(),
    }


def kill_at(monkeypatch, code, *, nth=1):
    """Make the ``nth`` audit event ``code`` fail, after the rows it records were written."""
    real = audit.record_event
    seen = {"count": 0}

    def record_event(event_code, **kwargs):
        if event_code == code:
            seen["count"] += 1
            if seen["count"] == nth:
                raise Killed(code)
        return real(event_code, **kwargs)

    for module in ("proposals.services", "screening.services", "committee.services",
                   "plans.services"):  # fmt: skip
        monkeypatch.setattr(f"{module}.record_event", record_event)
    return seen


def kill_notifications(monkeypatch):
    def notify_users(*args, **kwargs):
        raise Killed("notification")

    monkeypatch.setattr("proposals.services.notify_users", notify_users)


def assert_untouched(before):
    after = everything()
    changed = {key for key in before if before[key] != after[key]}
    assert not changed, f"left half-written: {sorted(changed)}"
    assert not mail.outbox


# --- proposals and screening -----------------------------------------------------------------


@pytest.fixture
def draft(submitter):
    return make_complete_draft(agency=submitter.agency, plan_round=make_round(), actor=submitter)


@pytest.mark.parametrize("where", ["audit", "notification"])
def test_submit_killed_midway_leaves_the_draft(monkeypatch, draft, submitter, where):
    before = everything()
    if where == "audit":
        kill_at(monkeypatch, "proposal.submitted")
    else:
        kill_notifications(monkeypatch)
    with pytest.raises(Killed):
        submit_proposal(proposal_id=draft.pk, actor=submitter)
    assert_untouched(before)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and not draft.versions.exists()


@pytest.mark.parametrize("where", ["screening.reviewed", "proposal.forwarded", "notification"])
def test_screening_killed_midway_leaves_the_proposal_waiting(monkeypatch, screener, where):
    plan_round = make_round()
    proposal = make_proposal(plan_round=plan_round, requested=Decimal("2000000.00"))
    criteria = make_criteria(plan_round)
    before = everything()
    if where == "notification":
        kill_notifications(monkeypatch)
    else:
        kill_at(monkeypatch, where)
    with pytest.raises(Killed):
        screen_proposal(
            proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.FORWARD,
            assessments={c.pk: AssessmentInput("met", "ครบ") for c in criteria},
            expected_version=proposal.lock_version,
        )  # fmt: skip
    assert_untouched(before)


# --- the committee ---------------------------------------------------------------------------


@pytest.fixture
def meeting_setup():
    setup = make_setup(members=2)
    items = [add_item(setup, requested=Decimal("800000.00")) for _ in range(2)]
    mark_present(setup, setup.voters)
    committee_services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    return setup, items


def test_a_vote_killed_midway_is_not_counted(monkeypatch, meeting_setup):
    setup, items = meeting_setup
    before = everything()
    kill_at(monkeypatch, "vote.cast")
    with pytest.raises(Killed):
        committee_services.cast_vote(item=items[0], actor=setup.chair, choice=VoteChoice.APPROVE)
    assert_untouched(before)


def test_a_changed_vote_killed_midway_keeps_the_first_vote(monkeypatch, meeting_setup):
    setup, items = meeting_setup
    committee_services.cast_vote(item=items[0], actor=setup.chair, choice=VoteChoice.APPROVE)
    before = everything()
    kill_at(monkeypatch, "vote.cast")
    with pytest.raises(Killed):
        committee_services.cast_vote(item=items[0], actor=setup.chair, choice=VoteChoice.REJECT)
    assert_untouched(before)
    assert Vote.objects.get(member=setup.chair).choice == VoteChoice.APPROVE


def _decide(setup, items):
    for item in items:
        for voter in setup.voters:
            committee_services.cast_vote(item=item, actor=voter, choice=VoteChoice.APPROVE)
        committee_services.record_resolution(item=item, actor=setup.chair, outcome="approved")


def test_a_resolution_killed_midway_is_not_recorded(monkeypatch, meeting_setup):
    setup, items = meeting_setup
    for voter in setup.voters:
        committee_services.cast_vote(item=items[0], actor=voter, choice=VoteChoice.APPROVE)
    before = everything()
    kill_at(monkeypatch, "resolution.recorded")
    with pytest.raises(Killed):
        committee_services.record_resolution(item=items[0], actor=setup.chair, outcome="approved")
    assert_untouched(before)


def test_approving_a_group_killed_at_the_second_item_records_none(monkeypatch, meeting_setup):
    setup, items = meeting_setup
    before = everything()
    kill_at(monkeypatch, "resolution.recorded", nth=2)
    with pytest.raises(Killed):
        committee_services.approve_as_recommended(
            meeting=setup.meeting, actor=setup.secretary, items=items
        )
    assert_untouched(before)


@pytest.mark.parametrize(
    ("code", "nth"),
    [("proposal.approved", 2), ("meeting.closed", 1)],
    ids=["at the second proposal", "at the last step"],
)
def test_closing_killed_midway_leaves_the_meeting_open(monkeypatch, meeting_setup, code, nth):
    setup, items = meeting_setup
    _decide(setup, items)
    before = everything()
    kill_at(monkeypatch, code, nth=nth)
    with pytest.raises(Killed):
        committee_services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    assert_untouched(before)
    assert all(p.status == Status.ON_AGENDA for p in Proposal.objects.all())


# --- the plan --------------------------------------------------------------------------------


def test_publishing_killed_midway_publishes_nothing(monkeypatch, secretary):
    plan_round = make_round(open_now=False)
    for _ in range(3):
        make_proposal(plan_round=plan_round, status=Status.APPROVED)
    before = everything()
    kill_at(monkeypatch, "plan.published")
    with pytest.raises(Killed):
        publish_plan(plan_round=plan_round, actor=secretary)
    assert_untouched(before)
    # and the next attempt takes number 1, as if nothing had happened
    monkeypatch.undo()
    assert publish_plan(plan_round=plan_round, actor=secretary).number == 1
