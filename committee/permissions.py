"""Who may do what in a meeting: pure functions of the user, their membership and the object.

``membership`` is the user's Membership in the meeting's committee (or None); callers fetch it
once with ``selectors.get_membership`` so that a page asks the database only once.
"""

from django.utils.translation import gettext as _

from directory.models import User
from directory.roles import MEETING_ROLES, Role
from proposals.models import Proposal
from proposals.permissions import ALLOWED, Decision, can_take
from proposals.workflow import Action, Status

from .models import Meeting, Membership, Position


def can_view_meetings(user: User) -> bool:
    return user.is_authenticated and user.has_role(*MEETING_ROLES)


def can_view_meeting(user: User, meeting: Meeting) -> bool:
    return can_view_meetings(user)


def can_view_meeting_history(user: User, meeting: Meeting) -> bool:
    """The meeting's audit history: DGA staff and the committee."""
    return user.has_role(*MEETING_ROLES)


def can_create_meeting(user: User) -> bool:
    return user.has_role(Role.SECRETARY)


def can_manage_meeting(user: User, meeting: Meeting) -> bool:
    """Attendance, agenda, details, opening and closing: the secretary's work."""
    return user.has_role(Role.SECRETARY) and not meeting.is_closed


def has_voting_seat(user: User, meeting: Meeting, membership: Membership | None) -> bool:
    """A voting member of the meeting's committee, whatever the meeting's state."""
    return (
        membership is not None
        and membership.committee_id == meeting.committee_id
        and membership.user_id == user.pk
        and membership.is_voting
    )


def has_resolution_seat(user: User, meeting: Meeting, membership: Membership | None) -> bool:
    """The secretary or the chair of the meeting's committee, whatever the meeting's state."""
    if user.has_role(Role.SECRETARY):
        return True
    return (
        membership is not None
        and membership.committee_id == meeting.committee_id
        and membership.user_id == user.pk
        and membership.position == Position.CHAIR
    )


def may_run_meetings(user: User) -> bool:
    """Opening, attendance and closing are the secretary's, whatever the meeting's state."""
    return user.has_role(Role.SECRETARY)


def may_reopen_meetings(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def can_vote(user: User, meeting: Meeting, membership: Membership | None) -> bool:
    """Voting members of the meeting's committee, while the meeting is not closed."""
    return has_voting_seat(user, meeting, membership) and not meeting.is_closed


def can_record_resolution(user: User, meeting: Meeting, membership: Membership | None) -> bool:
    """The chair of the meeting's committee or the secretary, while the meeting is open."""
    return has_resolution_seat(user, meeting, membership) and not meeting.is_closed


def can_close_meeting(user: User, meeting: Meeting) -> bool:
    return can_manage_meeting(user, meeting)


def can_reopen_meeting(user: User, meeting: Meeting) -> bool:
    return meeting.is_closed and user.has_role(Role.ADMIN)


def can_place_on_agenda(
    user: User,
    proposal: Proposal | None = None,
    *,
    meeting: Meeting | None = None,
    on_open_agenda: bool = False,
) -> Decision:
    """Who may put a proposal on a meeting's agenda is the workflow table's PLACE_ON_AGENDA
    (screeners, the secretary, administrators); the meeting must not be closed; the proposal
    must be forwarded or deferred, or left ON_AGENDA on no open agenda (it goes on as it is).
    Without ``proposal`` or ``meeting``, only what is given is asked."""
    decision = can_take(user, None, Action.PLACE_ON_AGENDA)
    if not decision:
        return decision
    if meeting is not None and meeting.is_closed:
        return Decision(False, _("This meeting is closed; its agenda cannot change."))
    if proposal is None:
        return ALLOWED
    if can_take(user, proposal, Action.PLACE_ON_AGENDA):
        return ALLOWED
    if proposal.status == Status.ON_AGENDA and not on_open_agenda:
        return ALLOWED
    return Decision(
        False,
        _(
            "%(code)s is “%(status)s”; only proposals forwarded to the committee can go on an "
            "agenda."
        )
        % {"code": proposal.code, "status": proposal.get_status_display()},
    )
