"""``can_take``: the workflow table is the one source of "which status, which role" (issue 15.3).

The screening and committee checks are built on it, so each is asserted here against the table's
own words for every role and every status, the committee secretary included (she may place a
proposal on an agenda: the table says so, and the screening check used to say otherwise).
"""

import pytest

from committee.permissions import can_place_on_agenda
from directory.roles import Role
from proposals.models import Proposal
from proposals.permissions import Decision, can_take
from proposals.services import ProposalError, apply_transition
from proposals.workflow import Action, Status
from screening.permissions import can_reopen_proposal, can_screen_proposal
from tests.factories import make_proposal, make_user

ROLES = list(Role)
# Written out by hand from PRODUCT.md, not read from the table: the test must catch a table edit.
SCREENERS = {Role.SCREENER, Role.ADMIN}
AGENDA_KEEPERS = {Role.SCREENER, Role.SECRETARY, Role.ADMIN}


def _proposal(status):
    return Proposal(status=status, code="X-1")  # pure checks: nothing is saved


@pytest.fixture
def users(db):
    return {role: make_user(role) for role in ROLES}


def test_decision_is_a_bool_with_a_reason():
    yes, no = Decision(True), Decision(False, "because")
    assert yes and not no
    assert yes == True and no == False  # noqa: E712 (a Decision answers like its bool)
    assert no.reason == "because"


@pytest.mark.parametrize("status", list(Status))
def test_screening_checks_follow_the_table(users, status):
    for role, user in users.items():
        proposal = _proposal(status)
        expected = role in SCREENERS and status == Status.SUBMITTED
        assert bool(can_screen_proposal(user, proposal)) is expected, (role, status)
        assert bool(can_take(user, proposal, Action.FORWARD)) is expected, (role, status)
        reopen = role in SCREENERS and status in (Status.FORWARDED, Status.INELIGIBLE)
        assert bool(can_reopen_proposal(user, proposal)) is reopen, (role, status)
        for decision in (can_screen_proposal(user, proposal), can_reopen_proposal(user, proposal)):
            assert decision.allowed or decision.reason  # a refusal always says why


@pytest.mark.parametrize("status", list(Status))
def test_agenda_placement_follows_the_table(users, status):
    for role, user in users.items():
        expected = role in AGENDA_KEEPERS and status in (Status.FORWARDED, Status.DEFERRED)
        decision = can_place_on_agenda(user, _proposal(status), on_open_agenda=True)
        assert bool(decision) is expected, (role, status)
        assert bool(can_place_on_agenda(user)) is (role in AGENDA_KEEPERS), role


def test_the_reason_names_what_is_wrong(users):
    wrong_state = can_take(users[Role.SCREENER], _proposal(Status.DRAFT), Action.FORWARD)
    wrong_role = can_take(users[Role.COMMITTEE], _proposal(Status.SUBMITTED), Action.FORWARD)
    assert not wrong_state and not wrong_role
    assert wrong_state.reason != wrong_role.reason
    assert str(Status.DRAFT.label) in wrong_state.reason


def test_apply_transition_has_no_way_around_the_table(db):
    """``check_role`` is gone: a role the table does not name is refused, whoever calls."""
    proposal = make_proposal(status=Status.ON_AGENDA)
    with pytest.raises(TypeError):
        apply_transition(proposal=proposal, action=Action.APPROVE, actor=make_user(Role.SCREENER),
                         check_role=False)  # fmt: skip
    with pytest.raises(ProposalError):
        apply_transition(proposal=proposal, action=Action.APPROVE, actor=make_user(Role.SCREENER))
    proposal.refresh_from_db()
    assert proposal.status == Status.ON_AGENDA
