"""The budget frame on the meeting page, read once for the whole page: ``{% meeting_frame
board as frame %}``, then ``{% item_frame frame b as f %}`` for each agenda item (no query)."""

from typing import Any

from django import template

from ..frame import ItemFrame, MeetingFrame, get_meeting_frame

register = template.Library()


@register.simple_tag
def meeting_frame(board: Any) -> MeetingFrame:
    return get_meeting_frame(board.meeting, {b.item.pk: b.proposal.pk for b in board.items})


@register.simple_tag
def item_frame(frame: MeetingFrame, board: Any) -> ItemFrame | None:
    return frame.item(board.item.pk)
