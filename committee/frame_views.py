"""Pages of the budget frame and the fit-to-frame suggestion. Thin, as ``views``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from directory.permissions import role_required
from proposals.models import PlanRound, Stage

from . import frame, frame_services, permissions, selectors
from .forms import FrameForm, SuggestionForm
from .permissions import MEETING_ROLES
from .services import CommitteeError


def _round_or_404(year: int) -> PlanRound:
    plan_round = PlanRound.objects.filter(fiscal_year=year).first()
    if plan_round is None:
        raise Http404
    return plan_round


@role_required(*MEETING_ROLES)
def frame_edit(request, year):
    """The round's budget frame per fiscal year and its stage shares: read by everyone of the
    meetings, set by the secretary (and administrators)."""
    plan_round = _round_or_404(year)
    may_edit = frame_services.can_set_frame(request.user)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    status = frame.get_frame_status(plan_round)
    stages = list(Stage.objects.order_by("order", "pk"))
    shares = {row.share.stage_id: (row.share.min_percent, row.share.max_percent)
              for row in status.stages}  # fmt: skip
    form = FrameForm(
        request.POST or None, years=frame_services.frame_years(plan_round), stages=stages,
        initial_frames=frame.list_frames(plan_round), initial_shares=shares,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            frame_services.set_budget_frame(
                plan_round=plan_round, actor=request.user, frames=form.frames(),
                shares={pk: frame_services.ShareInput(low, high)
                        for pk, (low, high) in form.shares().items()},
            )  # fmt: skip
        except CommitteeError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The budget frame is saved."))
            return redirect("committee:frame", year=plan_round.fiscal_year)
    context = {"plan_round": plan_round, "status": status, "form": form, "may_edit": may_edit}
    return render(request, "committee/frame.html", context)


@role_required(*MEETING_ROLES)
def scenario(request, pk):
    """The newest fit-to-frame suggestion of the meeting, with its explanation; the secretary
    asks for a new one here (floor of reductions, pins)."""
    meeting = selectors.get_meeting_for(request.user, pk)
    may_ask = frame_services.can_request_suggestion(request.user, meeting)
    if request.method == "POST" and not may_ask:
        raise PermissionDenied
    board = selectors.get_meeting_board(meeting)
    undecided = board.undecided
    form = SuggestionForm(
        request.POST or None, items=undecided, initial={"floor": frame_services.DEFAULT_FLOOR}
    )
    if request.method == "POST" and form.is_valid():
        try:
            frame_services.request_suggestion(
                meeting=meeting, actor=request.user, floor_percent=form.cleaned_data["floor"],
                pins=form.pins(),
            )  # fmt: skip
        except CommitteeError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("A new suggestion is ready."))
        return redirect("committee:scenario", pk=meeting.pk)
    membership = board.my_membership
    context = {
        "meeting": meeting,
        "board": board,
        "form": form,
        "may_ask": may_ask,
        "can_record": permissions.can_record_resolution(request.user, meeting, membership),
        "explained": frame.explain_scenario(frame.newest_scenario(meeting), board),
    }
    return render(request, "committee/scenario.html", context)


@role_required(*MEETING_ROLES)
@require_GET
def scenario_json(request, pk):
    """The newest suggestion: its items, suggested amounts, totals and frame per year."""
    meeting = selectors.get_meeting_for(request.user, pk)
    data = frame.scenario_json(meeting, frame.newest_scenario(meeting))
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@role_required(*MEETING_ROLES)
@require_GET
def frame_state(request, pk):
    """What the frame leaves per year now: the meeting page refreshes it with the tally."""
    meeting = selectors.get_meeting_for(request.user, pk)
    response = JsonResponse(frame.frame_json(frame.get_frame_status(meeting.round)))
    response["Cache-Control"] = "no-store"
    return response


@role_required(*MEETING_ROLES)
@require_POST
def scenario_adopt(request, pk):
    """ "Approve all as suggested" (or the items ticked): one resolution per item."""
    meeting = selectors.get_meeting_for(request.user, pk)
    if not permissions.has_resolution_seat(
        request.user, meeting, selectors.get_membership(request.user, meeting.committee_id)
    ):
        raise PermissionDenied
    raw_scenario = request.POST.get("scenario", "")
    raw_items = request.POST.getlist("items")
    if not raw_scenario.isdigit() or not all(raw.isdigit() for raw in raw_items):
        messages.error(request, _("Choose the suggestion to adopt."))
        return redirect("committee:scenario", pk=meeting.pk)
    try:
        done = frame_services.adopt_suggestion(
            meeting=meeting, actor=request.user, scenario_id=int(raw_scenario),
            item_ids=[int(raw) for raw in raw_items] or None,
        )  # fmt: skip
    except CommitteeError as error:
        messages.error(request, str(error))
        return redirect("committee:scenario", pk=meeting.pk)
    messages.success(request, _("%(count)s items approved as suggested.") % {"count": len(done)})
    return redirect(reverse("committee:meeting", args=[meeting.pk]))
