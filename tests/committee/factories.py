"""Committee test data: a committee with its chair and members, a meeting, its agenda."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from committee.models import AgendaItem, Attendance, Committee, Meeting, Membership, Position
from directory.roles import Role
from proposals.workflow import Status
from tests.factories import make_proposal, make_round, make_user


@dataclass
class Setup:
    committee: Committee
    chair: object
    members: list  # voting members other than the chair
    secretary: object
    meeting: Meeting
    memberships: dict = field(default_factory=dict)  # user pk → Membership

    @property
    def voters(self) -> list:
        return [self.chair, *self.members]


def make_committee(*, members=4, secretary=None):
    """A committee: a chair, ``members`` voting members and a non-voting secretary."""
    committee = Committee.objects.create(name_th="คณะกรรมการทดสอบ", name_en="Test committee")
    chair = make_user(Role.COMMITTEE, first_name="ประธาน", last_name="ทดสอบ")
    voters = [
        make_user(Role.COMMITTEE, first_name=f"กรรมการ{i}", last_name="ทดสอบ")
        for i in range(1, members + 1)
    ]
    secretary = secretary or make_user(Role.SECRETARY, first_name="เลขา", last_name="ทดสอบ")
    memberships = {}
    memberships[chair.pk] = Membership.objects.create(
        committee=committee, user=chair, position=Position.CHAIR, order=0
    )
    for i, user in enumerate(voters, start=1):
        position = Position.VICE_CHAIR if i == 1 else Position.MEMBER
        memberships[user.pk] = Membership.objects.create(
            committee=committee, user=user, position=position, order=i
        )
    memberships[secretary.pk] = Membership.objects.create(
        committee=committee, user=secretary, position=Position.SECRETARY, order=99
    )
    return committee, chair, voters, secretary, memberships


def make_setup(*, members=4, secretary=None, plan_round=None) -> Setup:
    committee, chair, voters, secretary, memberships = make_committee(
        members=members, secretary=secretary
    )
    plan_round = plan_round or make_round(open_now=False)
    meeting = Meeting.objects.create(
        committee=committee, round=plan_round, number=1, year_be=2567,
        date=datetime.date(2024, 1, 31), start_time=datetime.time(9, 30),
        place="ห้องประชุมทำเนียบรัฐบาล", minute_taker=secretary,
    )  # fmt: skip
    return Setup(committee, chair, voters, secretary, meeting, memberships)


def add_item(setup: Setup, *, requested=Decimal("1000000.00"), recommended=None, **kwargs):
    proposal = make_proposal(
        plan_round=setup.meeting.round, status=Status.ON_AGENDA, requested=requested,
        recommended_amount=recommended, **kwargs,
    )  # fmt: skip
    order = setup.meeting.agenda_items.count() + 1
    return AgendaItem.objects.create(meeting=setup.meeting, proposal=proposal, order=order)


def mark_present(setup: Setup, users, *, absent=()):
    for user in users:
        Attendance.objects.update_or_create(
            meeting=setup.meeting, membership=setup.memberships[user.pk],
            defaults={"presence": Attendance.Presence.PRESENT},
        )  # fmt: skip
    for user in absent:
        Attendance.objects.update_or_create(
            meeting=setup.meeting, membership=setup.memberships[user.pk],
            defaults={"presence": Attendance.Presence.ABSENT},
        )  # fmt: skip
