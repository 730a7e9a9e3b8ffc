"""Reads of meetings: the list, the meeting board (page and live state), the minutes.

``get_meeting_board`` reads a whole meeting in a fixed number of queries, whatever the size of
its agenda; the meeting page, its live ``state.json`` and the minutes PDF all read it, so that
the screen and the file agree.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core import history
from core.audit_labels import HistoryRow
from core.formatting import format_baht
from directory.models import User
from directory.roles import Role
from proposals.fingerprints import meeting_hints
from proposals.models import PlanRound, Proposal, Stage
from proposals.workflow import TRANSITIONS, Action, Status
from screening.models import CriterionAssessment, ScreeningReview
from screening.selectors import get_recommended_amount

from . import permissions, rules
from .models import (
    AgendaItem,
    Attendance,
    ConflictDeclaration,
    DecisionMethod,
    InformationItem,
    Meeting,
    MeetingStatus,
    Membership,
    Outcome,
    Position,
    Resolution,
    Vote,
    VoteChoice,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The likely duplicates shown on an agenda item: the most similar first, chosen among at most
# DUPLICATES_SCORED candidates (proposals.duplicates.best_matches), so that a round where
# thousands of titles look alike cannot slow the meeting page down.
DUPLICATES_SHOWN = 5
DUPLICATES_SCORED = 200

# What ``_group_by_item`` groups: rows of an agenda item.
_Row = TypeVar("_Row", Vote, ConflictDeclaration)


def get_next_meeting_for(user: User) -> Meeting | None:
    """The meeting a committee member or secretary should open now: the earliest not closed."""
    meetings = Meeting.objects.exclude(status=MeetingStatus.CLOSED)
    if not user.is_superuser and not user.has_role(Role.SECRETARY):
        meetings = meetings.filter(committee__memberships__user=user)
    upcoming = meetings.order_by("date", "number")
    today = timezone.localdate()
    return upcoming.filter(date__gte=today).first() or upcoming.first()


def list_meetings_for(user: User) -> QuerySet[Meeting]:
    """Every meeting, newest first, with its number of agenda items and decisions."""
    if not permissions.can_view_meetings(user):
        return Meeting.objects.none()
    return (
        Meeting.objects.select_related("committee", "round")
        .annotate(
            item_count=Count("agenda_items", distinct=True),
            decided_count=Count("agenda_items__resolution", distinct=True),
        )
        .order_by("-date", "-number")
    )


def get_meeting_for(user: User, pk: int) -> Meeting:
    """The meeting, or 404 for a missing one and a forbidden one alike."""
    if not permissions.can_view_meetings(user):
        raise Http404
    try:
        return Meeting.objects.select_related(
            "committee", "round", "minute_taker", "minutes_reviewer"
        ).get(pk=pk)
    except Meeting.DoesNotExist:
        raise Http404 from None


def get_state_version_for(user: User, pk: int) -> int:
    """The version of the meeting's live state (``Meeting.state_version``), in one query by
    primary key, or 404 as ``get_meeting_for``: what a ``state.json`` poll reads first."""
    if not permissions.can_view_meetings(user):
        raise Http404
    version = Meeting.objects.filter(pk=pk).values_list("state_version", flat=True).first()
    if version is None:
        raise Http404
    return version


def get_agenda_item(meeting: Meeting, item_pk: int) -> AgendaItem:
    try:
        return AgendaItem.objects.select_related("proposal", "meeting").get(
            pk=item_pk, meeting=meeting
        )
    except AgendaItem.DoesNotExist:
        raise Http404 from None


def get_agenda_item_for(user: User, meeting_pk: int, item_pk: int) -> AgendaItem:
    """An agenda item with its meeting and proposal in one query (what a vote or a conflict
    declaration reads first), or 404 as ``get_meeting_for``."""
    if not permissions.can_view_meetings(user):
        raise Http404
    try:
        return AgendaItem.objects.select_related("proposal", "meeting").get(
            pk=item_pk, meeting_id=meeting_pk
        )
    except AgendaItem.DoesNotExist:
        raise Http404 from None


def list_information_items(meeting: Meeting) -> list[InformationItem]:
    """The meeting's items for information (agenda item 3), in order."""
    return list(meeting.information_items.order_by("order", "id"))


def get_information_item(meeting: Meeting, pk: int) -> InformationItem | None:
    """One of the meeting's items for information; None when it is not the meeting's."""
    return InformationItem.objects.filter(meeting=meeting, pk=pk).first()


def get_membership(user: User, committee_id: int) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(committee_id=committee_id, user_id=user.pk).first()


def open_meetings() -> QuerySet[Meeting]:
    """Meetings that can still take agenda items (not closed)."""
    return Meeting.objects.exclude(status=MeetingStatus.CLOSED)


def list_open_meetings(plan_round: PlanRound | None = None) -> list[Meeting]:
    """Meetings that can still take agenda items (not closed), soonest first."""
    meetings = open_meetings().select_related("committee", "round")
    if plan_round is not None:
        meetings = meetings.filter(round=plan_round)
    return list(meetings.order_by("date", "number"))


def list_agenda_candidates(meeting: Meeting) -> QuerySet[Proposal]:
    """Proposals of the meeting's round that the secretary may add to its agenda."""
    on_open_agenda = AgendaItem.objects.exclude(meeting__status=MeetingStatus.CLOSED).values(
        "proposal_id"
    )
    return (
        Proposal.objects.filter(round_id=meeting.round_id)
        .filter(
            Q(status__in=TRANSITIONS[Action.PLACE_ON_AGENDA].sources)
            | (Q(status=Status.ON_AGENDA) & ~Q(pk__in=on_open_agenda))
        )
        .exclude(agenda_items__meeting=meeting)
        .select_related("agency", "stage")
        .order_by("stage__order", "agency__name_th", "code")
    )


# --- the meeting board -------------------------------------------------------------------


@dataclass
class MemberRow:
    membership: Membership
    presence: str | None  # "present", "absent" or None when not marked yet

    @property
    def user(self) -> User:
        return self.membership.user

    @property
    def present(self) -> bool:
        return self.presence == Attendance.Presence.PRESENT


@dataclass
class VoteRow:
    member: User
    choice: str
    amount: Decimal | None
    label: str


@dataclass
class ItemBoard:
    item: AgendaItem
    number: int
    review: ScreeningReview | None
    assessments: list[CriterionAssessment]
    votes: list[VoteRow]
    tally: rules.Tally
    conflicts: list[ConflictDeclaration]
    quorum: rules.Quorum
    proposed: rules.ProposedResolution | None
    resolution: Resolution | None
    my_vote: Vote | None
    my_conflict: ConflictDeclaration | None
    recommended_amount: Decimal
    duplicates: list["DuplicateWarning"] = field(default_factory=list)
    # The undecided item to take after this one (the first one after it, else before it).
    next_undecided: "ItemBoard | None" = None

    @property
    def proposal(self) -> Proposal:
        return self.item.proposal

    @property
    def decided(self) -> bool:
        return self.resolution is not None

    @property
    def anchor(self) -> str:
        return f"item-{self.item.pk}"

    @property
    def by_consensus(self) -> bool:
        """Decided without objection: nobody voted, so the minutes print no vote count."""
        return self.resolution is not None and self.resolution.method == DecisionMethod.CONSENSUS

    @property
    def members_present(self) -> int:
        """Voting members present for the item: as recorded with its resolution, else now."""
        if self.resolution is not None and self.resolution.members_present is not None:
            return self.resolution.members_present
        return self.quorum.present

    @property
    def dissent(self) -> list[VoteRow]:
        """Votes against the recorded resolution, named in the minutes."""
        if self.resolution is None or self.resolution.outcome == Outcome.DEFERRED:
            return []
        approving = self.resolution.outcome in ("approved", "approved_reduced")
        return [
            v for v in self.votes
            if (v.choice == VoteChoice.REJECT) == approving and v.choice != VoteChoice.ABSTAIN
        ]  # fmt: skip

    def voters(self, choice: str) -> list[VoteRow]:
        return [v for v in self.votes if v.choice == choice]

    @property
    def voters_by_choice(self) -> list[tuple[str, "StrOrPromise", int, list[VoteRow]]]:
        counts = {
            VoteChoice.APPROVE: self.tally.approve,
            VoteChoice.APPROVE_REDUCED: self.tally.approve_reduced,
            VoteChoice.REJECT: self.tally.reject,
            VoteChoice.ABSTAIN: self.tally.abstain,
        }
        return [(c.value, c.label, counts[c], self.voters(c)) for c in VoteChoice]

    @property
    def quorum_text(self) -> str:
        return describe_quorum(self.quorum)

    @property
    def proposed_text(self) -> str:
        return describe_proposed(self.proposed)

    @property
    def resolution_text(self) -> str:
        return _resolution_text(self.resolution)

    @property
    def my_vote_text(self) -> str:
        return describe_vote(self.my_vote)

    @property
    def initial_outcome(self) -> str:
        if self.resolution is not None:
            return self.resolution.outcome
        return self.proposed.outcome if self.proposed else ""

    @property
    def initial_amount(self) -> Decimal | None:
        if self.resolution is not None:
            return self.resolution.approved_amount
        if self.proposed is not None and self.proposed.amount is not None:
            return self.proposed.amount
        return self.recommended_amount


@dataclass
class StageGroup:
    stage: Stage | None
    items: list[ItemBoard]


@dataclass
class MeetingBoard:
    meeting: Meeting
    members: list[MemberRow]
    quorum: rules.Quorum
    items: list[ItemBoard]
    my_membership: Membership | None
    chair: Membership | None

    @property
    def groups(self) -> list[StageGroup]:
        groups: list[StageGroup] = []
        for board in self.items:
            stage = board.proposal.stage
            if not groups or groups[-1].stage != stage:
                groups.append(StageGroup(stage, []))
            groups[-1].items.append(board)
        return groups

    @property
    def quorum_text(self) -> str:
        return describe_quorum(self.quorum)

    @property
    def voting_members(self) -> list[MemberRow]:
        return [m for m in self.members if m.membership.is_voting]

    @property
    def present(self) -> list[MemberRow]:
        return [m for m in self.members if m.present]

    @property
    def absent(self) -> list[MemberRow]:
        """Marked absent, or a voting member not marked present (the non-voting secretary
        counts as absent only when marked so)."""
        return [
            m
            for m in self.members
            if m.presence == Attendance.Presence.ABSENT
            or (m.membership.is_voting and not m.present)
        ]

    @property
    def undecided(self) -> list[ItemBoard]:
        return [b for b in self.items if not b.decided]

    @property
    def next_undecided(self) -> ItemBoard | None:
        """The first item in agenda order without a resolution (the "next item" link)."""
        return next((b for b in self.items if not b.decided), None)

    @property
    def decided_count(self) -> int:
        return sum(1 for b in self.items if b.decided)

    @property
    def totals(self) -> dict[str, Decimal | int]:
        """Requested and approved sums over the agenda, from one place."""
        requested = sum((b.proposal.requested_amount for b in self.items), Decimal("0.00"))
        approved = sum(
            (b.resolution.approved_amount or Decimal("0.00") for b in self.items if b.resolution),
            Decimal("0.00"),
        )
        return {
            "requested": requested,
            "approved": approved,
            "approved_count": sum(
                1 for b in self.items if b.resolution and b.resolution.approved_amount is not None
            ),
        }


def _stage_sort_key(item: AgendaItem) -> tuple[bool, int, int, int]:
    stage = item.proposal.stage
    return (stage is None, stage.order if stage else 0, item.order, item.pk)


@dataclass(frozen=True)
class DuplicateWarning:
    proposal: Proposal
    percent: int


class DuplicateWarnings(list[DuplicateWarning]):
    """An agenda item's likely duplicates, best first; ``more``: others may look alike too."""

    def __init__(self, warnings: Iterable[DuplicateWarning] = (), *, more: bool = False) -> None:
        super().__init__(warnings)
        self.more = more


@dataclass
class _People:
    """Who sits on the meeting's committee, and who of them is present."""

    members: list[MemberRow]
    voting_ids: set[int]
    present_ids: set[int]
    chair: Membership | None
    my_membership: Membership | None
    # The vote choices' labels, translated once per board (not once per vote).
    labels: dict[str, str] = field(default_factory=dict)


def get_meeting_board(
    meeting: Meeting, user: User | None = None, *, with_duplicates: bool = False
) -> MeetingBoard:
    """Everything the meeting page shows, in seven queries whatever the agenda's length
    (three more with ``with_duplicates``: the stored duplicate hints, see
    ``_duplicates_by_proposal``; two more again when a change in the round made them stale)."""
    people = _read_people(meeting, user)
    items = _read_agenda(meeting)
    votes_by_item = _group_by_item(
        Vote.objects.filter(agenda_item__meeting=meeting)
        .select_related("member")
        .order_by("cast_at", "id")
    )
    conflicts_by_item = _group_by_item(
        ConflictDeclaration.objects.filter(agenda_item__meeting=meeting).select_related("member")
    )
    reviews = _latest_reviews([i.proposal_id for i in items])
    assessments = _assessments([r.pk for r in reviews.values()])
    duplicates = (
        _duplicates_by_proposal(meeting.round, [item.proposal for item in items])
        if with_duplicates and items
        else {}
    )
    boards = []
    for number, item in enumerate(items, start=1):
        review = reviews.get(item.proposal_id)
        boards.append(
            _item_board(
                item=item,
                number=number,
                people=people,
                user=user,
                votes=votes_by_item[item.pk],
                conflicts=conflicts_by_item[item.pk],
                review=review,
                assessments=assessments.get(review.pk, []) if review else [],
                duplicates=duplicates.get(item.proposal_id, []),
            )
        )
    _link_next_undecided(boards)
    return MeetingBoard(
        meeting=meeting,
        members=people.members,
        quorum=rules.Quorum(
            present=len(people.voting_ids & people.present_ids), members=len(people.voting_ids)
        ),
        items=boards,
        my_membership=people.my_membership,
        chair=people.chair,
    )


def _read_people(meeting: Meeting, user: User | None) -> _People:
    """The committee's members with their presence at the meeting (two queries)."""
    memberships = list(
        Membership.objects.filter(committee_id=meeting.committee_id)
        .select_related("user")
        .order_by("order", "id")
    )
    presence = dict(
        Attendance.objects.filter(meeting=meeting).values_list("membership_id", "presence")
    )
    members = [MemberRow(m, presence.get(m.pk)) for m in memberships]
    return _People(
        members=members,
        voting_ids={m.user_id for m in memberships if m.is_voting},
        present_ids={r.membership.user_id for r in members if r.present},
        chair=next((m for m in memberships if m.position == Position.CHAIR), None),
        my_membership=next((m for m in memberships if user and m.user_id == user.pk), None),
        labels={choice: str(label) for choice, label in VoteChoice.choices},
    )


def _read_agenda(meeting: Meeting) -> list[AgendaItem]:
    """The agenda items in the order the meeting takes them (by stage, then their order)."""
    items = list(
        AgendaItem.objects.filter(meeting=meeting).select_related(
            "proposal__agency", "proposal__stage", "resolution__recorded_by"
        )
    )
    items.sort(key=_stage_sort_key)
    return items


def _group_by_item(rows: Iterable[_Row]) -> defaultdict[int, list[_Row]]:
    by_item: defaultdict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        by_item[row.agenda_item_id].append(row)
    return by_item


def _item_board(
    *, item: AgendaItem, number: int, people: _People, user: User | None, votes: list[Vote],
    conflicts: list[ConflictDeclaration], review: ScreeningReview | None,
    assessments: list[CriterionAssessment], duplicates: list[DuplicateWarning],
) -> ItemBoard:  # fmt: skip
    """One agenda item's board from what ``get_meeting_board`` read (no query)."""
    cast = [rules.CastVote(v.member_id, v.choice, v.amount) for v in votes]
    return ItemBoard(
        item=item,
        number=number,
        review=review,
        assessments=assessments,
        votes=[VoteRow(v.member, v.choice, v.amount, people.labels[v.choice]) for v in votes],
        tally=rules.Tally.of(cast),
        conflicts=conflicts,
        quorum=rules.item_quorum(
            voting_ids=people.voting_ids,
            present_ids=people.present_ids,
            conflicted_ids={c.member_id for c in conflicts},
        ),
        proposed=rules.propose_resolution(
            votes=cast,
            requested=item.proposal.requested_amount,
            chair_id=people.chair.user_id if people.chair else None,
        ),
        resolution=getattr(item, "resolution", None),
        my_vote=next((v for v in votes if user and v.member_id == user.pk), None),
        my_conflict=next((c for c in conflicts if user and c.member_id == user.pk), None),
        recommended_amount=get_recommended_amount(item.proposal, latest_review=review),
        duplicates=duplicates,
    )


def _link_next_undecided(boards: list[ItemBoard]) -> None:
    """Each board's next undecided item: the first one after it, else the first one before."""
    first_undecided = next((b for b in boards if not b.decided), None)
    following = None
    for board in reversed(boards):
        board.next_undecided = following or (None if first_undecided is board else first_undecided)
        if not board.decided:
            following = board


def _duplicates_by_proposal(
    plan_round: PlanRound, proposals: list[Proposal]
) -> dict[int, DuplicateWarnings]:
    """Each agenda proposal's likely duplicates from other agencies in the round (screening's
    trigram similarity), best first, from the hints stored with the proposals' fingerprints
    (``proposals.fingerprints.meeting_hints``): three queries by key whatever the round's size;
    only hints made stale by a change in the round are searched again."""
    found = meeting_hints(plan_round, proposals, limit=DUPLICATES_SHOWN, budget=DUPLICATES_SCORED)
    return {
        pk: DuplicateWarnings(
            [DuplicateWarning(other, round(score * 100)) for other, score in similar.matches],
            more=similar.more,
        )
        for pk, similar in found.items()
    }


def _latest_reviews(proposal_ids: list[int]) -> dict[int, ScreeningReview]:
    """The latest screening review of each proposal (one query)."""
    latest: dict[int, ScreeningReview] = {}
    for review in (
        ScreeningReview.objects.filter(proposal_id__in=proposal_ids)
        .select_related("screener")
        .order_by("proposal_id", "-created_at", "-id")
    ):
        latest.setdefault(review.proposal_id, review)
    return latest


def _assessments(review_ids: list[int]) -> defaultdict[int, list[CriterionAssessment]]:
    by_review: defaultdict[int, list[CriterionAssessment]] = defaultdict(list)
    for assessment in CriterionAssessment.objects.filter(review_id__in=review_ids).select_related(
        "criterion"
    ):
        by_review[assessment.review_id].append(assessment)
    return by_review


def describe_quorum(quorum: rules.Quorum) -> str:
    counts = _("%(present)s of %(members)s voting members present (%(needed)s needed)") % {
        "present": quorum.present,
        "members": quorum.members,
        "needed": quorum.needed,
    }
    verdict = _("quorum") if quorum.met else _("no quorum")
    return f"{counts}: {verdict}"


def describe_proposed(proposed: rules.ProposedResolution | None) -> str:
    if proposed is None:
        return _("No votes cast yet.")
    text = str(Outcome(proposed.outcome).label)
    if proposed.amount is not None:
        text += " " + _("%(amount)s baht") % {"amount": format_baht(proposed.amount)}
    if proposed.tie_broken_by_chair:
        text += " " + _("(a tie, decided by the chair's vote)")
    elif proposed.outcome == Outcome.DEFERRED:
        text += " " + _("(a tie the chair's vote did not break)")
    return text


def describe_vote(vote: Vote | None) -> str:
    if vote is None:
        return _("You have not voted on this item.")
    text = str(vote.get_choice_display())
    if vote.amount is not None:
        text += " " + _("%(amount)s baht") % {"amount": format_baht(vote.amount)}
    return text


def board_state(board: MeetingBoard, user: User) -> dict[str, Any]:
    """The live part of the board as JSON-ready data, for ``state.json``."""
    return {
        "meeting": board.meeting.pk,
        "status": board.meeting.status,
        "status_label": str(board.meeting.get_status_display()),
        "quorum": _quorum_json(board.quorum),
        "present": [str(r.user) for r in board.present],
        "items": [
            {
                "id": b.item.pk,
                "tally": {
                    "approve": b.tally.approve,
                    "approve_reduced": b.tally.approve_reduced,
                    "reject": b.tally.reject,
                    "abstain": b.tally.abstain,
                    "cast": b.tally.cast,
                },
                "voters": {
                    choice: [str(v.member) for v in b.voters(choice)]
                    for choice in VoteChoice.values
                },
                "conflicts": [str(c.member) for c in b.conflicts],
                "quorum": _quorum_json(b.quorum),
                "proposed": _proposed_json(b.proposed),
                "proposed_text": b.proposed_text,
                "decided": b.decided,
                "resolution_text": _resolution_text(b.resolution),
                "resolution": (
                    {
                        "outcome": b.resolution.outcome,
                        "label": str(b.resolution.get_outcome_display()),
                        "amount": _money(b.resolution.approved_amount),
                    }
                    if b.resolution
                    else None
                ),
                "my_vote": (
                    {"choice": b.my_vote.choice, "amount": _money(b.my_vote.amount)}
                    if b.my_vote
                    else None
                ),  # fmt: skip
                "my_vote_text": b.my_vote_text,
            }
            for b in board.items
        ],
    }


def _quorum_json(quorum: rules.Quorum) -> dict[str, Any]:
    return {"present": quorum.present, "members": quorum.members, "needed": quorum.needed,
            "met": quorum.met, "text": describe_quorum(quorum)}  # fmt: skip


def _proposed_json(proposed: rules.ProposedResolution | None) -> dict[str, Any] | None:
    if proposed is None:
        return None
    return {
        "outcome": proposed.outcome,
        "label": str(Outcome(proposed.outcome).label),
        "amount": _money(proposed.amount),
        "tie_broken_by_chair": proposed.tie_broken_by_chair,
        "text": describe_proposed(proposed),
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format_baht(value)


def _resolution_text(resolution: Resolution | None) -> str:
    if resolution is None:
        return _("Not decided yet.")
    text = str(resolution.get_outcome_display())
    if resolution.approved_amount is not None:
        text += " " + _("%(amount)s baht") % {"amount": format_baht(resolution.approved_amount)}
    return text


def list_meeting_history(meeting: Meeting) -> list[HistoryRow]:
    """The audit events of the meeting, its agenda items, votes, conflicts and resolutions, and
    the status changes its resolutions made, oldest first (four queries, however long)."""
    items = list(AgendaItem.objects.filter(meeting=meeting).values_list("pk", "proposal_id"))
    item_ids = [pk for pk, _proposal in items]
    resolution_ids = list(
        Resolution.objects.filter(agenda_item_id__in=item_ids).values_list("pk", flat=True)
    )
    about_its_items = Q(extra__item__in=item_ids) | Q(extra__resolution__in=resolution_ids)
    # Events name the meeting by its pk (``extra["meeting"]``, as ``services.place_on_agenda``
    # writes it); events written before that may name it by its number label: both are read.
    about_its_items |= Q(extra__meeting=meeting.pk) | Q(extra__meeting=meeting.number_label)
    on_agenda = history.about_any(Proposal, [proposal for _pk, proposal in items])
    return history.list_history(history.about(meeting) | (on_agenda & about_its_items))
