"""Migration 0004 fills in the real opening time and the decision method of earlier rows."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from committee.models import DecisionMethod, Meeting, MeetingStatus, Outcome, Resolution, Vote

from .factories import add_item, make_setup

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("committee.migrations.0004_backfill_real_times").backfill


def test_earlier_meetings_open_at_their_schedule_never_after_they_closed(setup):
    # Meeting 1: held 09:30-12:00. Meeting 2: closed at 06:45 before its scheduled 09:30
    # (the case). Meeting 3: scheduled, never opened.
    on = datetime.date(2024, 1, 31)
    aware = lambda h, m: timezone.make_aware(datetime.datetime.combine(on, datetime.time(h, m)))  # noqa: E731
    Meeting.objects.filter(pk=setup.meeting.pk).update(
        status=MeetingStatus.CLOSED, closed_at=aware(12, 0)
    )
    early = Meeting.objects.create(
        committee=setup.committee, round=setup.meeting.round, number=2, year_be=2567, date=on,
        start_time=datetime.time(9, 30), status=MeetingStatus.CLOSED, closed_at=aware(6, 45),
    )  # fmt: skip
    later = Meeting.objects.create(
        committee=setup.committee, round=setup.meeting.round, number=3, year_be=2567, date=on,
        start_time=datetime.time(9, 30),
    )  # fmt: skip
    backfill(apps, None)
    for meeting in (setup.meeting, early, later):
        meeting.refresh_from_db()
    assert setup.meeting.opened_at == aware(9, 30)
    assert early.opened_at == early.closed_at == aware(6, 45)
    assert later.opened_at is None


def test_earlier_resolutions_without_votes_were_taken_without_objection():
    setup = make_setup()
    silent, voted = add_item(setup), add_item(setup)
    Vote.objects.create(agenda_item=voted, member=setup.chair, choice="approve")
    for item in (silent, voted):
        Resolution.objects.create(agenda_item=item, outcome=Outcome.DEFERRED)
    backfill(apps, None)
    assert Resolution.objects.get(agenda_item=silent).method == DecisionMethod.CONSENSUS
    assert Resolution.objects.get(agenda_item=voted).method == DecisionMethod.VOTE
