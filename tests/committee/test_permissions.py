"""Who may do what in a meeting, role × meeting state, the denials included.

Each table reads across: one row per action, one cell per person, and in each cell the meeting
states in which that person may do it: S = scheduled, I = in progress, C = closed ("" = never).

The people: an agency submitter, a DGA screener, the committee secretary (a non-voting member),
the chair, the vice-chair, an ordinary member, a member who declared a conflict of interest on
the item acted on, someone from the Bureau of the Budget, and a system administrator.

The first table is the pure rules of ``committee.permissions``; the second is what the services
(and, for reading, the pages) actually let each person do, on a meeting built by the services
themselves: everyone marked present, a conflict declared, two undecided items (and, when the
meeting is closed, both decided and the meeting closed by the secretary).
"""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from committee import permissions, services
from committee.models import MeetingStatus, Outcome, Resolution, VoteChoice
from committee.services import CommitteeError
from directory.roles import Role
from tests.factories import make_user

from .factories import add_item, make_setup, mark_present

pytestmark = pytest.mark.django_db

PEOPLE = (
    "submitter", "screener", "secretary", "chair", "vice_chair", "member", "conflicted",
    "budget", "admin",
)  # fmt: skip
STATES = {"S": MeetingStatus.SCHEDULED, "I": MeetingStatus.IN_PROGRESS, "C": MeetingStatus.CLOSED}

# fmt: off
# --- the pure rules (committee.permissions) -------------------------------------------------
#                          submitter screener secretary chair  vice   member conflicted budget admin
PURE_RULES = {
    "can_view_meetings":        ("", "SIC", "SIC", "SIC", "SIC", "SIC", "SIC", "", "SIC"),
    "can_view_meeting":         ("", "SIC", "SIC", "SIC", "SIC", "SIC", "SIC", "", "SIC"),
    "can_view_meeting_history": ("", "SIC", "SIC", "SIC", "SIC", "SIC", "SIC", "", "SIC"),
    "can_create_meeting":       ("", "",    "SIC", "",    "",    "",    "",    "", ""),
    "can_manage_meeting":       ("", "",    "SI",  "",    "",    "",    "",    "", ""),
    "may_run_meetings":         ("", "",    "SIC", "",    "",    "",    "",    "", ""),
    "can_close_meeting":        ("", "",    "SI",  "",    "",    "",    "",    "", ""),
    "may_reopen_meetings":      ("", "",    "",    "",    "",    "",    "",    "", "SIC"),
    "can_reopen_meeting":       ("", "",    "",    "",    "",    "",    "",    "", "C"),
    "has_voting_seat":          ("", "",    "",    "SIC", "SIC", "SIC", "SIC", "", ""),
    "can_vote":                 ("", "",    "",    "SI",  "SI",  "SI",  "SI",  "", ""),
    "has_resolution_seat":      ("", "",    "SIC", "SIC", "",    "",    "",    "", ""),
    "can_record_resolution":    ("", "",    "SI",  "SI",  "",    "",    "",    "", ""),
    # to this meeting's agenda (the workflow table's PLACE_ON_AGENDA roles), while not closed
    "can_place_on_agenda":      ("", "SI",  "SI",  "",    "",    "",    "",    "", "SI"),
}

# --- what each person can actually do (services; pages for reading) -------------------------
# The pure rules know nothing of conflicts: the services refuse the conflicted member's vote and
# second declaration. Opening a meeting already in progress is allowed and changes nothing;
# closing needs an opened meeting; votes and resolutions are taken before the meeting is opened
# (as the services are written today), never once it is closed.
#                          submitter screener secretary chair  vice   member conflicted budget admin
SERVICE_RULES = {
    "view meeting":             ("", "SIC", "SIC", "SIC", "SIC", "SIC", "SIC", "", "SIC"),
    "read minutes":             ("", "SIC", "SIC", "SIC", "SIC", "SIC", "SIC", "", "SIC"),
    "edit details":             ("", "",    "SI",  "",    "",    "",    "",    "", ""),
    "change agenda":            ("", "",    "SI",  "",    "",    "",    "",    "", ""),
    "mark attendance":          ("", "",    "SI",  "",    "",    "",    "",    "", ""),
    "open":                     ("", "",    "SI",  "",    "",    "",    "",    "", ""),
    "close":                    ("", "",    "I",   "",    "",    "",    "",    "", ""),
    "reopen":                   ("", "",    "",    "",    "",    "",    "",    "", "C"),
    "vote":                     ("", "",    "",    "SI",  "SI",  "SI",  "",    "", ""),
    "declare conflict":         ("", "",    "",    "SI",  "SI",  "SI",  "",    "", ""),
    "record resolution":        ("", "",    "SI",  "SI",  "",    "",    "",    "", ""),
    "approve all as recommended": ("", "",  "SI",  "SI",  "",    "",    "",    "", ""),
}
# fmt: on


def allowed(table, action, person, state) -> bool:
    return state in table[action][PEOPLE.index(person)]


def test_the_tables_are_whole():
    for table in (PURE_RULES, SERVICE_RULES):
        for action, cells in table.items():
            assert len(cells) == len(PEOPLE), action
            assert all(set(cell) <= set(STATES) for cell in cells), action
    assert set(PURE_RULES) == {
        name for name in dir(permissions)
        if name.startswith(("can_", "may_", "has_"))
        and getattr(permissions, name).__module__ == permissions.__name__  # not can_take
    }  # fmt: skip


# --- the world ------------------------------------------------------------------------------


class World:
    """A committee meeting in one state, with one person of each kind."""

    def __init__(self, state):
        setup = make_setup(members=3)
        self.setup = setup
        self.meeting = setup.meeting
        vice, member, conflicted = setup.members
        self.people = {
            "submitter": make_user(Role.SUBMITTER),
            "screener": make_user(Role.SCREENER),
            "secretary": setup.secretary,
            "chair": setup.chair,
            "vice_chair": vice,
            "member": member,
            "conflicted": conflicted,
            "budget": make_user(Role.BUDGET_OFFICE),
            "admin": make_user(Role.ADMIN),
        }
        self.item = add_item(setup, requested=Decimal("1000000.00"))
        self.other = add_item(
            setup, requested=Decimal("500000.00"), recommended=Decimal("400000.00")
        )
        mark_present(setup, setup.voters)
        services.declare_conflict(item=self.item, actor=conflicted, reason="ญาติเป็นผู้บริหารหน่วยงาน")
        secretary = setup.secretary
        if state != "S":
            services.open_meeting(meeting=self.meeting, actor=secretary)
        if state == "C":
            self.decide_everything()
            services.close_meeting(meeting=self.meeting, actor=secretary)
        self.meeting.refresh_from_db()
        assert self.meeting.status == STATES[state]

    def decide_everything(self):
        for item in (self.item, self.other):
            if not Resolution.objects.filter(agenda_item=item).exists():
                services.record_resolution(
                    item=item, actor=self.setup.secretary, outcome=Outcome.DEFERRED
                )

    def membership(self, user):
        return self.setup.memberships.get(user.pk)


@pytest.fixture(params=list(STATES))
def state(request):
    return request.param


@pytest.fixture
def world(state):
    return World(state)


# --- the pure rules -------------------------------------------------------------------------


def pure_answers(world, user) -> dict:
    meeting, membership = world.meeting, world.membership(user)
    answers = {
        "can_view_meetings": permissions.can_view_meetings(user),
        "can_view_meeting": permissions.can_view_meeting(user, meeting),
        "can_view_meeting_history": permissions.can_view_meeting_history(user, meeting),
        "can_create_meeting": permissions.can_create_meeting(user),
        "can_manage_meeting": permissions.can_manage_meeting(user, meeting),
        "may_run_meetings": permissions.may_run_meetings(user),
        "can_close_meeting": permissions.can_close_meeting(user, meeting),
        "may_reopen_meetings": permissions.may_reopen_meetings(user),
        "can_reopen_meeting": permissions.can_reopen_meeting(user, meeting),
        "has_voting_seat": permissions.has_voting_seat(user, meeting, membership),
        "can_vote": permissions.can_vote(user, meeting, membership),
        "has_resolution_seat": permissions.has_resolution_seat(user, meeting, membership),
        "can_record_resolution": permissions.can_record_resolution(user, meeting, membership),
        "can_place_on_agenda": permissions.can_place_on_agenda(user, meeting=meeting),
    }
    # bool(): a rule may answer with a truthy or falsy decision that carries its reason.
    return {rule: bool(answer) for rule, answer in answers.items()}


def test_pure_rules(world, state):
    for person, user in world.people.items():
        expected = {rule: allowed(PURE_RULES, rule, person, state) for rule in PURE_RULES}
        assert pure_answers(world, user) == expected, (person, state)


def test_a_seat_in_another_committee_counts_for_nothing(db):
    """A chair's membership of another committee gives no seat in this one."""
    first, second = World("I"), make_setup(members=1)
    chair = second.chair
    foreign = second.memberships[chair.pk]
    assert not permissions.has_voting_seat(chair, first.meeting, foreign)
    assert not permissions.can_vote(chair, first.meeting, foreign)
    assert not permissions.has_resolution_seat(chair, first.meeting, foreign)
    # Nor does somebody else's membership of this committee.
    borrowed = first.membership(first.people["chair"])
    assert not permissions.can_vote(chair, first.meeting, borrowed)
    assert not permissions.can_record_resolution(chair, first.meeting, borrowed)


# --- what each person can actually do -------------------------------------------------------


def _page(client, user, url):
    client.force_login(user)
    status = client.get(url).status_code
    assert status in (200, 403), (url, status)
    return status == 200


def view_meeting(world, user, client, monkeypatch):
    return _page(client, user, world.meeting.get_absolute_url())


def read_minutes(world, user, client, monkeypatch):
    # Who may read them; what they say is tests/committee/test_minutes.py (slow: it renders).
    monkeypatch.setattr("committee.views.render_minutes_pdf", lambda meeting: b"%PDF-1.7 minutes")
    return _page(client, user, reverse("committee:minutes", kwargs={"pk": world.meeting.pk}))


def edit_details(world, user, client, monkeypatch):
    services.update_meeting(meeting=world.meeting, actor=user, place="ห้องประชุมใหม่")


def change_agenda(world, user, client, monkeypatch):
    services.move_agenda_item(item=world.other, actor=user, direction="up")


def mark_attendance(world, user, client, monkeypatch):
    absent = world.setup.memberships[world.people["member"].pk]
    services.mark_attendance(meeting=world.meeting, actor=user, presence={absent.pk: "absent"})


def open_meeting(world, user, client, monkeypatch):
    services.open_meeting(meeting=world.meeting, actor=user)


def close_meeting(world, user, client, monkeypatch):
    if world.meeting.status != MeetingStatus.CLOSED:
        world.decide_everything()  # so that only the person and the state can stand in the way
    services.close_meeting(meeting=world.meeting, actor=user)


def reopen_meeting(world, user, client, monkeypatch):
    services.reopen_meeting(meeting=world.meeting, actor=user, reason="มติบันทึกผิดวาระ")


def vote(world, user, client, monkeypatch):
    services.cast_vote(item=world.item, actor=user, choice=VoteChoice.APPROVE)


def declare_conflict(world, user, client, monkeypatch):
    services.declare_conflict(item=world.item, actor=user, reason="เคยเป็นที่ปรึกษาโครงการ")


def record_resolution(world, user, client, monkeypatch):
    services.record_resolution(item=world.item, actor=user, outcome=Outcome.APPROVED)


def approve_all_as_recommended(world, user, client, monkeypatch):
    services.approve_as_recommended(meeting=world.meeting, actor=user, items=[world.other])


ACTIONS = {
    "view meeting": view_meeting,
    "read minutes": read_minutes,
    "edit details": edit_details,
    "change agenda": change_agenda,
    "mark attendance": mark_attendance,
    "open": open_meeting,
    "close": close_meeting,
    "reopen": reopen_meeting,
    "vote": vote,
    "declare conflict": declare_conflict,
    "record resolution": record_resolution,
    "approve all as recommended": approve_all_as_recommended,
}


class _Undo(Exception):
    pass


@contextmanager
def undone():
    """Run the block, then roll back everything it wrote, so that each person starts afresh."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def attempt(action, world, user, client, monkeypatch) -> bool:
    """Whether ``user`` may do ``action``: a page answers 200 or 403, a service acts or refuses
    with a CommitteeError (any other exception fails the test)."""
    outcome = None
    with undone():
        try:
            answer = ACTIONS[action](world, user, client, monkeypatch)
        except CommitteeError:
            outcome = False
        else:
            outcome = True if answer is None else answer
    return outcome


@pytest.mark.parametrize("action", list(SERVICE_RULES))
def test_what_each_person_can_do(world, state, action, client, monkeypatch):
    answers = {
        person: attempt(action, world, user, client, monkeypatch)
        for person, user in world.people.items()
    }
    expected = {person: allowed(SERVICE_RULES, action, person, state) for person in PEOPLE}
    wrong = [
        f"{person} {'could' if answers[person] else 'could not'}"
        for person in PEOPLE if answers[person] != expected[person]
    ]  # fmt: skip
    assert answers == expected, f"{action!r} in state {state}: " + ", ".join(wrong)


def test_every_action_has_a_row():
    assert set(ACTIONS) == set(SERVICE_RULES)


def test_a_refusal_changes_nothing_and_says_why(db):
    """The denials above are real: the refused vote, resolution and reopening leave no trace,
    and each person is told why in words."""
    world = World("I")
    member, conflicted, admin = (world.people[p] for p in ("member", "conflicted", "admin"))
    with pytest.raises(CommitteeError, match="conflict of interest"):
        services.cast_vote(item=world.item, actor=conflicted, choice=VoteChoice.APPROVE)
    with pytest.raises(CommitteeError, match="chair or the secretary"):
        services.record_resolution(item=world.item, actor=member, outcome=Outcome.APPROVED)
    with pytest.raises(CommitteeError, match="not closed"):
        services.reopen_meeting(meeting=world.meeting, actor=admin, reason="ทดสอบ")
    assert not world.item.votes.exists()
    assert not Resolution.objects.filter(agenda_item=world.item).exists()
    world.meeting.refresh_from_db()
    assert world.meeting.status == MeetingStatus.IN_PROGRESS
