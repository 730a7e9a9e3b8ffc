"""Meeting pages. Thin: form → service → catch the domain error → message → redirect.

Every action is a plain form POST that redirects back to the meeting, so the page works
without JavaScript; ``static/js/committee-live.js`` only polls ``state.json`` to refresh the
tally and the quorum on every open screen.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import parse_etags
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.text import notify_stripped
from directory.permissions import role_required
from directory.roles import SCREENERS
from proposals.models import Proposal
from proposals.services import ProposalError
from proposals.workflow import TRANSITIONS, Action
from screening.forms import AgendaForm
from screening.views import back_to_inbox, bulk_target, confirm_page

from . import frame_services, permissions, selectors, services
from .forms import (
    AttendanceForm,
    ConflictForm,
    MeetingDetailsForm,
    MeetingForm,
    ReopenForm,
    ResolutionForm,
    VoteForm,
)
from .minutes import render_minutes_pdf
from .models import Committee, Outcome
from .permissions import MEETING_ROLES
from .services import CommitteeError


def _back(meeting, anchor=""):
    url = meeting.get_absolute_url()
    return redirect(f"{url}#{anchor}" if anchor else url)


def _refuse_unless(allowed):
    """A role that may never do this gets 403 (a state that forbids it gets a message)."""
    if not allowed:
        raise PermissionDenied


def _membership(request, meeting):
    return selectors.get_membership(request.user, meeting.committee_id)


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@role_required(*MEETING_ROLES)
def meeting_list(request):
    meetings = selectors.list_meetings_for(request.user)
    return render(
        request,
        "committee/meeting_list.html",
        {"meetings": meetings, "can_create": permissions.can_create_meeting(request.user)},
    )


@role_required(*MEETING_ROLES)
def meeting_create(request):
    if not permissions.can_create_meeting(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = MeetingForm(request.POST)
        if form.is_valid():
            notify_stripped(request, form.stripped_fields)
            data = form.cleaned_data
            try:
                meeting = services.create_meeting(
                    actor=request.user, committee=data["committee"], plan_round=data["round"],
                    number=data["number"], year_be=data["year_be"], date=data["date"],
                    start_time=data["start_time"], place=data["place"],
                )  # fmt: skip
            except CommitteeError as error:
                form.add_error(error.field, str(error))
            else:
                messages.success(
                    request, _("Meeting %(number)s created.") % {"number": meeting.number_label}
                )
                return redirect(meeting)
    else:
        committee = Committee.objects.order_by("pk").first()
        year = services.current_year_be()
        initial = {"committee": committee, "year_be": year}
        if committee:
            initial["number"] = services.default_meeting_number(committee=committee, year_be=year)
        form = MeetingForm(initial=initial)
    return render(request, "committee/meeting_form.html", {"form": form})


@role_required(*MEETING_ROLES)
@require_GET
def meeting_detail(request, pk):
    meeting = selectors.get_meeting_for(request.user, pk)
    board = selectors.get_meeting_board(meeting, request.user, with_duplicates=True)
    user = request.user
    membership = board.my_membership
    context = {
        "meeting": meeting,
        "board": board,
        "can_manage": permissions.can_manage_meeting(user, meeting),
        "can_vote": permissions.can_vote(user, meeting, membership),
        "can_record": permissions.can_record_resolution(user, meeting, membership),
        "can_reopen": permissions.can_reopen_meeting(user, meeting),
        "attendance_form": AttendanceForm(members=board.members),
        "outcomes": Outcome.choices,
        "reopen_form": ReopenForm(),
    }
    return render(request, "committee/meeting_detail.html", context)


def _state_etag(request, pk: int, version: int) -> str:
    """state.json's ETag: the meeting's live state version, and whose and in which language
    the answer is (it carries the reader's own vote and translated labels)."""
    return f'"{pk}.{version}.{request.user.pk}.{get_language()}"'


@role_required(*MEETING_ROLES)
@require_GET
def meeting_state(request, pk):
    """The live state; 304 after one query when ``If-None-Match`` names its current version.
    The version is read before the state, so an ETag is never newer than its body."""
    etag = _state_etag(request, pk, selectors.get_state_version_for(request.user, pk))
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        meeting = selectors.get_meeting_for(request.user, pk)
        board = selectors.get_meeting_board(meeting, request.user)
        response = JsonResponse(selectors.board_state(board, request.user))
    response["ETag"] = etag
    response["Cache-Control"] = "no-store"
    return response


@role_required(*MEETING_ROLES)
def meeting_edit(request, pk):
    meeting = selectors.get_meeting_for(request.user, pk)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise PermissionDenied
    form = MeetingDetailsForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        notify_stripped(request, form.stripped_fields)
        changes = {f: form.cleaned_data[f] for f in services.MEETING_DETAIL_FIELDS}
        # The form wrote onto the instance; the service compares against a fresh row.
        try:
            services.update_meeting(meeting=meeting, actor=request.user, **changes)
        except CommitteeError as error:
            if error.field in form.fields:  # e.g. the end before the start: the form again
                form.add_error(error.field, str(error))
                return render(
                    request, "committee/meeting_edit.html", {"meeting": meeting, "form": form}
                )
            messages.error(request, str(error))
        else:
            messages.success(request, _("Meeting details saved."))
        return _back(meeting)
    return render(request, "committee/meeting_edit.html", {"meeting": meeting, "form": form})


@role_required(*MEETING_ROLES)
@require_POST
def meeting_open(request, pk):
    meeting = selectors.get_meeting_for(request.user, pk)
    _refuse_unless(permissions.may_run_meetings(request.user))
    try:
        services.open_meeting(meeting=meeting, actor=request.user)
    except CommitteeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The meeting is in progress."))
    return _back(meeting)


@role_required(*MEETING_ROLES)
@require_POST
def attendance(request, pk):
    meeting = selectors.get_meeting_for(request.user, pk)
    _refuse_unless(permissions.may_run_meetings(request.user))
    board = selectors.get_meeting_board(meeting)
    form = AttendanceForm(request.POST, members=board.members)
    if not form.is_valid():
        messages.error(request, _("Choose present or absent."))
        return _back(meeting, "attendance")
    try:
        services.mark_attendance(meeting=meeting, actor=request.user, presence=form.presence())
    except CommitteeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Attendance saved."))
    return _back(meeting, "attendance")


@role_required(*MEETING_ROLES)
@require_POST
def vote(request, pk, item_pk):
    item = selectors.get_agenda_item_for(request.user, pk, item_pk)
    meeting = item.meeting
    _refuse_unless(
        permissions.has_voting_seat(request.user, meeting, _membership(request, meeting))
    )
    form = VoteForm(request.POST)
    anchor = f"item-{item.pk}"
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(meeting, anchor)
    try:
        recorded = services.cast_vote(
            item=item, actor=request.user, choice=form.cleaned_data["choice"],
            amount=form.cleaned_data["amount"],
        )  # fmt: skip
    except CommitteeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(code)s: your vote “%(choice)s” is recorded.")
            % {"code": item.proposal.code, "choice": recorded.get_choice_display()},
        )
    return _back(meeting, anchor)


@role_required(*MEETING_ROLES)
@require_POST
def conflict(request, pk, item_pk):
    item = selectors.get_agenda_item_for(request.user, pk, item_pk)
    meeting = item.meeting
    _refuse_unless(
        permissions.has_voting_seat(request.user, meeting, _membership(request, meeting))
    )
    form = ConflictForm(request.POST)
    anchor = f"item-{item.pk}"
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(meeting, anchor)
    notify_stripped(request, form.stripped_fields)
    try:
        services.declare_conflict(item=item, actor=request.user, reason=form.cleaned_data["reason"])
    except CommitteeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(code)s: your conflict of interest is recorded; you leave this item.")
            % {"code": item.proposal.code},
        )
    return _back(meeting, anchor)


@role_required(*MEETING_ROLES)
@require_POST
def resolution(request, pk, item_pk):
    meeting = selectors.get_meeting_for(request.user, pk)
    _refuse_unless(
        permissions.has_resolution_seat(request.user, meeting, _membership(request, meeting))
    )
    item = selectors.get_agenda_item(meeting, item_pk)
    form = ResolutionForm(request.POST)
    anchor = f"item-{item.pk}"
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(meeting, anchor)
    notify_stripped(request, form.stripped_fields)
    data = form.cleaned_data
    try:
        services.record_resolution(
            item=item, actor=request.user, outcome=data["outcome"],
            approved_amount=data["approved_amount"], reason=data["reason"],
            accept_over_frame=data["over_frame"],
        )  # fmt: skip
    except CommitteeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(code)s: the resolution is recorded.") % {"code": item.proposal.code}
        )
    return _back(meeting, anchor)


@role_required(*MEETING_ROLES)
@require_POST
def approve_recommended(request, pk):
    meeting = selectors.get_meeting_for(request.user, pk)
    _refuse_unless(
        permissions.has_resolution_seat(request.user, meeting, _membership(request, meeting))
    )
    ids = []
    for raw in request.POST.getlist("items"):
        if not raw.isdigit():
            messages.error(request, _("Select the items to approve."))
            return _back(meeting)
        ids.append(int(raw))
    items = [selectors.get_agenda_item(meeting, pk) for pk in ids]
    try:
        done = services.approve_as_recommended(meeting=meeting, actor=request.user, items=items)
    except CommitteeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(count)s items approved as recommended.") % {"count": len(done)}
        )
    return _back(meeting)


@role_required(*MEETING_ROLES)
@require_POST
def meeting_close(request, pk):
    meeting = selectors.get_meeting_for(request.user, pk)
    _refuse_unless(permissions.may_run_meetings(request.user))
    try:
        services.close_meeting(meeting=meeting, actor=request.user)
    except CommitteeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Meeting %(number)s is closed; the resolutions took effect and the agencies were "
                "told."
            )
            % {"number": meeting.number_label},
        )
    return _back(meeting)


@role_required(*MEETING_ROLES)
@require_POST
def meeting_reopen(request, pk):
    meeting = selectors.get_meeting_for(request.user, pk)
    _refuse_unless(permissions.may_reopen_meetings(request.user))
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(meeting)
    notify_stripped(request, form.stripped_fields)
    try:
        services.reopen_meeting(
            meeting=meeting, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except CommitteeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The meeting is open again."))
    return _back(meeting)


@role_required(*MEETING_ROLES)
def agenda(request, pk):
    """The secretary's agenda page: add eligible proposals, order by stage, move, remove."""
    meeting = selectors.get_meeting_for(request.user, pk)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise PermissionDenied
    if request.method == "POST":
        _agenda_action(request, meeting)
        return redirect("committee:agenda", pk=meeting.pk)
    board = selectors.get_meeting_board(meeting)
    candidates = selectors.list_agenda_candidates(meeting)
    return render(
        request,
        "committee/agenda.html",
        {
            "meeting": meeting, "board": board, "candidates": candidates,
            "information_items": selectors.list_information_items(meeting),
        },
    )  # fmt: skip


def _agenda_action(request, meeting):
    action = request.POST.get("action")
    try:
        if action == "add":
            ids = [int(x) for x in request.POST.getlist("proposals") if x.isdigit()]
            ids = list(Proposal.objects.filter(pk__in=ids).values_list("pk", flat=True))
            if not ids:
                messages.error(request, _("Select the proposals to add."))
                return
            added = services.place_on_agenda(
                meeting_id=meeting.pk, proposal_ids=ids, actor=request.user,
                order=services.AgendaOrder.END,
            )  # fmt: skip
            messages.success(request, _("%(count)s items added.") % {"count": len(added)})
        elif action == "order_by_stage":
            services.order_agenda_by_stage(meeting=meeting, actor=request.user)
            messages.success(request, _("Agenda ordered by value-chain stage."))
        elif action == "order_by_score":
            frame_services.order_agenda_by_score(meeting=meeting, actor=request.user)
            messages.success(request, _("Agenda ordered by stage, then by score."))
        elif action == "remove_information":
            _remove_information(request, meeting)
        elif action in ("up", "down", "remove"):
            item_pk = request.POST.get("item", "")
            if not item_pk.isdigit():
                messages.error(request, _("Select an item."))
                return
            item = selectors.get_agenda_item(meeting, int(item_pk))
            if action == "remove":
                services.remove_from_agenda(item=item, actor=request.user)
                messages.success(request, _("Item removed from the agenda."))
            else:
                services.move_agenda_item(item=item, actor=request.user, direction=action)
        else:
            messages.error(request, _("Unknown action."))
    except (CommitteeError, ProposalError, ValidationError) as error:
        messages.error(request, error.message if isinstance(error, ValidationError) else str(error))


def _remove_information(request, meeting):
    item_pk = request.POST.get("information", "")
    item = selectors.get_information_item(meeting, int(item_pk)) if item_pk.isdigit() else None
    if item is None:
        messages.error(request, _("Select an item."))
        return
    services.remove_information_item(item=item, actor=request.user)
    messages.success(request, _("Item removed from the agenda."))


@role_required(*SCREENERS)
@require_POST
def place_from_inbox(request):
    """The screening inbox's "put on the agenda": the ticked proposals (or every forwarded one
    matching the inbox's filter, once confirmed) go on a meeting, ordered by stage.

    It lives here, not in screening, because it writes the committee's agenda: screening never
    imports the committee (README, Architecture). The inbox's bulk helpers are screening's.
    """
    form = AgendaForm(request.POST, meetings=selectors.open_meetings())
    if not form.is_valid():
        messages.error(request, _("Choose a meeting that is not closed."))
        return back_to_inbox(request.POST.get("query", ""))
    meeting = form.cleaned_data["meeting"]
    query = form.cleaned_data.get("query") or ""

    def confirm(target):
        return confirm_page(
            request, target=target, query=query,
            what=_("Put %(count)s forwarded proposals on the agenda of meeting %(meeting)s.")
            % {"count": len(target.ids), "meeting": meeting.number_label},
            skipped_note=_("%(count)s proposals matching the filters are not forwarded to the "
                           "committee and stay as they are.") % {"count": target.skipped},
            fields={"meeting": meeting.pk},
        )  # fmt: skip

    eligible = Q(status__in=TRANSITIONS[Action.PLACE_ON_AGENDA].sources)
    ids, _skipped, response = bulk_target(request, form, eligible=eligible, confirm=confirm)
    if response is not None:
        return response
    try:
        items = services.place_on_agenda(
            meeting_id=meeting.pk, proposal_ids=ids, actor=request.user,
            order=services.AgendaOrder.STAGE,
        )  # fmt: skip
    except (CommitteeError, ProposalError) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(count)s proposals put on the agenda of meeting %(meeting)s.")
            % {"count": len(items), "meeting": meeting.number_label},
        )
    return back_to_inbox(query)


@role_required(*MEETING_ROLES)
@require_GET
def minutes_pdf(request, pk):
    meeting = selectors.get_meeting_for(request.user, pk)
    pdf = render_minutes_pdf(meeting)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"minutes-{meeting.number}-{meeting.year_be}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@role_required(*MEETING_ROLES)
@require_GET
def meeting_history(request, pk):
    """Every audit event of the meeting and its items, oldest first."""
    meeting = selectors.get_meeting_for(request.user, pk)
    if not permissions.can_view_meeting_history(request.user, meeting):
        raise PermissionDenied
    return render(
        request,
        "committee/meeting_history.html",
        {"meeting": meeting, "rows": selectors.list_meeting_history(meeting)},
    )
