"""Invariants live in the database: bad rows are refused on SQLite and PostgreSQL alike."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from committee.models import AgendaItem, Committee, Meeting, Membership, Resolution, Vote
from directory.roles import Role
from proposals.models import BudgetLine, ExpenseCategory
from proposals.workflow import Status
from tests.factories import make_proposal, make_round, make_user

pytestmark = pytest.mark.django_db


def refused(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_amounts_cannot_be_negative_or_exceed_the_request():
    proposal = make_proposal(requested=Decimal("100.00"))
    for field, value in [
        ("requested_amount", Decimal("-0.01")),
        ("recommended_amount", Decimal("100.01")),
        ("approved_amount", Decimal("100.01")),
        ("recommended_amount", Decimal("-1")),
    ]:
        setattr(proposal, field, value)
        refused(lambda f=field: proposal.save(update_fields=[f]))
        proposal.refresh_from_db()


def test_unknown_status_and_duration_are_refused():
    proposal = make_proposal()
    proposal.status = "lost"
    refused(lambda: proposal.save(update_fields=["status"]))
    proposal.refresh_from_db()
    proposal.duration_years = 9
    refused(lambda: proposal.save(update_fields=["duration_years"]))


def test_one_budget_line_per_year_and_category():
    proposal = make_proposal()
    refused(
        lambda: BudgetLine.objects.create(
            proposal=proposal,
            fiscal_year=proposal.round.fiscal_year,
            category=ExpenseCategory.OPERATING,
            amount=Decimal("1.00"),
        )
    )
    refused(
        lambda: BudgetLine.objects.create(
            proposal=proposal, fiscal_year=2599, category="snacks", amount=Decimal("1.00")
        )
    )
    refused(
        lambda: BudgetLine.objects.create(
            proposal=proposal, fiscal_year=2599, category="other", amount=Decimal("-1.00")
        )
    )


def test_round_window_must_be_ordered():
    plan_round = make_round()
    plan_round.submission_closes_at = plan_round.submission_opens_at
    refused(lambda: plan_round.save())


def _meeting_with_item():
    proposal = make_proposal(status=Status.ON_AGENDA)
    committee = Committee.objects.create(name_th="คณะกรรมการทดสอบ")
    meeting = Meeting.objects.create(
        committee=committee, round=proposal.round, number=1, year_be=2567, date="2024-01-31"
    )
    return committee, AgendaItem.objects.create(meeting=meeting, proposal=proposal)


def test_one_vote_per_member_per_item_and_amount_rules():
    committee, item = _meeting_with_item()
    member = make_user(Role.COMMITTEE)
    Vote.objects.create(agenda_item=item, member=member, choice="approve")
    refused(lambda: Vote.objects.create(agenda_item=item, member=member, choice="reject"))
    other = make_user(Role.COMMITTEE)
    refused(lambda: Vote.objects.create(agenda_item=item, member=other, choice="approve_reduced"))
    refused(
        lambda: Vote.objects.create(
            agenda_item=item, member=other, choice="approve", amount=Decimal("5.00")
        )
    )


def test_one_chair_per_committee_and_resolution_amounts():
    committee, item = _meeting_with_item()
    Membership.objects.create(committee=committee, user=make_user(), position="chair")
    refused(
        lambda: Membership.objects.create(committee=committee, user=make_user(), position="chair")
    )
    refused(lambda: Resolution.objects.create(agenda_item=item, outcome="approved"))
    refused(
        lambda: Resolution.objects.create(
            agenda_item=item, outcome="rejected", approved_amount=Decimal("1.00")
        )
    )


def test_meeting_numbers_are_unique_per_year():
    committee, item = _meeting_with_item()
    refused(
        lambda: Meeting.objects.create(
            committee=committee, round=item.meeting.round, number=1, year_be=2567, date="2024-02-01"
        )
    )
