"""Services: each rule and each refusal of the committee's work."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from committee import services
from committee.models import (
    Attendance,
    ConflictDeclaration,
    DecisionMethod,
    Meeting,
    MeetingStatus,
    Outcome,
    Resolution,
    Vote,
)
from committee.services import CommitteeError
from core.models import AuditEvent, Notification
from directory.roles import Role
from proposals.models import BudgetLine, ExpenseCategory
from proposals.workflow import Status
from tests.factories import make_proposal, make_user

from .factories import add_item, mark_present

pytestmark = pytest.mark.django_db


def all_present(setup):
    mark_present(setup, setup.voters)


# --- votes ---------------------------------------------------------------------------------


def test_member_votes_and_changes_the_vote(setup):
    all_present(setup)
    item = add_item(setup)
    member = setup.members[0]
    services.cast_vote(item=item, actor=member, choice="approve")
    services.cast_vote(
        item=item, actor=member, choice="approve_reduced", amount=Decimal("750000.00")
    )
    vote = Vote.objects.get(agenda_item=item, member=member)
    assert (vote.choice, vote.amount) == ("approve_reduced", Decimal("750000.00"))
    assert AuditEvent.objects.filter(code="vote.cast").count() == 2


def test_a_retried_identical_vote_is_recorded_once(setup):
    all_present(setup)
    item = add_item(setup)
    for _ in range(3):
        services.cast_vote(item=item, actor=setup.chair, choice="reject")
    assert Vote.objects.filter(agenda_item=item).count() == 1
    assert AuditEvent.objects.filter(code="vote.cast").count() == 1


def test_amount_is_ignored_unless_reduced(setup):
    all_present(setup)
    item = add_item(setup)
    vote = services.cast_vote(item=item, actor=setup.chair, choice="approve", amount=Decimal("5"))
    assert vote.amount is None


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("1000000.01"), "more than the request"),
        (Decimal("-1.00"), "negative"),
        (None, "reduced amount"),
    ],
)
def test_reduced_amount_out_of_range_is_refused(setup, amount, message):
    all_present(setup)
    item = add_item(setup)
    with pytest.raises(CommitteeError, match=message):
        services.cast_vote(item=item, actor=setup.chair, choice="approve_reduced", amount=amount)
    assert not Vote.objects.exists()


def test_reduced_amount_may_be_zero_or_the_full_request(setup):
    all_present(setup)
    item = add_item(setup)
    services.cast_vote(item=item, actor=setup.chair, choice="approve_reduced", amount=Decimal("0"))
    services.cast_vote(
        item=item, actor=setup.members[0], choice="approve_reduced", amount=Decimal("1000000.00")
    )
    assert Vote.objects.count() == 2


def test_non_members_cannot_vote(setup, member, secretary):
    all_present(setup)
    item = add_item(setup)
    for outsider in (
        member,
        setup.secretary,
    ):  # a committee-role stranger; the non-voting secretary
        with pytest.raises(CommitteeError, match="Only voting members"):
            services.cast_vote(item=item, actor=outsider, choice="approve")
    assert not Vote.objects.exists()


def test_absent_members_cannot_vote(setup):
    mark_present(setup, setup.voters[:3], absent=[setup.members[-1]])
    item = add_item(setup)
    with pytest.raises(CommitteeError, match="not recorded as present"):
        services.cast_vote(item=item, actor=setup.members[-1], choice="approve")


def test_unknown_choice_is_refused(setup):
    all_present(setup)
    item = add_item(setup)
    with pytest.raises(CommitteeError):
        services.cast_vote(item=item, actor=setup.chair, choice="maybe")


def test_votes_after_the_item_is_decided_are_refused(setup):
    all_present(setup)
    item = add_item(setup)
    services.cast_vote(item=item, actor=setup.chair, choice="approve")
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.APPROVED)
    with pytest.raises(CommitteeError, match="has been decided"):
        services.cast_vote(item=item, actor=setup.chair, choice="reject")
    with pytest.raises(CommitteeError, match="has been decided"):
        services.cast_vote(item=item, actor=setup.members[0], choice="approve")
    assert Vote.objects.get().choice == "approve"


def test_votes_after_the_meeting_is_closed_are_refused(setup):
    all_present(setup)
    item = add_item(setup)
    other = add_item(setup)
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.APPROVED)
    services.record_resolution(item=other, actor=setup.secretary, outcome=Outcome.DEFERRED)
    services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    with pytest.raises(CommitteeError, match="closed"):
        services.cast_vote(item=item, actor=setup.chair, choice="approve")


# --- conflicts -----------------------------------------------------------------------------


def test_a_member_with_a_conflict_cannot_vote_and_their_vote_is_withdrawn(setup):
    all_present(setup)
    item = add_item(setup)
    member = setup.members[1]
    services.cast_vote(item=item, actor=member, choice="approve")
    services.declare_conflict(item=item, actor=member, reason="อดีตผู้บริหารของหน่วยงาน")
    assert not Vote.objects.filter(member=member).exists()
    with pytest.raises(CommitteeError, match="conflict of interest"):
        services.cast_vote(item=item, actor=member, choice="approve")
    with pytest.raises(CommitteeError, match="already declared"):
        services.declare_conflict(item=item, actor=member, reason="again")
    quorum = services.get_item_quorum(item)
    assert (quorum.present, quorum.members) == (4, 4)


def test_a_conflict_needs_a_reason_and_a_voting_member(setup, member):
    item = add_item(setup)
    with pytest.raises(CommitteeError, match="Describe"):
        services.declare_conflict(item=item, actor=setup.chair, reason="  ")
    with pytest.raises(CommitteeError, match="voting members"):
        services.declare_conflict(item=item, actor=member, reason="x")
    assert not ConflictDeclaration.objects.exists()


# --- quorum and resolutions ---------------------------------------------------------------


def test_resolution_refused_without_quorum(setup):
    # 5 voting members, 2 present: one short of a quorum (3).
    mark_present(setup, setup.voters[:2])
    item = add_item(setup)
    with pytest.raises(CommitteeError, match="no quorum"):
        services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.APPROVED)
    assert not Resolution.objects.exists()


def test_exactly_half_is_a_quorum_for_a_resolution(db):
    from .factories import make_setup

    setup = make_setup(members=3)  # chair + 3 = 4 voting members
    mark_present(setup, setup.voters[:2])
    item = add_item(setup)
    services.record_resolution(item=item, actor=setup.chair, outcome=Outcome.APPROVED)
    assert Resolution.objects.get().approved_amount == Decimal("1000000.00")


def test_conflicts_change_the_quorum_of_the_item_only(setup):
    # 3 of 5 present: a quorum. Two present members leave item A: 1 of 3 left: no quorum;
    # item B keeps its quorum.
    mark_present(setup, setup.voters[:3])
    item_a, item_b = add_item(setup), add_item(setup)
    for user in setup.voters[1:3]:
        services.declare_conflict(item=item_a, actor=user, reason="ญาติเป็นผู้บริหาร")
    with pytest.raises(CommitteeError, match="no quorum"):
        services.record_resolution(item=item_a, actor=setup.secretary, outcome=Outcome.DEFERRED)
    services.record_resolution(item=item_b, actor=setup.secretary, outcome=Outcome.DEFERRED)


def test_absent_members_leaving_for_a_conflict_restore_a_quorum(setup):
    # 2 of 5 present: no quorum; an absent member's declared conflict takes them out of the
    # item's count: 2 of 4 is exactly half.
    mark_present(setup, setup.voters[:2])
    item = add_item(setup)
    services.declare_conflict(item=item, actor=setup.members[-1], reason="ผู้ถือหุ้นของผู้รับจ้าง")
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.REJECTED)
    assert Resolution.objects.get().outcome == Outcome.REJECTED


def test_only_chair_or_secretary_record_resolutions(setup, screener):
    all_present(setup)
    item = add_item(setup)
    for actor in (setup.members[0], screener):
        with pytest.raises(CommitteeError, match="chair or the secretary"):
            services.record_resolution(item=item, actor=actor, outcome=Outcome.APPROVED)
    services.record_resolution(item=item, actor=setup.chair, outcome=Outcome.APPROVED)


def test_resolution_differing_from_votes_needs_a_reason(setup):
    all_present(setup)
    item = add_item(setup)
    for user in setup.voters[:3]:
        services.cast_vote(item=item, actor=user, choice="reject")
    with pytest.raises(CommitteeError, match="Give a reason"):
        services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.APPROVED)
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.REJECTED)
    # Changing a recorded resolution needs a reason too.
    with pytest.raises(CommitteeError, match="Give a reason"):
        services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.DEFERRED)
    services.record_resolution(
        item=item, actor=setup.secretary, outcome=Outcome.DEFERRED, reason="ให้หน่วยงานทบทวนขอบเขต"
    )
    assert Resolution.objects.get().outcome == Outcome.DEFERRED
    assert AuditEvent.objects.filter(code="resolution.changed").count() == 1


@pytest.mark.parametrize(
    ("outcome", "amount", "message"),
    [
        (Outcome.APPROVED_REDUCED, None, "approved amount"),
        (Outcome.APPROVED_REDUCED, Decimal("1000000.00"), "equals the request"),
        (Outcome.APPROVED_REDUCED, Decimal("1000000.01"), "more than the request"),
        (Outcome.APPROVED_REDUCED, Decimal("-5"), "negative"),
        (Outcome.APPROVED, Decimal("5.00"), "full request"),
        ("maybe", None, "Choose"),
    ],
)
def test_resolution_amount_rules(setup, outcome, amount, message):
    all_present(setup)
    item = add_item(setup)
    with pytest.raises(CommitteeError, match=message):
        services.record_resolution(
            item=item, actor=setup.secretary, outcome=outcome, approved_amount=amount
        )


def test_resolution_follows_the_votes_with_the_reduced_amount(setup):
    all_present(setup)
    item = add_item(setup)
    services.cast_vote(item=item, actor=setup.chair, choice="approve")
    services.cast_vote(
        item=item, actor=setup.members[0], choice="approve_reduced", amount=Decimal("700000.00")
    )
    services.cast_vote(
        item=item, actor=setup.members[1], choice="approve_reduced", amount=Decimal("800000.00")
    )
    proposed = services.get_proposed_resolution(item)
    assert (proposed.outcome, proposed.amount) == (Outcome.APPROVED_REDUCED, Decimal("800000.00"))
    services.record_resolution(
        item=item, actor=setup.chair, outcome=proposed.outcome, approved_amount=proposed.amount
    )


def test_tie_broken_by_the_chair_in_the_service(setup):
    all_present(setup)
    item = add_item(setup)
    services.cast_vote(item=item, actor=setup.chair, choice="reject")
    services.cast_vote(item=item, actor=setup.members[0], choice="approve")
    services.cast_vote(item=item, actor=setup.members[1], choice="abstain")
    proposed = services.get_proposed_resolution(item)
    assert (proposed.outcome, proposed.tie_broken_by_chair) == (Outcome.REJECTED, True)


def test_approve_as_recommended_makes_one_resolution_per_item(setup):
    all_present(setup)
    full = add_item(setup)
    reduced = add_item(setup, requested=Decimal("2000000.00"), recommended=Decimal("1500000.00"))
    services.cast_vote(item=full, actor=setup.members[0], choice="approve")
    done = services.approve_as_recommended(
        meeting=setup.meeting, actor=setup.chair, items=[full, reduced]
    )
    assert len(done) == 2
    assert Resolution.objects.get(agenda_item=full).outcome == Outcome.APPROVED
    r = Resolution.objects.get(agenda_item=reduced)
    assert (r.outcome, r.approved_amount) == (Outcome.APPROVED_REDUCED, Decimal("1500000.00"))
    # The votes stay with their item.
    assert Vote.objects.get().agenda_item == full


def test_approve_as_recommended_approves_the_figure_the_meeting_page_shows(setup):
    """One recommended amount: a figure kept only in the latest review (the proposal carries
    none) is what the board shows and what "approve as recommended" records."""
    from committee.selectors import get_meeting_board
    from screening.models import ScreeningReview

    all_present(setup)
    item = add_item(setup, requested=Decimal("1000000.00"))
    ScreeningReview.objects.create(
        proposal=item.proposal, screener=make_user(Role.SCREENER), recommendation="forward",
        recommended_amount=Decimal("900000.00"),
    )  # fmt: skip
    (board,) = get_meeting_board(setup.meeting).items
    assert board.recommended_amount == Decimal("900000.00")
    (resolution,) = services.approve_as_recommended(
        meeting=setup.meeting, actor=setup.chair, items=[item]
    )
    assert (resolution.outcome, resolution.approved_amount) == (
        Outcome.APPROVED_REDUCED, board.recommended_amount,
    )  # fmt: skip


def test_approve_as_recommended_is_all_or_nothing(setup):
    all_present(setup)
    ok = add_item(setup)
    against = add_item(setup)
    for user in setup.voters[:3]:
        services.cast_vote(item=against, actor=user, choice="reject")
    with pytest.raises(CommitteeError, match="do not approve"):
        services.approve_as_recommended(
            meeting=setup.meeting, actor=setup.secretary, items=[ok, against]
        )
    assert not Resolution.objects.exists()


def test_approve_as_recommended_refused_without_quorum(setup):
    mark_present(setup, setup.voters[:1])
    item = add_item(setup)
    with pytest.raises(CommitteeError, match="no quorum"):
        services.approve_as_recommended(meeting=setup.meeting, actor=setup.secretary, items=[item])


# --- closing and reopening ----------------------------------------------------------------


def test_close_applies_resolutions_to_proposals_and_budget_lines(setup, submitter):
    all_present(setup)
    approved = add_item(setup, agency=submitter.agency)
    reduced = add_item(setup, requested=Decimal("1000000.00"))
    # Three lines in the round's year and one in the next: the split covers the round's year.
    proposal = reduced.proposal
    BudgetLine.objects.filter(proposal=proposal).update(amount=Decimal("500000.00"))
    BudgetLine.objects.create(
        proposal=proposal,
        fiscal_year=proposal.round.fiscal_year,
        category=ExpenseCategory.INVESTMENT,
        amount=Decimal("333333.33"),
    )
    BudgetLine.objects.create(
        proposal=proposal,
        fiscal_year=proposal.round.fiscal_year,
        category=ExpenseCategory.PERSONNEL,
        amount=Decimal("166666.67"),
    )
    BudgetLine.objects.create(
        proposal=proposal,
        fiscal_year=proposal.round.fiscal_year + 1,
        category=ExpenseCategory.OPERATING,
        amount=Decimal("900000.00"),
    )
    rejected = add_item(setup)
    deferred = add_item(setup)
    services.record_resolution(item=approved, actor=setup.secretary, outcome=Outcome.APPROVED)
    services.record_resolution(
        item=reduced,
        actor=setup.secretary,
        outcome=Outcome.APPROVED_REDUCED,
        approved_amount=Decimal("777777.77"),
    )
    services.record_resolution(item=rejected, actor=setup.secretary, outcome=Outcome.REJECTED)
    services.record_resolution(item=deferred, actor=setup.secretary, outcome=Outcome.DEFERRED)

    services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    services.close_meeting(meeting=setup.meeting, actor=setup.secretary)

    setup.meeting.refresh_from_db()
    assert setup.meeting.status == MeetingStatus.CLOSED
    assert setup.meeting.closed_at >= setup.meeting.opened_at
    for item, status, amount in [
        (approved, Status.APPROVED, Decimal("1000000.00")),
        (reduced, Status.APPROVED_REDUCED, Decimal("777777.77")),
        (rejected, Status.REJECTED, None),
        (deferred, Status.DEFERRED, None),
    ]:
        item.proposal.refresh_from_db()
        assert (item.proposal.status, item.proposal.approved_amount) == (status, amount)
    lines = BudgetLine.objects.filter(proposal=proposal, fiscal_year=proposal.round.fiscal_year)
    assert sum(line.approved_amount for line in lines) == Decimal("777777.77")
    assert all(line.approved_amount <= line.amount for line in lines)
    assert (
        BudgetLine.objects.get(
            proposal=proposal, fiscal_year=proposal.round.fiscal_year + 1
        ).approved_amount
        is None
    )
    # The agency is told, and the audit trail has the closing.
    assert Notification.objects.filter(
        recipient=submitter, link=approved.proposal.get_absolute_url()
    ).exists()
    assert AuditEvent.objects.filter(code="meeting.closed").count() == 1


def test_close_refused_while_items_are_undecided(setup):
    add_item(setup)
    services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    with pytest.raises(CommitteeError, match="no resolution yet"):
        services.close_meeting(meeting=setup.meeting, actor=setup.secretary)


def test_only_the_secretary_closes(setup):
    with pytest.raises(CommitteeError, match="secretary"):
        services.close_meeting(meeting=setup.meeting, actor=setup.chair)


def test_closed_meeting_locks_attendance_and_resolutions(setup):
    all_present(setup)
    item = add_item(setup)
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.APPROVED)
    services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    with pytest.raises(CommitteeError, match="closed"):
        services.mark_attendance(
            meeting=setup.meeting,
            actor=setup.secretary,
            presence={setup.memberships[setup.chair.pk].pk: "absent"},
        )
    with pytest.raises(CommitteeError, match="closed"):
        services.record_resolution(
            item=item, actor=setup.secretary, outcome=Outcome.REJECTED, reason="x"
        )
    with pytest.raises(CommitteeError, match="closed"):
        services.declare_conflict(item=item, actor=setup.chair, reason="x")
    with pytest.raises(CommitteeError, match="closed"):
        services.close_meeting(meeting=setup.meeting, actor=setup.secretary)


def test_only_an_admin_reopens_with_a_reason(setup):
    all_present(setup)
    item = add_item(setup, requested=Decimal("500000.00"))
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.APPROVED)
    services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    admin = make_user(Role.ADMIN)
    with pytest.raises(CommitteeError, match="administrator"):
        services.reopen_meeting(meeting=setup.meeting, actor=setup.secretary, reason="typo")
    with pytest.raises(CommitteeError, match="reason"):
        services.reopen_meeting(meeting=setup.meeting, actor=admin, reason=" ")
    services.reopen_meeting(meeting=setup.meeting, actor=admin, reason="แก้ไขจำนวนเงินที่บันทึกผิด")
    event = AuditEvent.objects.get(code="meeting.reopened")
    assert event.extra["reason"] == "แก้ไขจำนวนเงินที่บันทึกผิด"
    # Correct the amount and close again: the proposal keeps its status, the amount follows.
    services.record_resolution(
        item=item,
        actor=setup.secretary,
        outcome=Outcome.APPROVED_REDUCED,
        approved_amount=Decimal("400000.00"),
        reason="แก้ไข",
    )
    with pytest.raises(CommitteeError, match="cannot take"):
        services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    services.record_resolution(
        item=item, actor=setup.secretary, outcome=Outcome.APPROVED, reason="คงเดิม"
    )
    services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    item.proposal.refresh_from_db()
    assert item.proposal.status == Status.APPROVED


# --- attendance, meetings, agenda ---------------------------------------------------------


def test_attendance_is_marked_by_the_secretary_only(setup):
    chair_ms = setup.memberships[setup.chair.pk]
    with pytest.raises(CommitteeError, match="secretary"):
        services.mark_attendance(
            meeting=setup.meeting, actor=setup.chair, presence={chair_ms.pk: "present"}
        )
    services.mark_attendance(
        meeting=setup.meeting, actor=setup.secretary, presence={chair_ms.pk: "present"}
    )
    services.mark_attendance(
        meeting=setup.meeting, actor=setup.secretary, presence={chair_ms.pk: "absent"}
    )
    assert Attendance.objects.get().presence == "absent"
    with pytest.raises(CommitteeError, match="not a member"):
        services.mark_attendance(
            meeting=setup.meeting, actor=setup.secretary, presence={999999: "present"}
        )


def test_create_meeting_refuses_a_taken_number(setup):
    with pytest.raises(CommitteeError, match="already exists"):
        services.create_meeting(
            actor=setup.secretary,
            committee=setup.committee,
            plan_round=setup.meeting.round,
            number=1,
            year_be=2567,
            date=setup.meeting.date,
        )
    with pytest.raises(CommitteeError, match="secretary"):
        services.create_meeting(
            actor=setup.chair,
            committee=setup.committee,
            plan_round=setup.meeting.round,
            number=2,
            year_be=2567,
            date=setup.meeting.date,
        )
    meeting = services.create_meeting(
        actor=setup.secretary,
        committee=setup.committee,
        plan_round=setup.meeting.round,
        number=2,
        year_be=2567,
        date=setup.meeting.date,
    )
    assert meeting.number_label == "2/2567"


def test_agenda_add_order_move_remove(setup):
    stages_proposals = [
        make_proposal(plan_round=setup.meeting.round, status=Status.FORWARDED) for _ in range(3)
    ]
    from proposals.models import Stage

    down = Stage.objects.get(code="downstream")
    stages_proposals[0].stage = down
    stages_proposals[0].save(update_fields=["stage"])
    items = services.place_on_agenda(
        meeting_id=setup.meeting.pk,
        actor=setup.secretary,
        proposal_ids=[p.pk for p in stages_proposals],
    )
    assert all(i.proposal.status == Status.ON_AGENDA for i in items)
    services.order_agenda_by_stage(meeting=setup.meeting, actor=setup.secretary)
    ordered = list(
        setup.meeting.agenda_items.order_by("order").values_list("proposal_id", flat=True)
    )
    assert ordered[-1] == stages_proposals[0].pk  # downstream last
    services.move_agenda_item(
        item=setup.meeting.agenda_items.get(proposal=stages_proposals[2]),
        actor=setup.secretary,
        direction="up",
    )
    services.remove_from_agenda(item=items[1], actor=setup.secretary)
    stages_proposals[1].refresh_from_db()
    assert stages_proposals[1].status == Status.FORWARDED
    assert setup.meeting.agenda_items.count() == 2
    with pytest.raises(CommitteeError, match="only proposals forwarded"):
        services.place_on_agenda(
            meeting_id=setup.meeting.pk,
            actor=setup.secretary,
            proposal_ids=[
                make_proposal(plan_round=setup.meeting.round, status=Status.SUBMITTED).pk
            ],
        )
    with pytest.raises(CommitteeError, match="another round"):
        services.place_on_agenda(
            meeting_id=setup.meeting.pk,
            actor=setup.secretary,
            proposal_ids=[make_proposal(status=Status.FORWARDED).pk],
        )


# --- one writer of agenda items (issue 15, point 1) ----------------------------------------


def _agenda(meeting):
    return list(meeting.agenda_items.order_by("order").values_list("proposal_id", flat=True))


def test_place_on_agenda_appends_or_orders_by_stage(setup):
    from proposals.models import Stage

    make_proposal()  # the reference data, stages included
    up, down = Stage.objects.get(code="upstream"), Stage.objects.get(code="downstream")
    first = make_proposal(plan_round=setup.meeting.round, status=Status.FORWARDED, stage=down)
    second = make_proposal(plan_round=setup.meeting.round, status=Status.DEFERRED, stage=up)
    third = make_proposal(plan_round=setup.meeting.round, status=Status.FORWARDED, stage=up)
    services.place_on_agenda(
        meeting_id=setup.meeting.pk, actor=setup.secretary, proposal_ids=[first.pk]
    )
    # The secretary's page appends, whatever the stage.
    services.place_on_agenda(
        meeting_id=setup.meeting.pk, actor=setup.secretary, proposal_ids=[second.pk]
    )
    assert _agenda(setup.meeting) == [first.pk, second.pk]
    # The inbox orders the whole agenda by stage: upstream items first, in their order.
    services.place_on_agenda(
        meeting_id=setup.meeting.pk, actor=setup.secretary, proposal_ids=[third.pk],
        order=services.AgendaOrder.STAGE,
    )  # fmt: skip
    assert _agenda(setup.meeting) == [second.pk, third.pk, first.pk]
    assert list(setup.meeting.agenda_items.order_by("order").values_list("order", flat=True)) == [
        1,
        2,
        3,
    ]
    # One audit code, one key for the meeting, on the placement and on the proposal's move.
    added = AuditEvent.objects.filter(code="agenda.added")
    assert added.count() == 3
    assert {e.extra["meeting"] for e in added} == {setup.meeting.pk}
    moved = AuditEvent.objects.filter(code="proposal.on_agenda")
    assert {e.extra["meeting"] for e in moved} == {setup.meeting.pk}
    with pytest.raises(ValueError):
        services.place_on_agenda(
            meeting_id=setup.meeting.pk,
            actor=setup.secretary,
            proposal_ids=[first.pk],
            order="random",
        )


def test_place_on_agenda_asks_the_workflow_table_who_may(setup):
    """PLACE_ON_AGENDA's roles in the table: screeners, the secretary, administrators; not a
    committee member nor an agency. The reason comes with the refusal."""
    proposal = make_proposal(plan_round=setup.meeting.round, status=Status.FORWARDED)
    for user in (setup.chair, make_user(Role.SUBMITTER), make_user(Role.BUDGET_OFFICE)):
        with pytest.raises(CommitteeError, match="Your role may not|บทบาท"):
            services.place_on_agenda(
                meeting_id=setup.meeting.pk, actor=user, proposal_ids=[proposal.pk]
            )
    assert not setup.meeting.agenda_items.exists()
    services.place_on_agenda(
        meeting_id=setup.meeting.pk, actor=make_user(Role.SCREENER), proposal_ids=[proposal.pk]
    )
    proposal.refresh_from_db()
    assert proposal.status == Status.ON_AGENDA


def test_a_proposal_on_another_open_agenda_is_refused_a_stray_one_goes_on(setup):
    from committee.models import Meeting

    other = Meeting.objects.create(
        committee=setup.committee, round=setup.meeting.round, number=2, year_be=2567,
        date=setup.meeting.date,
    )  # fmt: skip
    busy = make_proposal(plan_round=setup.meeting.round, status=Status.FORWARDED)
    services.place_on_agenda(meeting_id=other.pk, actor=setup.secretary, proposal_ids=[busy.pk])
    with pytest.raises(CommitteeError, match="only proposals forwarded"):
        services.place_on_agenda(
            meeting_id=setup.meeting.pk, actor=setup.secretary, proposal_ids=[busy.pk]
        )
    # ON_AGENDA on no open agenda (as the committee's page always allowed): placed as it is.
    stray = make_proposal(plan_round=setup.meeting.round, status=Status.ON_AGENDA)
    services.place_on_agenda(
        meeting_id=setup.meeting.pk, actor=setup.secretary, proposal_ids=[stray.pk]
    )
    stray.refresh_from_db()
    assert (
        stray.status == Status.ON_AGENDA
        and setup.meeting.agenda_items.filter(proposal=stray).exists()
    )


def test_meeting_history_reads_placements_old_and_new(setup):
    """Events are append-only: those written before issue 15.1 (screening.placed_on_agenda,
    proposal.on_agenda naming the meeting by its number label) are still in the history."""
    from committee.selectors import list_meeting_history
    from core.audit import record_event

    old = make_proposal(plan_round=setup.meeting.round, status=Status.FORWARDED)
    new = make_proposal(plan_round=setup.meeting.round, status=Status.FORWARDED)
    services.place_on_agenda(
        meeting_id=setup.meeting.pk, actor=setup.secretary, proposal_ids=[old.pk, new.pk]
    )
    record_event("screening.placed_on_agenda", actor=setup.secretary, target=setup.meeting,
                 extra={"proposals": [old.pk]})  # fmt: skip
    record_event("proposal.on_agenda", actor=setup.secretary, target=old,
                 extra={"meeting": setup.meeting.number_label})  # fmt: skip
    elsewhere = make_proposal(plan_round=setup.meeting.round, status=Status.FORWARDED)
    record_event("proposal.on_agenda", actor=setup.secretary, target=elsewhere,
                 extra={"meeting": setup.meeting.pk})  # fmt: skip
    codes = [(row.code, row.event.target_id) for row in list_meeting_history(setup.meeting)]
    assert codes.count(("screening.placed_on_agenda", str(setup.meeting.pk))) == 1
    assert codes.count(("agenda.added", str(setup.meeting.pk))) == 2
    assert codes.count(("proposal.on_agenda", str(old.pk))) == 2  # the new event and the old one
    assert codes.count(("proposal.on_agenda", str(new.pk))) == 1
    assert ("proposal.on_agenda", str(elsewhere.pk)) not in codes  # not on this agenda


# --- how a resolution was taken (issue 14, point 3) ----------------------------------------


def test_approve_as_recommended_records_no_objection_with_the_members_present(setup):
    mark_present(setup, setup.voters[:-1], absent=[setup.voters[-1]])  # 4 of 5 voting members
    item = add_item(setup)
    services.declare_conflict(item=item, actor=setup.members[0], reason="ญาติผู้บริหารหน่วยงาน")
    (resolution,) = services.approve_as_recommended(
        meeting=setup.meeting, actor=setup.chair, items=[item]
    )
    assert resolution.method == DecisionMethod.CONSENSUS
    assert resolution.members_present == 3  # present, less the member who left for a conflict
    event = AuditEvent.objects.get(code="resolution.recorded")
    assert (event.extra["method"], event.extra["members_present"]) == ("consensus", 3)


def test_approve_as_recommended_keeps_the_votes_when_members_voted(setup):
    all_present(setup)
    item = add_item(setup)
    services.cast_vote(item=item, actor=setup.chair, choice="approve")
    services.cast_vote(item=item, actor=setup.members[0], choice="approve")
    services.cast_vote(item=item, actor=setup.members[1], choice="reject")
    (resolution,) = services.approve_as_recommended(
        meeting=setup.meeting, actor=setup.chair, items=[item]
    )
    assert (resolution.method, resolution.members_present) == (DecisionMethod.VOTE, 5)


def test_a_resolution_cannot_claim_votes_nobody_cast_nor_no_objection_against_votes(setup):
    all_present(setup)
    silent, voted = add_item(setup), add_item(setup)
    services.cast_vote(item=voted, actor=setup.chair, choice="reject")
    with pytest.raises(CommitteeError, match="nobody has voted"):
        services.record_resolution(
            item=silent, actor=setup.secretary, outcome=Outcome.APPROVED, method="vote"
        )
    with pytest.raises(CommitteeError, match="recorded by the votes"):
        services.record_resolution(
            item=voted, actor=setup.secretary, outcome=Outcome.REJECTED, method="consensus"
        )
    with pytest.raises(CommitteeError, match="how the meeting decided"):
        services.record_resolution(
            item=voted, actor=setup.secretary, outcome=Outcome.REJECTED, method="hands"
        )
    assert not Resolution.objects.exists()
    # Left to itself, the service takes the method that fits.
    assert (
        services.record_resolution(
            item=silent, actor=setup.secretary, outcome=Outcome.DEFERRED
        ).method
        == "consensus"
    )
    assert (
        services.record_resolution(
            item=voted, actor=setup.secretary, outcome=Outcome.REJECTED
        ).method
        == "vote"
    )


# --- the real opening and closing times (issue 14, point 4) ------------------------------


def at(hour, minute, day=datetime.date(2026, 11, 30)):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_opening_records_the_real_time_and_keeps_the_schedule(setup):
    with mock.patch.object(timezone, "now", return_value=at(6, 40)):
        services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    setup.meeting.refresh_from_db()
    assert setup.meeting.status == MeetingStatus.IN_PROGRESS
    assert setup.meeting.opened_at == at(6, 40)
    assert setup.meeting.start_time == datetime.time(9, 30)  # the schedule is not rewritten
    event = AuditEvent.objects.get(code="meeting.opened")
    assert event.actor == setup.secretary and event.extra["opened_at"] == at(6, 40).isoformat()
    # Opening twice changes nothing.
    with mock.patch.object(timezone, "now", return_value=at(7, 0)):
        services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    setup.meeting.refresh_from_db()
    assert (
        setup.meeting.opened_at == at(6, 40)
        and AuditEvent.objects.filter(code="meeting.opened").count() == 1
    )


def test_only_the_secretary_opens(setup):
    with pytest.raises(CommitteeError, match="secretary"):
        services.open_meeting(meeting=setup.meeting, actor=setup.chair)
    setup.meeting.refresh_from_db()
    assert setup.meeting.opened_at is None and setup.meeting.status == MeetingStatus.SCHEDULED


def test_a_meeting_that_was_not_opened_cannot_be_closed(setup):
    all_present(setup)
    item = add_item(setup)
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.DEFERRED)
    with pytest.raises(CommitteeError, match="not been opened"):
        services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    setup.meeting.refresh_from_db()
    assert setup.meeting.status == MeetingStatus.SCHEDULED and setup.meeting.closed_at is None


def test_closing_before_the_scheduled_time_records_the_real_times(setup):
    """The issue's case: scheduled 09:30, opened 06:40 and closed 06:45 the same morning."""
    all_present(setup)
    item = add_item(setup)
    with mock.patch.object(timezone, "now", return_value=at(6, 40)):
        services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.DEFERRED)
    with mock.patch.object(timezone, "now", return_value=at(6, 45)):
        services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    setup.meeting.refresh_from_db()
    assert (setup.meeting.opened_at, setup.meeting.closed_at) == (at(6, 40), at(6, 45))


def test_closing_is_never_earlier_than_opening_even_if_the_clock_steps_back(setup):
    all_present(setup)
    item = add_item(setup)
    with mock.patch.object(timezone, "now", return_value=at(10, 0)):
        services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.DEFERRED)
    with mock.patch.object(timezone, "now", return_value=at(9, 58)):
        services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    setup.meeting.refresh_from_db()
    assert setup.meeting.closed_at == setup.meeting.opened_at == at(10, 0)


def test_reopened_and_closed_again_keeps_its_opening_time(setup):
    all_present(setup)
    item = add_item(setup)
    with mock.patch.object(timezone, "now", return_value=at(9, 35)):
        services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.DEFERRED)
    with mock.patch.object(timezone, "now", return_value=at(11, 0)):
        services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    services.reopen_meeting(meeting=setup.meeting, actor=make_user(Role.ADMIN), reason="แก้ไขมติ")
    with mock.patch.object(timezone, "now", return_value=at(11, 20)):
        services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    setup.meeting.refresh_from_db()
    assert (setup.meeting.opened_at, setup.meeting.closed_at) == (at(9, 35), at(11, 20))


def test_the_database_refuses_a_meeting_that_closes_before_it_opens(setup):
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=setup.meeting.pk).update(opened_at=at(10, 0), closed_at=at(9, 0))


def test_a_meeting_cannot_end_before_it_starts(setup):
    """The rule lives in update_meeting (the form only reads the times); the error names its
    field."""
    with pytest.raises(CommitteeError) as caught:
        services.update_meeting(
            meeting=setup.meeting, actor=setup.secretary,
            start_time=datetime.time(12, 0), end_time=datetime.time(9, 0),
        )  # fmt: skip
    assert caught.value.field == "end_time"
    services.update_meeting(
        meeting=setup.meeting, actor=setup.secretary, end_time=datetime.time(11, 0)
    )
    with pytest.raises(CommitteeError):
        services.update_meeting(
            meeting=setup.meeting, actor=setup.secretary, start_time=datetime.time(11, 30)
        )
