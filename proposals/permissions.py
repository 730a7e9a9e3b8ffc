"""Who may do what with a proposal: pure functions of (user, object), no queries beyond roles."""

from directory.models import User
from directory.roles import STAFF_ROLES, Role

from .models import Attachment, Proposal
from .workflow import EDITABLE, TRANSITIONS, Action

# Roles that read every proposal (read-only): DGA staff and the committee.
READ_ALL_ROLES = (Role.SCREENER, Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)


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


def can_submit_proposal(user: User, proposal: Proposal) -> bool:
    return _is_own_agency_submitter(user, proposal) and (
        proposal.status in TRANSITIONS[Action.SUBMIT].sources
    )


def can_withdraw_proposal(user: User, proposal: Proposal) -> bool:
    return _is_own_agency_submitter(user, proposal) and (
        proposal.status in TRANSITIONS[Action.WITHDRAW].sources
    )


def can_view_proposal_history(user: User, proposal: Proposal) -> bool:
    """The audit history is for DGA staff (screeners, the secretary, administrators)."""
    return user.has_role(*STAFF_ROLES) and can_view_proposal(user, proposal)


def can_download_attachment(user: User, attachment: Attachment) -> bool:
    return can_view_proposal(user, attachment.proposal)
