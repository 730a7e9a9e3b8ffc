"""The demo's budget frame and the suggestion for the meeting in progress."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from budgetscreen.demo import load_demo
from committee import frame
from committee.models import BudgetFrame, MeetingStatus, Scenario
from core.models import AuditEvent

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2026, 11, 30, 10, 0))


@pytest.fixture
def demo(settings):
    settings.DEMO_DATA = True
    load_demo(now=NOW)


def test_the_meeting_in_progress_has_a_suggestion_that_fits_its_frame(demo):
    scenario = Scenario.objects.select_related("meeting__round").get()
    meeting = scenario.meeting
    assert meeting.status == MeetingStatus.IN_PROGRESS and meeting.round.fiscal_year == 2571
    assert scenario.status == "optimal"
    assert set(
        BudgetFrame.objects.filter(round=meeting.round).values_list("fiscal_year", flat=True)
    ) == {2571, 2572, 2573}
    left = {int(y): D(a) for y, a in scenario.inputs["left"].items()}
    totals = {int(y): D(a) for y, a in scenario.result["totals"].items()}
    assert all(totals.get(y, 0) <= amount for y, amount in left.items())
    # The frame was set short of what today's items recommend: something is reduced or out.
    rows = scenario.result["items"]
    assert any(r["reduced"] or not r["approved"] for r in rows) and any(r["approved"] for r in rows)
    assert AuditEvent.objects.filter(code="scenario.suggested").count() == 1
    assert frame.get_frame_status(meeting.round).year(2571).frame == left[2571] + (
        frame.get_frame_status(meeting.round).year(2571).used
    )


def test_loading_again_adds_no_second_suggestion(demo):
    assert load_demo(now=NOW + datetime.timedelta(days=1)) == {}
    assert Scenario.objects.count() == 1
