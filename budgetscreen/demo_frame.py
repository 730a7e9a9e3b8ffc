"""The demo's budget frame and a fit-to-frame suggestion for the meeting in progress.

Called once from ``budgetscreen.demo.load_demo`` after the open round (and its scores, when
the scores demo has run: the suggestion then weighs them). The open round's own year gets a
frame that the waiting items cannot all fit in (what earlier rounds and last week's meeting
already took, plus four fifths of what today's items recommend), the two years after it a
frame each, and downstream a most share; the secretary then asks for a suggestion with
reductions down to 80 %. Everything goes through the committee's services, so it is audited
as in real use. Loaded again, it adds nothing: a meeting that has a suggestion keeps it.
"""

from collections import Counter
from decimal import ROUND_FLOOR, Decimal

from committee import frame, frame_services, selectors
from committee.models import Meeting, MeetingStatus, Scenario
from directory.models import User
from proposals.models import Stage

MILLION = Decimal("1000000")


def load_frame_demo(open_round_year: int, users: dict[str, User], created: Counter) -> None:
    meeting = (
        Meeting.objects.filter(round__fiscal_year=open_round_year, status=MeetingStatus.IN_PROGRESS)
        .select_related("round", "committee")
        .order_by("date", "number")
        .first()
    )
    if meeting is None or Scenario.objects.filter(meeting=meeting).exists():
        return
    secretary = users["secretary"]
    plan_round = meeting.round
    year = plan_round.fiscal_year
    waiting = [b for b in selectors.get_meeting_board(meeting).items if not b.decided]
    if not waiting:
        return
    status = frame.get_frame_status(plan_round)
    own = status.year(year)
    used = own.used if own else Decimal(0)
    recommended = sum((b.recommended_amount for b in waiting), Decimal(0))
    own_frame = ((used + recommended * Decimal("0.8")) / MILLION).quantize(
        Decimal(1), rounding=ROUND_FLOOR
    ) * MILLION
    downstream = Stage.objects.filter(code="downstream").first()
    frame_services.set_budget_frame(
        plan_round=plan_round, actor=secretary,
        frames={year: own_frame, year + 1: Decimal("3000") * MILLION,
                year + 2: Decimal("2000") * MILLION},
        shares={downstream.pk: frame_services.ShareInput(None, Decimal("60"))}
        if downstream
        else {},
    )  # fmt: skip
    created["budgetframe"] += 3
    frame_services.request_suggestion(
        meeting=meeting, actor=secretary, floor_percent=frame_services.DEFAULT_FLOOR
    )
    created["scenario"] += 1
