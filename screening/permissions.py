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
from proposals.workflow import Action, Status

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


def can_score_as_second(user: User, proposal: Proposal, second_screener_id: int | None) -> Decision:
    """The second screener alone submits a second score sheet (the first scores the proposal
    as they screen it); a withdrawn or unsent proposal is scored by nobody."""
    if not user.is_authenticated or not user.has_role(*WRITERS):
        return role_refused()
    if second_screener_id is None or second_screener_id != user.pk:
        return Decision(False, _("You are not this proposal's second screener."))
    if proposal.is_unsent or proposal.status == Status.WITHDRAWN:
        return Decision(
            False,
            _("This proposal is “%(status)s”; it cannot be scored.")
            % {"status": proposal.get_status_display()},
        )
    return ALLOWED


def can_reconcile_scores(user: User) -> Decision:
    """Screeners (and administrators) record the agreed scores of a flagged proposal."""
    if not user.is_authenticated or not user.has_role(*WRITERS):
        return role_refused()
    return ALLOWED


def can_see_scores(user: User, *, blind: bool, has_own_sheet: bool) -> bool:
    """Scores of a proposal under double screening stay hidden until both sheets are in;
    a screener sees their own sheet at any time."""
    return can_view_screening(user) and (not blind or has_own_sheet)
