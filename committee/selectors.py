"""Reads of meetings that more than one view needs."""

from django.utils import timezone

from .models import Meeting, MeetingStatus


def get_next_meeting_for(user) -> Meeting | None:
    """The meeting a committee member or secretary should open now: the earliest not closed."""
    meetings = Meeting.objects.exclude(status=MeetingStatus.CLOSED)
    if not user.is_superuser:
        meetings = meetings.filter(committee__memberships__user=user)
    upcoming = meetings.order_by("date", "number")
    today = timezone.localdate()
    return upcoming.filter(date__gte=today).first() or upcoming.first()
