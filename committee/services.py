"""Every write to a meeting, its attendance, agenda, conflicts, votes and resolutions.

Locking order, the same in every service so that two writers never deadlock: the meeting row,
then agenda items, then memberships, then proposals. A vote holds its meeting and item rows in
share mode, so that votes run side by side while a vote and the closing of the meeting (or the
recording of a resolution, a conflict, attendance) never interleave; one member's votes are
serialised on their membership row.
"""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event
from core.errors import DomainError
from core.formatting import format_baht
from directory.models import User
from directory.roles import Role
from proposals.models import BudgetLine, PlanRound, Proposal
from proposals.services import ProposalError, apply_transition
from proposals.workflow import Action, Status
from screening.selectors import get_recommended_amount

from . import frame, permissions, rules
from .models import (
    AgendaItem,
    Attendance,
    Committee,
    ConflictDeclaration,
    DecisionMethod,
    InformationItem,
    Meeting,
    MeetingStatus,
    Membership,
    Outcome,
    Resolution,
    Vote,
    VoteChoice,
)
from .signals import resolutions_applied

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _VoteChecks(TypedDict):
    """What ``_read_item_for_vote`` annotates on the agenda item."""

    decided: bool
    conflicted: bool
    present: bool
    vote_id: int | None
    vote_choice: str | None
    vote_amount: Decimal | None
    vote_cast_at: datetime.datetime | None


# The proposal action that makes each resolution take effect.
OUTCOME_ACTIONS: dict[str, Action] = {
    Outcome.APPROVED: Action.APPROVE,
    Outcome.APPROVED_REDUCED: Action.APPROVE_REDUCED,
    Outcome.REJECTED: Action.REJECT,
    Outcome.DEFERRED: Action.DEFER,
}


class CommitteeError(DomainError):
    """A committee rule refused the change; the message is meant for the user.

    ``field`` names the input the message is about (``amount``, ``reason`` ...), ``None`` when
    it is about the whole request; a view with a form attaches it to that field.
    """


class OverFrame(CommitteeError):
    """The resolution would take a fiscal year over the round's budget frame: the committee
    may still decide it, saying so (``accept_over_frame``) with a reason."""

    def __init__(self, excess: dict[int, Decimal]) -> None:
        self.excess = excess
        years = ", ".join(
            _("FY %(year)s by %(amount)s baht") % {"year": year, "amount": format_baht(amount)}
            for year, amount in sorted(excess.items())
        )
        super().__init__(
            _(
                "This resolution would exceed the budget frame: %(years)s. The committee may "
                "still decide it: tick “record it over the frame” and give the reason, which "
                "goes into the minutes."
            )
            % {"years": years},
            field="over_frame",
        )


# --- helpers -----------------------------------------------------------------------------


def _lock_meeting(pk: int) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("committee", "round")
        .get(pk=pk)
    )


def _lock_item(pk: int) -> AgendaItem:
    return AgendaItem.objects.select_for_update(of=("self",)).select_related("proposal").get(pk=pk)


def _lock_for_vote(item_pk: int, actor: User) -> Membership | None:
    """What a vote locks, in one statement, on PostgreSQL: its meeting FOR KEY SHARE and its
    item FOR SHARE (votes run side by side; closing the meeting, a resolution or a conflict,
    FOR UPDATE, waits for them, and they for it), and the voter's membership FOR UPDATE (one
    member's votes are taken one at a time: a vote sent twice at once is stored once). Returns
    that membership, None for a non-member (nothing locked: the vote is refused). Other
    databases serialise writers anyway: the membership is read without a lock.

    PostgreSQL locks a join's rows in the order of its FROM list: the meeting, the item, the
    membership, the order of every service (the other order deadlocked a vote against a
    resolution taken at the same moment). KEY SHARE, not SHARE, on the meeting: it does not
    wait for the UPDATE of the live state's version (``_bump_state``) that every vote makes."""
    if connection.vendor != "postgresql":
        return Membership.objects.filter(
            committee__meetings__agenda_items=item_pk, user_id=actor.pk
        ).first()
    membership = Membership.objects.raw(
        "SELECT member.* FROM committee_meeting meeting"
        " JOIN committee_agendaitem item ON item.meeting_id = meeting.id"
        " JOIN committee_membership member ON member.committee_id = meeting.committee_id"
        " WHERE item.id = %s AND member.user_id = %s"
        " FOR KEY SHARE OF meeting FOR SHARE OF item FOR UPDATE OF member",
        [item_pk, actor.pk],
    )
    return next(iter(membership), None)


def _bump_state(meeting_id: int) -> None:
    """The meeting's live state changed: its version goes up in the caller's transaction, so
    that a ``state.json`` poll with the previous version as ``If-None-Match`` gets the new
    state. Called just before the change's audit event, after the meeting's lock: a vote holds
    its meeting FOR KEY SHARE, which this UPDATE does not wait for, so votes run side by side
    up to here and queue on this row only for their last two statements."""
    Meeting.objects.filter(pk=meeting_id).update(state_version=F("state_version") + 1)


def _lock_items(**filters: Any) -> list[AgendaItem]:
    """The agenda items matching ``filters``, locked, in agenda order, with their proposals."""
    return list(
        AgendaItem.objects.select_for_update(of=("self",))
        .filter(**filters)
        .select_related("proposal")
        .order_by("order", "id")
    )


def _membership(meeting: Meeting, user: User) -> Membership | None:
    return Membership.objects.filter(committee_id=meeting.committee_id, user_id=user.pk).first()


def _refuse_if_closed(meeting: Meeting) -> None:
    if meeting.is_closed:
        raise CommitteeError(
            _("Meeting %(number)s is closed; nothing in it can be changed.")
            % {"number": meeting.number_label}
        )


def _require_secretary(actor: User, meeting: Meeting) -> None:
    _refuse_if_closed(meeting)
    if not permissions.can_manage_meeting(actor, meeting):
        raise CommitteeError(_("Only the committee secretary may do this."))


def _voting_ids(meeting: Meeting) -> set[int]:
    return {
        m.user_id
        for m in Membership.objects.filter(committee_id=meeting.committee_id)
        if m.is_voting
    }


def _present_ids(meeting: Meeting) -> set[int]:
    return set(
        Attendance.objects.filter(
            meeting=meeting, presence=Attendance.Presence.PRESENT
        ).values_list("membership__user_id", flat=True)
    )


def get_item_quorum(item: AgendaItem) -> rules.Quorum:
    """The quorum for one agenda item, read from the database."""
    meeting = item.meeting
    return rules.item_quorum(
        voting_ids=_voting_ids(meeting),
        present_ids=_present_ids(meeting),
        conflicted_ids=set(item.conflicts.values_list("member_id", flat=True)),
    )


def get_proposed_resolution(item: AgendaItem) -> rules.ProposedResolution | None:
    """The resolution the item's votes call for (see ``rules.propose_resolution``)."""
    chair = Membership.objects.filter(
        committee_id=item.meeting.committee_id, position="chair"
    ).first()
    votes = [rules.CastVote(v.member_id, v.choice, v.amount) for v in item.votes.all()]
    return rules.propose_resolution(
        votes=votes,
        requested=item.proposal.requested_amount,
        chair_id=chair.user_id if chair else None,
    )


# --- meetings ----------------------------------------------------------------------------


def create_meeting(
    *, actor: User, committee: Committee, plan_round: PlanRound, number: int, year_be: int,
    date: datetime.date, start_time: datetime.time | None = None, place: str = "",
    others_attending: str = "", minute_taker: User | None = None,
) -> Meeting:  # fmt: skip
    """Create a scheduled meeting ``number/year_be`` of ``committee`` for ``plan_round``.

    Raises ``CommitteeError`` unless the actor is the secretary, or when that number is taken.
    """
    if not permissions.can_create_meeting(actor):
        raise CommitteeError(_("Only the committee secretary may create meetings."))
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                committee=committee, round=plan_round, number=number, year_be=year_be,
                date=date, start_time=start_time, place=place,
                others_attending=others_attending, minute_taker=minute_taker or actor,
            )  # fmt: skip
            record_event(
                "meeting.created", actor=actor, target=meeting,
                extra={"number": meeting.number_label, "date": date.isoformat(), "place": place},
            )  # fmt: skip
    except IntegrityError:
        raise CommitteeError(
            _("Meeting %(number)s/%(year)s of this committee already exists.")
            % {"number": number, "year": year_be},
            field="number",
        ) from None
    return meeting


MEETING_DETAIL_FIELDS = (
    "date", "start_time", "end_time", "place", "others_attending", "minute_taker",
    "minutes_reviewer", "chair_announcements", "minutes_certification", "matters_arising",
    "other_matters",
)  # fmt: skip


def update_meeting(*, meeting: Meeting, actor: User, **changes: Any) -> Meeting:
    """Change the meeting's date, scheduled times, place, others attending, minute-taker and
    reviewer, or the fixed parts of its agenda (ระเบียบวาระที่ 1, 2, 3, 5).

    Raises ``CommitteeError`` when the meeting is closed, the actor is not the secretary, or
    the meeting would end before it starts (``field="end_time"``).
    """
    unknown = set(changes) - set(MEETING_DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not meeting details: {sorted(unknown)}")
    with transaction.atomic():
        meeting = _lock_meeting(meeting.pk)
        _require_secretary(actor, meeting)
        start = changes.get("start_time", meeting.start_time)
        end = changes.get("end_time", meeting.end_time)
        if start and end and end < start:
            raise CommitteeError(_("The meeting cannot end before it starts."), field="end_time")
        changed = {k: v for k, v in changes.items() if getattr(meeting, k) != v}
        for field, value in changed.items():
            setattr(meeting, field, value)
        if changed:
            meeting.save(update_fields=list(changed))
            record_event(
                "meeting.updated", actor=actor, target=meeting,
                extra={k: str(v) for k, v in changed.items()},
            )  # fmt: skip
    return meeting


def open_meeting(*, meeting: Meeting, actor: User) -> Meeting:
    """The secretary opens the meeting: it is in progress from now, and ``opened_at`` keeps the
    real time (the minutes' เริ่มประชุมเวลา; ``start_time`` stays the scheduled one).

    Opening a meeting already in progress changes nothing. Raises ``CommitteeError`` when the
    meeting is closed or the actor is not the secretary.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting.pk)
        _require_secretary(actor, meeting)
        if meeting.status == MeetingStatus.IN_PROGRESS:
            return meeting
        meeting.status = MeetingStatus.IN_PROGRESS
        meeting.opened_at = timezone.now()
        meeting.save(update_fields=["status", "opened_at"])
        _bump_state(meeting.pk)
        record_event(
            "meeting.opened", actor=actor, target=meeting,
            extra={"opened_at": meeting.opened_at.isoformat()},
        )  # fmt: skip
    return meeting


def mark_attendance(*, meeting: Meeting, actor: User, presence: dict[int, str]) -> Meeting:
    """Record who is present: ``presence`` maps membership ids to ``present``/``absent``.

    Raises ``CommitteeError`` when the meeting is closed, the actor is not the secretary, or a
    membership is not of this meeting's committee.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting.pk)
        _require_secretary(actor, meeting)
        memberships = {
            m.pk: m for m in Membership.objects.filter(committee_id=meeting.committee_id)
        }
        if set(presence) - set(memberships):
            raise CommitteeError(_("That person is not a member of this committee."))
        if set(presence.values()) - set(Attendance.Presence.values):
            raise CommitteeError(_("Choose present or absent."))
        existing = {a.membership_id: a for a in Attendance.objects.filter(meeting=meeting)}
        changed = {}
        for membership_id, value in presence.items():
            row = existing.get(membership_id)
            if row is None:
                Attendance.objects.create(
                    meeting=meeting, membership_id=membership_id, presence=value
                )
            elif row.presence != value:
                row.presence = value
                row.save(update_fields=["presence"])
            else:
                continue
            changed[str(memberships[membership_id].user_id)] = value
        if changed:
            _bump_state(meeting.pk)
            record_event(
                "attendance.marked", actor=actor, target=meeting, extra={"presence": changed}
            )
    return meeting


def close_meeting(*, meeting: Meeting, actor: User) -> Meeting:
    """Close and lock the meeting; every resolution takes effect on its proposal.

    Preconditions: the meeting was opened (``open_meeting``) and every agenda item has a
    resolution. Effects: each proposal moves through
    the workflow (``apply_transition``, which writes its timeline, audit event and tells the
    agency); approved amounts go onto the proposal and, split exactly in proportion, onto the
    budget lines of the round's fiscal year; the meeting is closed now (``closed_at``, never
    before ``opened_at``); an audit event ``meeting.closed``. Raises ``CommitteeError`` when the
    actor is not the secretary, the meeting is already closed or not opened yet, an item is
    undecided or a proposal cannot take the resolution.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting.pk)
        _require_secretary(actor, meeting)
        if meeting.status == MeetingStatus.SCHEDULED:
            raise CommitteeError(
                _("Meeting %(number)s has not been opened; open it before closing it.")
                % {"number": meeting.number_label}
            )
        items = _lock_items(meeting=meeting)
        resolutions = {
            r.agenda_item_id: r for r in Resolution.objects.filter(agenda_item__in=items)
        }
        undecided = [i.proposal.code for i in items if i.pk not in resolutions]
        if undecided:
            raise CommitteeError(
                _(
                    "These items have no resolution yet: %(codes)s. Record one for each (or defer "
                    "them) before closing."
                )
                % {"codes": ", ".join(undecided)}
            )
        for item in items:
            _apply_resolution(
                item=item, resolution=resolutions[item.pk], meeting=meeting, actor=actor
            )
        resolutions_applied.send(sender=Meeting, meeting=meeting, actor=actor)
        now = timezone.now()
        meeting.status = MeetingStatus.CLOSED
        # Never before it opened, even if this server's clock stepped back since.
        meeting.closed_at = max(now, meeting.opened_at) if meeting.opened_at else now
        fields = ["status", "closed_at"]
        if meeting.minute_taker_id is None:
            meeting.minute_taker = actor
            fields.append("minute_taker")
        meeting.save(update_fields=fields)
        _bump_state(meeting.pk)
        record_event(
            "meeting.closed", actor=actor, target=meeting,
            extra={"items": len(items), "number": meeting.number_label,
                   "closed_at": meeting.closed_at.isoformat()},
        )  # fmt: skip
    return meeting


def _apply_resolution(
    *, item: AgendaItem, resolution: Resolution, meeting: Meeting, actor: User
) -> None:
    proposal = Proposal.objects.select_for_update(of=("self",)).get(pk=item.proposal_id)
    action = OUTCOME_ACTIONS[resolution.outcome]
    # Reopened and closed again: the proposal already carries this resolution's status.
    already = proposal.status == resolution.outcome
    if not already:
        try:
            apply_transition(
                proposal=proposal, action=action, actor=actor, reason=resolution.reason,
                extra={"meeting": meeting.number_label, "resolution": resolution.pk},
            )  # fmt: skip
        except ProposalError as error:
            raise CommitteeError(
                _("%(code)s cannot take this resolution: %(error)s")
                % {"code": proposal.code, "error": error}
            ) from None
    amount = resolution.approved_amount
    lines = list(
        BudgetLine.objects.select_for_update(of=("self",))
        .filter(proposal=proposal, fiscal_year=proposal.round.fiscal_year)
        .order_by("category", "id")
    )
    if amount is not None:
        line_total = sum((line.amount for line in lines), Decimal("0.00"))
        if lines and amount > line_total:
            raise CommitteeError(
                _(
                    "%(code)s: the approved amount is more than its budget lines for the year "
                    "(%(total)s baht)."
                )
                % {"code": proposal.code, "total": format_baht(line_total)}
            )
        shares: Sequence[Decimal | None] = rules.split_largest_remainder(
            amount, [line.amount for line in lines]
        )
    else:
        shares = [None] * len(lines)
    for line, share in zip(lines, shares, strict=True):
        if line.approved_amount != share:
            line.approved_amount = share
            line.save(update_fields=["approved_amount"])
    if proposal.approved_amount != amount:
        proposal.approved_amount = amount
        proposal.save(update_fields=["approved_amount"])
        if already:
            record_event(
                "proposal.approved_amount_changed", actor=actor, target=proposal,
                extra={"meeting": meeting.number_label, "amount": amount},
            )  # fmt: skip


def reopen_meeting(*, meeting: Meeting, actor: User, reason: str) -> Meeting:
    """Reopen a closed meeting (admin only, with a reason kept in the audit log).

    Proposals keep the status their resolutions gave them; closing again re-applies the
    approved amounts. Raises ``CommitteeError`` when the actor is not an admin, the meeting is
    not closed, or the reason is blank.
    """
    with transaction.atomic():
        meeting = _lock_meeting(meeting.pk)
        if not permissions.can_reopen_meeting(actor, meeting):
            if not meeting.is_closed:
                raise CommitteeError(_("This meeting is not closed."))
            raise CommitteeError(_("Only a system administrator may reopen a closed meeting."))
        if not reason.strip():
            raise CommitteeError(_("Give the reason for reopening the meeting."))
        meeting.status = MeetingStatus.IN_PROGRESS
        meeting.closed_at = None
        meeting.save(update_fields=["status", "closed_at"])
        _bump_state(meeting.pk)
        record_event(
            "meeting.reopened", actor=actor, target=meeting, extra={"reason": reason.strip()}
        )
    return meeting


# --- agenda ------------------------------------------------------------------------------


class AgendaOrder(StrEnum):
    """Where ``place_on_agenda`` puts new items."""

    # The whole agenda renumbered upstream → midstream → downstream (items already there keep
    # their order within their stage, new ones follow them): the screeners' inbox.
    STAGE = "stage"
    # After the existing items, in the order of the proposals' ids: the secretary's page, whose
    # own ordering buttons follow.
    END = "end"


def _stage_order(proposal: Proposal) -> int:
    return proposal.stage.order if proposal.stage is not None else 10_000


def place_on_agenda(
    *, meeting_id: int, proposal_ids: Iterable[int], actor: User, order: str = AgendaOrder.END
) -> list[AgendaItem]:
    """Put proposals of the meeting's round on its agenda: the one writer of agenda items.

    Preconditions: the actor may place proposals on an agenda (the workflow table's roles for
    PLACE_ON_AGENDA: screeners, the secretary, administrators); the meeting is not closed;
    every proposal belongs to the meeting's round, is not already on that agenda, and is
    FORWARDED or DEFERRED (a proposal left ON_AGENDA on no open agenda goes on as it is). All
    or nothing.

    Effects: one ``AgendaItem`` per proposal, placed by ``order`` (see ``AgendaOrder``); each
    forwarded or deferred proposal moves to ON_AGENDA (timeline, audit ``proposal.on_agenda``,
    the agency told); one audit ``agenda.added`` per item on the meeting. Every event names
    the meeting as ``extra["meeting"] = meeting.pk`` (older events, written by the screening
    app as ``screening.placed_on_agenda`` or with the meeting's number label, are still read by
    ``selectors.list_meeting_history``). Returns the new items. Raises ``CommitteeError``.
    """
    order = AgendaOrder(order)  # ValueError for anything else
    decision = permissions.can_place_on_agenda(actor)
    if not decision:
        raise CommitteeError(decision.reason)
    ids = sorted({int(pk) for pk in proposal_ids})
    if not ids:
        raise CommitteeError(_("Select at least one proposal."))
    with transaction.atomic():
        meeting, existing, proposals = _lock_agenda_and_proposals(
            meeting_id=meeting_id, proposal_ids=ids, actor=actor
        )
        _check_may_place(meeting=meeting, existing=existing, proposals=proposals, actor=actor)
        new_items = _number_new_items(
            meeting=meeting, existing=existing, proposals=proposals, order=order
        )
        _bump_state(meeting.pk)
        for item in new_items:
            if item.proposal.status != Status.ON_AGENDA:
                apply_transition(
                    proposal=item.proposal, action=Action.PLACE_ON_AGENDA, actor=actor,
                    extra={"meeting": meeting.pk, "number": meeting.number_label,
                           "agenda_order": item.order},
                )  # fmt: skip
            record_event(
                "agenda.added", actor=actor, target=meeting,
                extra={"meeting": meeting.pk, "proposal": item.proposal.code, "item": item.pk,
                       "order": order},
            )  # fmt: skip
    return new_items


def _lock_agenda_and_proposals(
    *, meeting_id: int, proposal_ids: list[int], actor: User
) -> tuple[Meeting, list[AgendaItem], list[Proposal]]:
    """Lock the meeting, its agenda items (in order) and the proposals; ``CommitteeError``
    for a missing meeting or proposal, or a meeting the actor may not add to."""
    meeting = Meeting.objects.select_for_update(of=("self",)).filter(pk=meeting_id).first()
    if meeting is None:
        raise CommitteeError(_("Choose a meeting."))
    decision = permissions.can_place_on_agenda(actor, meeting=meeting)
    if not decision:
        raise CommitteeError(decision.reason)
    existing = list(
        AgendaItem.objects.select_for_update(of=("self",))
        .filter(meeting=meeting)
        .select_related("proposal__stage")
        .order_by("order", "id")
    )
    proposals = list(
        # Lock only the proposals: the stage join is an outer join PostgreSQL cannot lock.
        Proposal.objects.select_for_update(of=("self",))
        .filter(pk__in=proposal_ids)
        .select_related("stage")
        .order_by("pk")
    )
    if len(proposals) != len(proposal_ids):
        raise CommitteeError(_("Some of the selected proposals no longer exist."))
    return meeting, existing, proposals


def _check_may_place(
    *, meeting: Meeting, existing: list[AgendaItem], proposals: list[Proposal], actor: User
) -> None:
    """Each proposal: not on this agenda yet, of the meeting's round, and in a status (and not
    on another open agenda) that the workflow table lets the actor place."""
    already = {item.proposal_id for item in existing}
    on_open_agenda = set(
        AgendaItem.objects.filter(proposal_id__in=[p.pk for p in proposals])
        .exclude(meeting__status=MeetingStatus.CLOSED)
        .values_list("proposal_id", flat=True)
    )
    for proposal in proposals:
        if proposal.pk in already:
            raise CommitteeError(_("%(code)s is already on this agenda.") % {"code": proposal.code})
        if proposal.round_id != meeting.round_id:
            raise CommitteeError(
                _("%(code)s belongs to another round than this meeting.") % {"code": proposal.code}
            )
        decision = permissions.can_place_on_agenda(
            actor, proposal, on_open_agenda=proposal.pk in on_open_agenda
        )
        if not decision:
            raise CommitteeError(decision.reason)


def _number_new_items(
    *, meeting: Meeting, existing: list[AgendaItem], proposals: list[Proposal], order: AgendaOrder
) -> list[AgendaItem]:
    """Create the new items and renumber the agenda by ``order``; returns the new items."""
    if order == AgendaOrder.STAGE:
        new_items = [
            AgendaItem(meeting=meeting, proposal=p)
            for p in sorted(proposals, key=lambda p: (_stage_order(p), p.code))
        ]
        # A stable sort keeps the secretary's order within a stage and appends the new items.
        ordered = sorted(existing + new_items, key=lambda item: _stage_order(item.proposal))
    else:
        new_items = [AgendaItem(meeting=meeting, proposal=p) for p in proposals]
        ordered = existing + new_items
    moved = []
    for position, item in enumerate(ordered, start=1):
        if item.pk is not None and item.order != position:
            moved.append(item)
        item.order = position
    AgendaItem.objects.bulk_update(moved, ["order"])
    AgendaItem.objects.bulk_create(new_items)
    return new_items


def remove_from_agenda(*, item: AgendaItem, actor: User) -> None:
    """Take an undecided item off the agenda; its proposal goes back to ``forwarded``.

    Raises ``CommitteeError`` once votes or a resolution exist on it.
    """
    with transaction.atomic():
        meeting = _lock_meeting(item.meeting_id)
        _require_secretary(actor, meeting)
        item = _lock_item(item.pk)
        if Resolution.objects.filter(agenda_item=item).exists() or item.votes.exists():
            raise CommitteeError(
                _("%(code)s has votes or a resolution; it cannot leave the agenda.")
                % {"code": item.proposal.code}
            )
        proposal = Proposal.objects.select_for_update(of=("self",)).get(pk=item.proposal_id)
        if proposal.status == Status.ON_AGENDA:
            apply_transition(
                proposal=proposal, action=Action.REMOVE_FROM_AGENDA, actor=actor,
                extra={"meeting": meeting.number_label},
            )  # fmt: skip
        _bump_state(meeting.pk)
        record_event(
            "agenda.removed", actor=actor, target=meeting, extra={"proposal": proposal.code}
        )
        item.delete()


def add_information_item(
    *, meeting: Meeting, actor: User, title: str, body: str = "", link: str = ""
) -> InformationItem:
    """Put a matter before the meeting for information (เรื่องเพื่อทราบ); the minutes print it
    under agenda item 3 as it is now (``body`` is frozen text, never recomputed).

    Preconditions: the secretary, a meeting not closed, a title. Effects: the item, last in
    order, and the audit event ``agenda.information_added``. Raises ``CommitteeError``.
    """
    title, body, link = title.strip(), body.strip(), link.strip()
    if not title:
        raise CommitteeError(_("Please give the item a title."), field="title")
    with transaction.atomic():
        meeting = _lock_meeting(meeting.pk)
        _require_secretary(actor, meeting)
        order = meeting.information_items.count() + 1
        item = InformationItem.objects.create(
            meeting=meeting, title=title[:500], body=body, link=link[:500], order=order,
            added_by=actor,
        )  # fmt: skip
        record_event(
            "agenda.information_added", actor=actor, target=meeting,
            extra={"title": item.title, "order": order},
        )  # fmt: skip
    return item


def remove_information_item(*, item: InformationItem, actor: User) -> None:
    """Take an item for information off a meeting that is not closed (the secretary)."""
    with transaction.atomic():
        meeting = _lock_meeting(item.meeting_id)
        _require_secretary(actor, meeting)
        record_event(
            "agenda.information_removed", actor=actor, target=meeting, extra={"title": item.title}
        )
        InformationItem.objects.filter(pk=item.pk).delete()


def order_agenda_by_stage(*, meeting: Meeting, actor: User) -> None:
    """Number the items upstream → midstream → downstream, then by agency and reference."""
    with transaction.atomic():
        meeting = _lock_meeting(meeting.pk)
        _require_secretary(actor, meeting)
        items = list(
            AgendaItem.objects.select_for_update(of=("self",))
            .filter(meeting=meeting)
            .select_related("proposal__stage", "proposal__agency")
        )
        items.sort(key=_stage_key)
        _renumber(items)
        _bump_state(meeting.pk)
        record_event("agenda.ordered", actor=actor, target=meeting, extra={"by": "stage"})


def _stage_key(item: AgendaItem) -> tuple[bool, int, str, str]:
    stage = item.proposal.stage
    return (
        stage is None,
        stage.order if stage else 0,
        item.proposal.agency.name_th,
        item.proposal.code,
    )


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items, start=1):
        if item.order != position:
            item.order = position
            item.save(update_fields=["order"])


def move_agenda_item(*, item: AgendaItem, actor: User, direction: str) -> None:
    """Swap an item with its neighbour of the same stage (``up`` or ``down``)."""
    if direction not in ("up", "down"):
        raise ValueError(direction)
    with transaction.atomic():
        meeting = _lock_meeting(item.meeting_id)
        _require_secretary(actor, meeting)
        items = _lock_items(meeting=meeting)
        index = next(i for i, it in enumerate(items) if it.pk == item.pk)
        step = -1 if direction == "up" else 1
        other = index + step
        while (
            0 <= other < len(items)
            and items[other].proposal.stage_id != items[index].proposal.stage_id
        ):
            other += step
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        _renumber(items)
        _bump_state(meeting.pk)
        record_event(
            "agenda.moved", actor=actor, target=meeting,
            extra={"item": item.pk, "direction": direction},
        )  # fmt: skip


# --- conflicts and votes -----------------------------------------------------------------


def _check_item_open(meeting: Meeting, item: AgendaItem, *, decided: bool | None = None) -> None:
    _refuse_if_closed(meeting)
    if decided is None:
        decided = Resolution.objects.filter(agenda_item=item).exists()
    if decided:
        raise CommitteeError(
            _("%(code)s has been decided; votes and declarations can no longer change.")
            % {"code": item.proposal.code}
        )


def declare_conflict(*, item: AgendaItem, actor: User, reason: str) -> ConflictDeclaration:
    """A voting member declares a conflict of interest on an item and leaves for it.

    Effects: the declaration; the member's vote on the item, if any, is withdrawn; the item's
    quorum no longer counts them. Raises ``CommitteeError`` for non-members, a blank reason, a
    decided item, a closed meeting or a second declaration.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        meeting = _lock_meeting(item.meeting_id)
        item = _lock_item(item.pk)
        _check_item_open(meeting, item)
        membership = _membership(meeting, actor)
        if membership is None or not membership.is_voting:
            raise CommitteeError(
                _("Only voting members of this committee declare conflicts of interest.")
            )
        if not reason:
            raise CommitteeError(_("Describe the conflict of interest."))
        if ConflictDeclaration.objects.filter(agenda_item=item, member=actor).exists():
            raise CommitteeError(
                _("You have already declared a conflict of interest on this item.")
            )
        declaration = ConflictDeclaration.objects.create(
            agenda_item=item, member=actor, reason=reason
        )
        withdrawn = Vote.objects.filter(agenda_item=item, member=actor).delete()[0]
        _bump_state(meeting.pk)
        record_event(
            "conflict.declared", actor=actor, target=item.proposal,
            extra={"meeting": meeting.number_label, "item": item.pk, "reason": reason,
                   "vote_withdrawn": bool(withdrawn)},
        )  # fmt: skip
    return declaration


def cast_vote(*, item: AgendaItem, actor: User, choice: str, amount: Decimal | None = None) -> Vote:
    """Record (or change) the actor's vote on an agenda item.

    Preconditions: the actor is a voting member of the meeting's committee, marked present,
    without a declared conflict on the item; the item is undecided and the meeting open. For
    ``approve_reduced`` the amount is required, 0 ≤ amount ≤ the request; other choices carry
    no amount. Effects: one Vote row per member and item (a retried identical vote changes
    nothing and writes no second event), an audit event ``vote.cast``. Raises
    ``CommitteeError`` with a message for the member otherwise (``field``: ``choice`` or
    ``amount`` when it is about one of them).
    """
    amount = _check_vote_input(choice, amount)
    with transaction.atomic():
        membership = _lock_for_vote(item.pk, actor)
        # Read after the locks (a statement of its own: a fresh snapshot), so that a
        # resolution or a conflict committed while this vote waited is seen.
        item = _read_item_for_vote(item.pk, actor)
        meeting = item.meeting
        _refuse_if_closed(meeting)
        _check_may_vote(actor=actor, meeting=meeting, item=item, membership=membership)
        requested = item.proposal.requested_amount
        if amount is not None and amount > requested:
            raise CommitteeError(
                _("The amount cannot be more than the request (%(requested)s baht).")
                % {"requested": format_baht(requested)},
                field="amount",
            )
        vote = _previous_vote(item, actor)
        previous_choice = vote.choice if vote else None
        if vote and vote.choice == choice and vote.amount == amount:
            return vote  # a retry of the same vote: already recorded
        vote = _save_vote(vote=vote, item=item, actor=actor, choice=choice, amount=amount)
        _bump_state(meeting.pk)
        record_event(
            "vote.cast", actor=actor, target=item.proposal,
            extra={"meeting": meeting.number_label, "item": item.pk, "choice": choice,
                   "amount": amount, "previous": previous_choice},
        )  # fmt: skip
    return vote


def _check_vote_input(choice: str, amount: Decimal | None) -> Decimal | None:
    """The vote's choice and amount on their own; returns the amount to store."""
    if choice not in VoteChoice.values:
        raise CommitteeError(_("Choose how you vote."), field="choice")
    if choice != VoteChoice.APPROVE_REDUCED:
        return None
    if amount is None:
        raise CommitteeError(_("Enter the reduced amount you approve."), field="amount")
    if amount < 0:
        raise CommitteeError(_("The amount cannot be negative."), field="amount")
    return amount


def _read_item_for_vote(item_pk: int, actor: User) -> "WithAnnotations[AgendaItem, _VoteChecks]":
    """The item, its meeting and proposal with everything a vote checks, in one statement:
    decided, the actor's conflict, the actor present, and the actor's vote so far."""
    mine = Vote.objects.filter(agenda_item=OuterRef("pk"), member=actor)
    return (
        AgendaItem.objects.select_related("meeting", "proposal")
        .annotate(
            decided=Exists(Resolution.objects.filter(agenda_item=OuterRef("pk"))),
            conflicted=Exists(
                ConflictDeclaration.objects.filter(agenda_item=OuterRef("pk"), member=actor)
            ),
            present=Exists(
                Attendance.objects.filter(
                    meeting=OuterRef("meeting"),
                    membership__committee=OuterRef("meeting__committee"),
                    membership__user=actor,
                    presence=Attendance.Presence.PRESENT,
                )
            ),
            vote_id=Subquery(mine.values("pk")[:1]),
            vote_choice=Subquery(mine.values("choice")[:1]),
            vote_amount=Subquery(mine.values("amount")[:1]),
            vote_cast_at=Subquery(mine.values("cast_at")[:1]),
        )
        .get(pk=item_pk)
    )


def _previous_vote(item: "WithAnnotations[AgendaItem, _VoteChecks]", actor: User) -> Vote | None:
    """The actor's vote on the item as ``_read_item_for_vote`` read it (no query)."""
    if item.vote_id is None or item.vote_choice is None or item.vote_cast_at is None:
        return None
    return Vote(
        pk=item.vote_id, agenda_item=item, member=actor, choice=item.vote_choice,
        amount=item.vote_amount, cast_at=item.vote_cast_at,
    )  # fmt: skip


def _check_may_vote(
    *,
    actor: User,
    meeting: Meeting,
    item: "WithAnnotations[AgendaItem, _VoteChecks]",
    membership: Membership | None,
) -> None:
    if not permissions.can_vote(actor, meeting, membership):
        raise CommitteeError(_("Only voting members of this committee may vote."))
    _check_item_open(meeting, item, decided=item.decided)
    if item.conflicted:
        raise CommitteeError(
            _("You declared a conflict of interest on this item, so you cannot vote on it.")
        )
    if not item.present:
        raise CommitteeError(
            _(
                "You are not recorded as present at this meeting; ask the secretary to mark your "
                "attendance."
            )
        )


def _save_vote(
    *, vote: Vote | None, item: AgendaItem, actor: User, choice: str, amount: Decimal | None
) -> Vote:
    """Change the member's vote, or create it."""
    now = timezone.now()
    if vote:
        vote.choice, vote.amount, vote.updated_at = choice, amount, now
        vote.save(update_fields=["choice", "amount", "updated_at"])
        return vote
    return Vote.objects.create(
        agenda_item=item, member=actor, choice=choice, amount=amount,
        cast_at=now, updated_at=now,
    )  # fmt: skip


# --- resolutions -------------------------------------------------------------------------


def _check_resolution_amount(
    outcome: str, amount: Decimal | None, requested: Decimal
) -> Decimal | None:
    """The amount a resolution records: the request for ``approved``, the given amount (below
    the request) for ``approved_reduced``, none otherwise."""
    if outcome == Outcome.APPROVED:
        amount = requested if amount is None else amount
    elif outcome == Outcome.APPROVED_REDUCED:
        if amount is None:
            raise CommitteeError(_("Enter the approved amount."), field="amount")
    else:
        return None
    if amount < 0:
        raise CommitteeError(_("The amount cannot be negative."), field="amount")
    if amount > requested:
        raise CommitteeError(
            _("The amount cannot be more than the request (%(requested)s baht).")
            % {"requested": format_baht(requested)},
            field="amount",
        )
    if outcome == Outcome.APPROVED and amount != requested:
        raise CommitteeError(
            _(
                "“Approved” means the full request; choose “approved with a reduced amount” for "
                "less."
            ),
            field="amount",
        )
    if outcome == Outcome.APPROVED_REDUCED and amount == requested:
        raise CommitteeError(
            _("The reduced amount equals the request; choose “approved” instead."), field="amount"
        )
    return amount


def _decision_method(item: AgendaItem, method: str | None) -> str:
    """How the item is decided: by the votes when any were cast, else without objection from
    the members present. A method that contradicts the votes (or their absence) is refused, so
    that the minutes never print a count of nobody's votes."""
    voted = item.votes.exists()
    if method is None:
        return DecisionMethod.VOTE if voted else DecisionMethod.CONSENSUS
    if method not in DecisionMethod.values:
        raise CommitteeError(_("Choose how the meeting decided."))
    if method == DecisionMethod.VOTE and not voted:
        raise CommitteeError(
            _(
                "%(code)s: nobody has voted on it; record it as decided without objection, or let "
                "the members vote first."
            )
            % {"code": item.proposal.code}
        )
    if method == DecisionMethod.CONSENSUS and voted:
        raise CommitteeError(
            _("%(code)s: members have voted on it, so its resolution is recorded by the votes.")
            % {"code": item.proposal.code}
        )
    return method


def _record(
    *, meeting: Meeting, item: AgendaItem, actor: User, outcome: str, amount: Decimal | None,
    reason: str | None, membership: Membership | None, method: str | None = None,
    accept_over_frame: bool = False,
) -> Resolution:  # fmt: skip
    """Record one resolution on a locked item (the caller holds the meeting lock)."""
    _check_may_record(meeting=meeting, item=item, actor=actor, membership=membership)
    if outcome not in Outcome.values:
        raise CommitteeError(_("Choose the resolution."), field="outcome")
    amount = _check_resolution_amount(outcome, amount, item.proposal.requested_amount)
    quorum = get_item_quorum(item)
    if not quorum.met:
        raise CommitteeError(
            _(
                "%(code)s: no quorum (%(present)s of %(members)s members present, %(needed)s "
                "needed); a resolution cannot be recorded."
            )
            % {"code": item.proposal.code, "present": quorum.present, "members": quorum.members,
               "needed": quorum.needed}
        )  # fmt: skip
    method = _decision_method(item, method)
    reason = (reason or "").strip()
    proposed = get_proposed_resolution(item)
    existing = Resolution.objects.filter(agenda_item=item).first()
    _check_reason_given(
        decided=(outcome, amount), proposed=proposed, existing=existing, reason=reason
    )
    excess = _check_frame(
        meeting=meeting, item=item, amount=amount, existing=existing, reason=reason,
        accept_over_frame=accept_over_frame,
    )  # fmt: skip
    resolution, created = Resolution.objects.update_or_create(
        agenda_item=item,
        defaults={"outcome": outcome, "approved_amount": amount, "reason": reason,
                  "method": method, "members_present": quorum.present,
                  "recorded_by": actor, "recorded_at": timezone.now(),
                  "over_frame": bool(excess)},
    )  # fmt: skip
    _bump_state(meeting.pk)
    record_event(
        "resolution.recorded" if created else "resolution.changed", actor=actor,
        target=item.proposal,
        extra={"meeting": meeting.number_label, "item": item.pk, "outcome": outcome,
               "amount": amount, "reason": reason, "method": method,
               "members_present": quorum.present,
               "proposed": proposed.outcome if proposed else None,
               "previous": existing.outcome if existing else None,
               "over_frame": {str(y): str(a) for y, a in excess.items()}},
    )  # fmt: skip
    return resolution


def _check_frame(
    *, meeting: Meeting, item: AgendaItem, amount: Decimal | None, existing: Resolution | None,
    reason: str, accept_over_frame: bool,
) -> dict[int, Decimal]:  # fmt: skip
    """Fiscal year → how far the resolution takes it over the round's frame (empty: within
    it). Over it, the committee must say so and give a reason; raises ``OverFrame`` or
    ``CommitteeError`` otherwise."""
    status = frame.get_frame_status(meeting.round)
    excess = frame.resolution_excess(
        status=status, proposal=item.proposal, amount=amount,
        previous=existing.approved_amount if existing else None,
    )  # fmt: skip
    if excess and not accept_over_frame:
        raise OverFrame(excess)
    if excess and not reason:
        raise CommitteeError(
            _("Give the reason for deciding over the budget frame; it goes into the minutes."),
            field="reason",
        )
    return excess


def _check_may_record(
    *, meeting: Meeting, item: AgendaItem, actor: User, membership: Membership | None
) -> None:
    _refuse_if_closed(meeting)
    if not permissions.can_record_resolution(actor, meeting, membership):
        raise CommitteeError(_("Only the chair or the secretary may record a resolution."))
    if not actor.has_role(Role.SECRETARY) and item.conflicts.filter(member=actor).exists():
        raise CommitteeError(
            _(
                "You declared a conflict of interest on this item; the secretary records its "
                "resolution."
            )
        )


def _check_reason_given(
    *, decided: tuple[str, Decimal | None], proposed: rules.ProposedResolution | None,
    existing: Resolution | None, reason: str,
) -> None:  # fmt: skip
    """A resolution that differs from the votes, or changes an earlier one, says why."""
    differs_from_votes = proposed is not None and (proposed.outcome, proposed.amount) != decided
    changes_existing = (
        existing is not None and (existing.outcome, existing.approved_amount) != decided
    )
    if (differs_from_votes or changes_existing) and not reason:
        raise CommitteeError(
            _(
                "Give a reason: this resolution differs from the votes or from the one recorded "
                "before."
            ),
            field="reason",
        )


def record_resolution(
    *, item: AgendaItem, actor: User, outcome: str, approved_amount: Decimal | None = None,
    reason: str = "", method: str | None = None, accept_over_frame: bool = False,
) -> Resolution:  # fmt: skip
    """The chair or secretary records the resolution (มติ) on one agenda item.

    Preconditions: the meeting is open and the item has a quorum (present members without a
    conflict ≥ half of the members without a conflict). ``approved`` takes the full request;
    ``approved_reduced`` needs an amount below it; ``rejected``/``deferred`` none. A reason is
    required when the resolution differs from the one the votes propose, or changes one
    recorded before. ``method`` says how the meeting decided (``DecisionMethod``): by the votes
    cast (only when there are votes) or without objection (only when nobody voted); by default
    the one that fits. A resolution that would take a fiscal year over the round's budget frame
    (``frame.resolution_excess``) raises ``OverFrame`` unless ``accept_over_frame``, and then
    needs a reason; it is marked ``over_frame``. Effects: the Resolution with its method and
    the number of voting members present (voting on the item stops), an audit event. Raises
    ``CommitteeError`` otherwise.
    """
    with transaction.atomic():
        meeting = _lock_meeting(item.meeting_id)
        item = _lock_item(item.pk)
        return _record(
            meeting=meeting, item=item, actor=actor, outcome=outcome, amount=approved_amount,
            reason=reason, membership=_membership(meeting, actor), method=method,
            accept_over_frame=accept_over_frame,
        )  # fmt: skip


def approve_as_recommended(
    *, meeting: Meeting, actor: User, items: list[AgendaItem]
) -> list[Resolution]:
    """Decide a group of items at once, each as the screening recommended: still one
    resolution per item, each with its own votes and quorum check. An item nobody voted on is
    recorded as decided without objection from the members present; one with votes, by them.

    All or nothing: raises ``CommitteeError`` if any item is decided already, lacks a
    quorum, belongs to another meeting, or has votes whose majority does not approve it.
    """
    if not items:
        raise CommitteeError(_("Select the items to approve."))
    with transaction.atomic():
        meeting = _lock_meeting(meeting.pk)
        membership = _membership(meeting, actor)
        locked = _lock_items(pk__in=[i.pk for i in items])
        if len(locked) != len(items) or any(i.meeting_id != meeting.pk for i in locked):
            raise CommitteeError(_("Those items are not on this meeting's agenda."))
        resolutions = []
        for item in locked:
            if Resolution.objects.filter(agenda_item=item).exists():
                raise CommitteeError(
                    _("%(code)s has been decided already.") % {"code": item.proposal.code}
                )
            proposed = get_proposed_resolution(item)
            if proposed is not None and proposed.outcome not in (
                Outcome.APPROVED,
                Outcome.APPROVED_REDUCED,
            ):
                raise CommitteeError(
                    _("%(code)s: the votes do not approve it; record its resolution on its own.")
                    % {"code": item.proposal.code}
                )
            amount = get_recommended_amount(item.proposal)
            outcome = (
                Outcome.APPROVED
                if amount == item.proposal.requested_amount
                else Outcome.APPROVED_REDUCED
            )
            reason = ""
            if proposed is not None and (proposed.outcome, proposed.amount) != (outcome, amount):
                reason = _("Approved as recommended by the screening, with other items.")
            resolutions.append(
                _record(meeting=meeting, item=item, actor=actor, outcome=outcome, amount=amount,
                        reason=reason, membership=membership)
            )  # fmt: skip
    return resolutions


def default_meeting_number(*, committee: Committee, year_be: int) -> int:
    last = Meeting.objects.filter(committee=committee, year_be=year_be).order_by("-number").first()
    return last.number + 1 if last else 1


def current_year_be(today: datetime.date | None = None) -> int:
    return (today or timezone.localdate()).year + 543
