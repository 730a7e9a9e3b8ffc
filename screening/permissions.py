"""Who may do what in screening. Pure functions: no queries beyond the user's roles.

Every move of a proposal is asked of the workflow table (``proposals.permissions.can_take``);
the role sets are ``directory.roles``'. Checks that a service repeats return a ``Decision``
whose reason the service raises as it is.
"""

from django.utils.translation import gettext as _

from directory.models import User
from directory.roles import SCREENERS, SCREENING_READERS, Role
from proposals.models import Proposal
from proposals.permissions import ALLOWED, Decision, can_take, role_refused
from proposals.workflow import Action

# DGA staff open the screening pages; the committee secretary reads them to prepare meetings.
READERS = SCREENING_READERS
WRITERS = SCREENERS


def can_view_screening(user: User) -> bool:
    return user.is_authenticated and user.has_role(*READERS)


def can_screen_proposal(user: User, proposal: Proposal | None = None) -> Decision:
    """Screeners (and administrators) screen proposals that await screening: the moves
    forward, return and not eligible share their sources and roles in the table."""
    decision = can_take(user, None, Action.FORWARD)
    if not decision or proposal is None:
        return decision
    if not can_take(user, proposal, Action.FORWARD):
        return Decision(
            False,
            _("This proposal is “%(status)s”; only proposals awaiting screening can be screened.")
            % {"status": proposal.get_status_display()},
        )
    return decision


def can_reopen_proposal(user: User, proposal: Proposal) -> Decision:
    if can_take(user, proposal, Action.RECONSIDER):
        return ALLOWED
    return Decision(
        False,
        _("This proposal is “%(status)s”; it cannot be reopened for screening.")
        % {"status": proposal.get_status_display()},
    )


def can_assign_proposals(user: User) -> Decision:
    if not user.is_authenticated or not user.has_role(*WRITERS):
        return role_refused()
    return ALLOWED


# Importing a past round sets statuses and approved amounts without the committee's votes: it
# is the system administrator's job alone (``manage.py import_round`` is the same).
ROUND_IMPORTERS = frozenset({Role.ADMIN})


def can_import_round(user: User) -> bool:
    return user.is_authenticated and user.has_role(*ROUND_IMPORTERS)
