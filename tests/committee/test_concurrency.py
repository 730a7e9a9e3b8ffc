"""Many members voting at the same moment, on PostgreSQL: every vote counted once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from committee import services
from committee.models import Vote
from core.models import AuditEvent

from .factories import add_item, make_setup, mark_present

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every writer; row locks are only exercised on PostgreSQL",
    ),
]


def run_together(jobs):
    """Start every job at the same moment, each thread on its own connection."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def runner(job):
        try:
            barrier.wait(timeout=10)
            job()
        except Exception as error:  # reported below: a thread cannot fail the test itself
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


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
