"""The screening services: each recommendation, the guards, and their audit events."""

from decimal import Decimal

import pytest

from committee.models import AgendaItem, MeetingStatus
from committee.services import AgendaOrder, CommitteeError
from committee.services import place_on_agenda as committee_place_on_agenda
from core.models import AuditEvent, Notification
from directory.roles import Role
from proposals.models import Proposal, StatusChange
from proposals.workflow import FINAL, Status
from screening.models import CriterionAssessment, Recommendation, ScreeningReview
from screening.services import (
    AssessmentInput,
    Assignment,
    ReviewInputError,
    ScreeningError,
    StaleProposalError,
    UnassessedCriteriaError,
    assign_screener,
    distribute_by_ministry,
    reopen_proposal,
    screen_proposal,
)
from tests.factories import make_agency, make_ministry, make_proposal, make_round, make_user

from .factories import make_criteria, make_meeting


@pytest.fixture
def setup(db, screener, submitter):
    plan_round = make_round()
    proposal = make_proposal(
        plan_round=plan_round, agency=submitter.agency, requested=Decimal("2000000.00")
    )
    criteria = make_criteria(plan_round)
    return plan_round, proposal, criteria


def all_met(criteria):
    return {c.pk: AssessmentInput("met", "ครบถ้วน") for c in criteria}


def codes_for(proposal):
    return list(
        AuditEvent.objects.filter(target_id=str(proposal.pk), target_type="proposals.proposal")
        .order_by("id")
        .values_list("code", flat=True)
    )


def test_forward(setup, screener, submitter):
    _, proposal, criteria = setup
    review = screen_proposal(
        proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.FORWARD,
        assessments=all_met(criteria), expected_version=proposal.lock_version,
    )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == Status.FORWARDED
    assert proposal.recommended_amount == Decimal("2000000.00")  # the whole request by default
    assert proposal.lock_version == 1
    assert proposal.assigned_screener == screener
    assert review.assessments.count() == 3
    assert codes_for(proposal) == ["screening.reviewed", "proposal.forwarded"]
    assert StatusChange.objects.filter(proposal=proposal, to_status=Status.FORWARDED).exists()
    assert Notification.objects.filter(recipient=submitter).count() == 1  # the agency is told


def test_forward_with_a_lower_amount_needs_a_reason(setup, screener):
    _, proposal, criteria = setup
    with pytest.raises(ScreeningError):
        screen_proposal(
            proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.FORWARD,
            recommended_amount=Decimal("1500000.00"), assessments=all_met(criteria),
        )  # fmt: skip
    screen_proposal(
        proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.FORWARD,
        recommended_amount=Decimal("1500000.00"), amount_reason="ลดค่าครุภัณฑ์ซ้ำซ้อน",
        assessments=all_met(criteria),
    )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.recommended_amount == Decimal("1500000.00")
    assert ScreeningReview.objects.get(proposal=proposal).amount_reason == "ลดค่าครุภัณฑ์ซ้ำซ้อน"


def test_amount_above_the_request_is_refused(setup, screener):
    _, proposal, criteria = setup
    with pytest.raises(ScreeningError):
        screen_proposal(
            proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.FORWARD,
            recommended_amount=Decimal("2000000.01"), assessments=all_met(criteria),
        )  # fmt: skip
    assert ScreeningReview.objects.count() == 0
    assert Proposal.objects.get(pk=proposal.pk).status == Status.SUBMITTED


def test_forward_needs_every_criterion(setup, screener):
    _, proposal, criteria = setup
    with pytest.raises(ScreeningError):
        screen_proposal(
            proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.FORWARD,
            assessments={criteria[0].pk: AssessmentInput("met")},
        )  # fmt: skip


def test_return_shows_the_reasons_to_the_agency(setup, screener):
    _, proposal, criteria = setup
    with pytest.raises(ScreeningError):
        screen_proposal(
            proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.RETURN
        )
    screen_proposal(
        proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.RETURN,
        reasons="แนบแผนการดำเนินงานรายไตรมาส",
        assessments={criteria[0].pk: AssessmentInput("not_met", "ขาดแผน")},
    )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == Status.RETURNED
    assert proposal.recommended_amount is None
    change = StatusChange.objects.get(proposal=proposal, to_status=Status.RETURNED)
    assert change.reason == "แนบแผนการดำเนินงานรายไตรมาส"
    assert codes_for(proposal) == ["screening.reviewed", "proposal.returned"]
    assert CriterionAssessment.objects.get().result == "not_met"


def test_ineligible(setup, screener, inbox_data):
    _, proposal, _ = setup
    screen_proposal(
        proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.INELIGIBLE,
        reasons="ไม่ใช่โครงการด้านดิจิทัล", corrected_stage=inbox_data.stages[2],
    )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == Status.INELIGIBLE
    assert proposal.stage == inbox_data.stages[2]
    assert codes_for(proposal) == ["screening.reviewed", "proposal.ineligible"]
    event = AuditEvent.objects.get(code="screening.reviewed")
    assert event.extra["recommendation"] == "ineligible"
    assert event.extra["stage_to"] == inbox_data.stages[2].pk


def test_second_screener_is_told_and_nothing_is_overwritten(setup, screener):
    _, proposal, criteria = setup
    other = make_user(Role.SCREENER)
    opened = proposal.lock_version
    screen_proposal(
        proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.FORWARD,
        assessments=all_met(criteria), expected_version=opened,
    )  # fmt: skip
    with pytest.raises(StaleProposalError):
        screen_proposal(
            proposal_id=proposal.pk, actor=other, recommendation=Recommendation.RETURN,
            reasons="ขอข้อมูลเพิ่ม", expected_version=opened,
        )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == Status.FORWARDED
    assert ScreeningReview.objects.filter(proposal=proposal).count() == 1


@pytest.mark.parametrize(
    "role", [Role.SUBMITTER, Role.SECRETARY, Role.BUDGET_OFFICE, Role.COMMITTEE]
)
def test_only_screeners_screen(setup, role):
    _, proposal, criteria = setup
    with pytest.raises(ScreeningError):
        screen_proposal(
            proposal_id=proposal.pk, actor=make_user(role), recommendation=Recommendation.FORWARD,
            assessments=all_met(criteria),
        )  # fmt: skip


def test_only_submitted_proposals_are_screened(screener, inbox_data):
    with pytest.raises(ScreeningError):
        screen_proposal(
            proposal_id=inbox_data.p["A3"].pk, actor=screener, recommendation=Recommendation.RETURN,
            reasons="x",
        )  # fmt: skip


def test_reopen(setup, screener):
    _, proposal, criteria = setup
    screen_proposal(
        proposal_id=proposal.pk, actor=screener, recommendation=Recommendation.FORWARD,
        assessments=all_met(criteria),
    )  # fmt: skip
    reopen_proposal(proposal_id=proposal.pk, actor=screener, reason="พบโครงการซ้ำซ้อน")
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    assert proposal.lock_version == 2
    assert codes_for(proposal)[-2:] == ["proposal.submitted", "screening.reopened"]


def place_on_agenda(*, meeting_id, proposal_ids, actor):
    """The inbox's placement, which the committee's one writer of agenda items now does
    (issue 15.1): ordered by stage, as the screening service used to."""
    return committee_place_on_agenda(
        meeting_id=meeting_id, proposal_ids=proposal_ids, actor=actor, order=AgendaOrder.STAGE
    )


def test_place_on_agenda_groups_by_stage(screener, inbox_data):
    d = inbox_data
    meeting = make_meeting(d.round)
    up = make_proposal(plan_round=d.round, status=Status.FORWARDED, stage=d.stages[0], code="U1")
    place_on_agenda(
        meeting_id=meeting.pk, proposal_ids=[d.p["A3"].pk], actor=screener
    )  # downstream
    items = place_on_agenda(
        meeting_id=meeting.pk, proposal_ids=[d.p["A6"].pk, up.pk], actor=screener
    )
    assert len(items) == 2
    order = list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("order")
        .values_list("proposal__code", "order")
    )
    assert order == [("U1", 1), ("A3", 2), ("A6", 3)]
    assert set(
        Proposal.objects.filter(code__in=["U1", "A3", "A6"]).values_list("status", flat=True)
    ) == {Status.ON_AGENDA}
    # One audit code for every placement (issue 15.1; was screening.placed_on_agenda, one per
    # call): agenda.added, one per item, naming the meeting by its pk.
    added = AuditEvent.objects.filter(code="agenda.added")
    assert added.count() == 3
    assert {event.extra["meeting"] for event in added} == {meeting.pk}
    assert not AuditEvent.objects.filter(code="screening.placed_on_agenda").exists()
    assert AuditEvent.objects.filter(code="proposal.on_agenda").count() == 3


def test_place_on_agenda_is_all_or_nothing(screener, inbox_data):
    d = inbox_data
    meeting = make_meeting(d.round)
    with pytest.raises(CommitteeError):
        place_on_agenda(
            meeting_id=meeting.pk, proposal_ids=[d.p["A3"].pk, d.p["A1"].pk], actor=screener
        )
    assert AgendaItem.objects.count() == 0
    assert Proposal.objects.get(pk=d.p["A3"].pk).status == Status.FORWARDED


def test_place_on_agenda_refuses_closed_meetings_and_other_rounds(screener, inbox_data):
    d = inbox_data
    closed = make_meeting(d.round, number=2, status=MeetingStatus.CLOSED)
    with pytest.raises(CommitteeError):
        place_on_agenda(meeting_id=closed.pk, proposal_ids=[d.p["A3"].pk], actor=screener)
    other = make_meeting(d.old_round, number=3)
    with pytest.raises(CommitteeError):
        place_on_agenda(meeting_id=other.pk, proposal_ids=[d.p["A3"].pk], actor=screener)
    with pytest.raises(CommitteeError):
        place_on_agenda(meeting_id=make_meeting(d.round, number=4).pk, proposal_ids=[d.p["A3"].pk],
                        actor=make_user(Role.SUBMITTER))  # fmt: skip


def test_assign_and_distribute_by_ministry(screener, inbox_data):
    d = inbox_data
    second = make_user(Role.SCREENER)
    assert assign_screener(
        proposal_ids=[d.p["A1"].pk], screener_id=second.pk, actor=screener
    ) == Assignment(changed=1, skipped_decided=0)
    assert Proposal.objects.get(pk=d.p["A1"].pk).assigned_screener == second
    # More unassigned work awaiting screening: ministry m3 with 3, m1 (A2 + 1), none (A8).
    m3 = make_ministry(code="m-three")
    a5 = make_agency(m3)
    for i in range(3):
        make_proposal(plan_round=d.round, agency=a5, code=f"M3-{i}")
    make_proposal(plan_round=d.round, agency=d.a1, code="M1-x")
    given = distribute_by_ministry(round_id=d.round.pk, actor=screener)
    assert sum(given.values()) == 6  # A2, A8, M1-x and three M3
    pending = Proposal.objects.filter(round=d.round, status=Status.SUBMITTED)
    assert not pending.filter(assigned_screener__isnull=True).exists()
    # One ministry, one screener.
    holders = set(pending.filter(agency=a5).values_list("assigned_screener", flat=True))
    assert len(holders) == 1
    loads = [pending.filter(assigned_screener=s).count() for s in (screener, second)]
    assert abs(loads[0] - loads[1]) <= 2
    assert AuditEvent.objects.filter(code="screening.distributed").exists()
    with pytest.raises(ScreeningError):
        assign_screener(
            proposal_ids=[d.p["A1"].pk], screener_id=screener.pk, actor=make_user(Role.SECRETARY)
        )


def test_assignment_never_touches_decided_or_unsent_proposals(screener, inbox_data):
    """Decided proposals (the workflow's final states) keep the screener who did their work;
    a draft is not DGA's to assign. They are counted, not changed, and nothing else is kept
    from being assigned."""
    d = inbox_data
    keeper = make_user(Role.SCREENER)
    decided = [
        make_proposal(plan_round=d.round, agency=d.a1, status=status, code=f"F-{status}",
                      assigned_screener=keeper)
        for status in sorted(FINAL)
    ]  # fmt: skip
    second = make_user(Role.SCREENER)
    ids = [p.pk for p in decided] + [d.p["A1"].pk, d.p["A3"].pk, d.p["D1"].pk]
    result = assign_screener(proposal_ids=ids, screener_id=second.pk, actor=screener)
    assert result == Assignment(changed=2, skipped_decided=len(FINAL))
    assert set(
        Proposal.objects.filter(pk__in=[p.pk for p in decided]).values_list(
            "assigned_screener", flat=True
        )
    ) == {keeper.pk}
    assert Proposal.objects.get(pk=d.p["D1"].pk).assigned_screener is None
    event = AuditEvent.objects.filter(code="screening.assigned").latest("id")
    assert sorted(event.extra["proposals"]) == sorted([d.p["A1"].pk, d.p["A3"].pk])
    assert sorted(event.extra["skipped_decided"]) == sorted(p.pk for p in decided)


def test_refusals_name_the_input_they_are_about(inbox_data, screener):
    """Views attach ``error.field`` to the form; the rules themselves live here."""
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    with pytest.raises(ScreeningError) as caught:
        screen_proposal(
            proposal_id=proposal.pk, actor=screener, recommendation="forward",
            recommended_amount=proposal.requested_amount + 1,
        )  # fmt: skip
    assert isinstance(caught.value, ReviewInputError)
    fields = {error.field for error in caught.value.errors}
    assert fields == {"recommended_amount", "assessments"}
    (unassessed,) = [e for e in caught.value.errors if isinstance(e, UnassessedCriteriaError)]
    assert unassessed.criterion_ids == sorted(c.pk for c in criteria)
    with pytest.raises(ScreeningError) as caught:
        screen_proposal(proposal_id=proposal.pk, actor=screener, recommendation="return")
    assert caught.value.field == "reasons"
    with pytest.raises(ScreeningError) as caught:
        screen_proposal(proposal_id=proposal.pk, actor=screener, recommendation="?")
    assert caught.value.field == "recommendation"
