"""Who may do what in screening. Pure functions: no queries beyond the user's roles."""

from directory.roles import Role
from proposals.workflow import Status

# DGA staff open the screening pages; the committee secretary reads them to prepare meetings.
READERS = (Role.SCREENER, Role.SECRETARY, Role.ADMIN)
WRITERS = (Role.SCREENER, Role.ADMIN)


def can_view_screening(user) -> bool:
    return user.is_authenticated and user.has_role(*READERS)


def can_screen_proposal(user, proposal=None) -> bool:
    """Screeners (and administrators) screen proposals that await screening."""
    if not user.is_authenticated or not user.has_role(*WRITERS):
        return False
    return proposal is None or proposal.status == Status.SUBMITTED


def can_reopen_proposal(user, proposal) -> bool:
    return user.has_role(*WRITERS) and proposal.status in (Status.FORWARDED, Status.INELIGIBLE)


def can_assign_proposals(user) -> bool:
    return user.is_authenticated and user.has_role(*WRITERS)


def can_place_on_agenda(user, proposal=None) -> bool:
    if not user.is_authenticated or not user.has_role(*WRITERS):
        return False
    return proposal is None or proposal.status in (Status.FORWARDED, Status.DEFERRED)
