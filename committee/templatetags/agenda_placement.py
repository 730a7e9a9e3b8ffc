"""The screening inbox's "put on the agenda" control, rendered by the committee.

The inbox (screening) offers it with ``{% load agenda_placement %}{% agenda_placement round %}``:
the meetings and the form's target are the committee's, so screening's code reads no meeting
and imports nothing of the committee (README, Architecture).
"""

from django import template

from ..selectors import list_open_meetings

register = template.Library()


@register.inclusion_tag("committee/_agenda_placement.html")
def agenda_placement(plan_round=None):
    """The open meetings of ``plan_round`` (every round's when None) and the button that puts
    the selected proposals on one of them (``committee:place_from_inbox``)."""
    return {"meetings": list_open_meetings(plan_round)}
