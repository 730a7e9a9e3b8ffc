"""Many members voting at the same moment, on PostgreSQL: every vote counted once."""

from decimal import Decimal

import pytest

from committee import services
from committee.models import Vote
from core.models import AuditEvent
from tests.concurrency import postgresql_only, run_together

from .factories import add_item, make_setup, mark_present

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgresql_only,
]


def test_simultaneous_votes_are_each_counted_once():
    setup = make_setup(members=9)  # ten voters
    mark_present(setup, setup.voters)
    item = add_item(setup)
    choices = ["approve", "reject", "abstain", "approve_reduced"] * 3

    def vote(user, choice):
        amount = Decimal("500000.00") if choice == "approve_reduced" else None
        return lambda: services.cast_vote(item=item, actor=user, choice=choice, amount=amount)

    run_together([vote(user, choices[i]) for i, user in enumerate(setup.voters)])

    votes = Vote.objects.filter(agenda_item=item)
    assert votes.count() == len(setup.voters)
    assert {v.member_id for v in votes} == {u.pk for u in setup.voters}
    assert AuditEvent.objects.filter(code="vote.cast").count() == len(setup.voters)


def test_a_vote_retried_at_the_same_moment_is_recorded_once():
    setup = make_setup(members=2)
    mark_present(setup, setup.voters)
    item = add_item(setup)
    member = setup.members[0]
    run_together(
        [lambda: services.cast_vote(item=item, actor=member, choice="approve") for _ in range(6)]
    )
    assert Vote.objects.filter(agenda_item=item, member=member).count() == 1
    assert AuditEvent.objects.filter(code="vote.cast").count() == 1


def test_votes_and_the_resolution_at_the_same_moment_never_interleave():
    """Votes share the item; the resolution takes it alone. Each vote is either stored (before
    the resolution) or refused because the item is decided, with one audit event per vote."""
    setup = make_setup(members=9)
    mark_present(setup, setup.voters)
    item = add_item(setup)

    def resolve():
        services.record_resolution(
            item=item, actor=setup.chair, outcome="deferred", reason="เลื่อนการพิจารณา"
        )

    def vote(user):
        return lambda: services.cast_vote(item=item, actor=user, choice="approve")

    voters = [u for u in setup.voters if u != setup.chair]
    outcomes = run_together(
        [vote(user) for user in voters] + [resolve], expected=(services.CommitteeError,)
    )
    refused = [o for o in outcomes if isinstance(o, services.CommitteeError)]
    stored = set(Vote.objects.filter(agenda_item=item).values_list("member_id", flat=True))
    assert len(stored) + len(refused) == len(voters)
    assert all("decided" in str(error) or "มีมติ" in str(error) for error in refused)
    events = AuditEvent.objects.filter(code="vote.cast", extra__item=item.pk).count()
    assert events == len(stored)
