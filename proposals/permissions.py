"""Who may do what with a proposal: pure functions of (user, object), no queries beyond roles.

"Which status, which role" is read from one place, the workflow table (``workflow.TRANSITIONS``),
through ``can_take``; the other ``can_*`` of every app are built on it. A check returns a
``Decision``: truthy or falsy like a bool, and carrying the reason for a refusal, which a
service raises as it is instead of working it out again.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from directory.models import User
from directory.roles import PROPOSAL_READERS, STAFF_ROLES, Role

from .models import Attachment, Proposal
from .workflow import EDITABLE, TRANSITIONS, Action

# Roles that read every proposal (read-only): DGA staff and the committee.
READ_ALL_ROLES = PROPOSAL_READERS


@dataclass(frozen=True)
class Decision:
    """The answer of a permission check, with the reason (meant for the user) when it is no."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed

    def __eq__(self, other: object) -> bool:
        if isinstance(other, bool):  # a Decision answers like the bool it stands for
            return self.allowed is other
        if isinstance(other, Decision):
            return (self.allowed, self.reason) == (other.allowed, other.reason)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.allowed)


ALLOWED = Decision(True)


def role_refused() -> Decision:
    return Decision(False, _("Your role may not do this."))


def can_take(user: User, proposal: Proposal | None, action: str) -> Decision:
    """May ``user`` make the workflow move ``action`` on ``proposal`` now, by the table?

    The proposal's status must be one of the move's sources and the user must hold one of its
    roles. With ``proposal=None`` only the role is asked (may the user ever make this move?).
    """
    transition = TRANSITIONS[action]
    if proposal is not None and proposal.status not in transition.sources:
        return Decision(
            False,
            _("This proposal is “%(status)s”; it cannot be changed that way now.")
            % {"status": proposal.get_status_display()},
        )
    if not user.is_authenticated or not (user.roles & transition.roles):
        return role_refused()
    return ALLOWED


def _is_own_agency_submitter(user: User, proposal: Proposal) -> bool:
    return (
        user.has_role(Role.SUBMITTER)
        and user.agency_id is not None
        and user.agency_id == proposal.agency_id
    )


def is_own_agency_submitter(user: User, proposal: Proposal) -> bool:
    """A submitter of the proposal's agency (whatever the proposal's state)."""
    return _is_own_agency_submitter(user, proposal)


def can_create_proposal(user: User) -> bool:
    return user.has_role(Role.SUBMITTER) and user.agency_id is not None


def can_view_proposal(user: User, proposal: Proposal) -> bool:
    """The own agency always; DGA and the committee once the agency has sent it (a draft, or a
    draft withdrawn unsent, stays the agency's own). ``visible_proposals`` is the same rule."""
    if _is_own_agency_submitter(user, proposal):
        return True
    return user.has_role(*READ_ALL_ROLES) and not proposal.is_unsent


def can_edit_proposal(user: User, proposal: Proposal) -> bool:
    """Only the proposal's own agency, and only while it is a draft or returned for revision."""
    return _is_own_agency_submitter(user, proposal) and proposal.status in EDITABLE


def _own_agency_takes(user: User, proposal: Proposal, action: str, refusal: str) -> Decision:
    """The agency's own moves: a submitter of the proposal's agency, and the table's word;
    ``refusal`` (with ``%(status)s``) says why the status does not allow it."""
    if not _is_own_agency_submitter(user, proposal):
        return role_refused()
    if not can_take(user, proposal, action):
        return Decision(False, refusal % {"status": proposal.get_status_display()})
    return ALLOWED


def can_submit_proposal(user: User, proposal: Proposal) -> Decision:
    return _own_agency_takes(
        user,
        proposal,
        Action.SUBMIT,
        _("This proposal is “%(status)s”; it cannot be submitted now."),
    )


def can_withdraw_proposal(user: User, proposal: Proposal) -> Decision:
    return _own_agency_takes(
        user,
        proposal,
        Action.WITHDRAW,
        _("This proposal is “%(status)s”; it can no longer be withdrawn."),
    )


def can_view_proposal_history(user: User, proposal: Proposal) -> bool:
    """The audit history is for DGA staff (screeners, the secretary, administrators)."""
    return user.has_role(*STAFF_ROLES) and can_view_proposal(user, proposal)


def can_download_attachment(user: User, attachment: Attachment) -> bool:
    return can_view_proposal(user, attachment.proposal)


def can_download_workbook(user: User, proposal: Proposal) -> bool:
    """The budget workbook of a proposal is its own agency's submitters' tool, in every state."""
    return _is_own_agency_submitter(user, proposal)
