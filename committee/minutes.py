"""The minutes (รายงานการประชุม) of a meeting as a PDF, in Sarabun, on A4.

The minutes are an official Thai document, so they are always written in Thai whatever the
reader's interface language. They read the same board as the meeting page.
"""

from django.utils import translation

from core.formatting import format_date_long
from core.pdf import pdf_fonts_css, render_pdf

from .frame import explain_scenario, newest_scenario
from .selectors import get_meeting_board, list_information_items


def render_minutes_pdf(meeting) -> bytes:
    """The meeting's minutes as PDF bytes (a draft, so marked, until the meeting is closed)."""
    with translation.override("th"):
        board = get_meeting_board(meeting)
        context = {
            "meeting": meeting,
            "board": board,
            "information_items": list_information_items(meeting),
            # The newest fit-to-frame suggestion, if the meeting asked for one.
            "scenario": explain_scenario(newest_scenario(meeting), board),
            "date_long": format_date_long(meeting.date, "th"),
            "fonts_css": pdf_fonts_css(),
            "others": [
                line.strip() for line in meeting.others_attending.splitlines() if line.strip()
            ],
        }
        return render_pdf("committee/minutes_pdf.html", context)
