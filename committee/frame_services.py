"""Writes of the budget frame and the fit-to-frame suggestions.

``set_budget_frame`` sets a round's frame per fiscal year and its stage shares;
``request_suggestion`` runs the optimiser on a meeting's undecided items and saves the answer
as a ``Scenario`` with its inputs; ``adopt_suggestion`` records the suggested approvals, one
resolution per item, through ``services.record_resolution``. Each is audited.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import record_event
from directory.models import User
from directory.roles import Role
from proposals.models import PlanRound, Stage
from screening.selectors import proposal_scores

from . import frame, optimiser, permissions, selectors, services
from .models import BudgetFrame, Meeting, Outcome, Resolution, Scenario, StageShare
from .services import CommitteeError

HUNDRED = Decimal("100")
DEFAULT_FLOOR = Decimal("80")
# The score an item counts with when no item of the agenda has one (the scale is 0–100).
UNSCORED = Decimal("50")
# How many fiscal years after the round's own one a frame can be set for (projects run up to
# five years: ``Proposal.duration_years``).
LATER_YEARS = 4


def can_set_frame(user: User) -> bool:
    """The round's frame is DGA's work: the secretary and administrators."""
    return user.has_role(Role.SECRETARY, Role.ADMIN)


def frame_years(plan_round: PlanRound) -> list[int]:
    return [plan_round.fiscal_year + i for i in range(LATER_YEARS + 1)]


@dataclass(frozen=True)
class ShareInput:
    minimum: Decimal | None
    maximum: Decimal | None


def set_budget_frame(
    *, plan_round: PlanRound, actor: User, frames: Mapping[int, Decimal | None],
    shares: Mapping[int, ShareInput] | None = None,
) -> None:  # fmt: skip
    """Set the round's frame per fiscal year (None removes a year's frame) and the least and
    most share of the round's year each value-chain stage may take.

    Preconditions: the actor is the secretary or an administrator; the years are the round's
    and the four after it; amounts ≥ 0; shares within 0–100 and the least ≤ the most. The
    round's own year is also written to ``PlanRound.budget_frame`` (what the plan page and the
    inbox show). Effects: one audit event ``frame.set`` with what changed. Raises
    ``CommitteeError``.
    """
    if not can_set_frame(actor):
        raise CommitteeError(_("Only the committee secretary may set the budget frame."))
    allowed = set(frame_years(plan_round))
    _check_frame_input(frames, shares or {}, allowed)
    with transaction.atomic():
        plan_round = PlanRound.objects.select_for_update().get(pk=plan_round.pk)
        changed: dict[str, Any] = {}
        existing = {f.fiscal_year: f for f in BudgetFrame.objects.filter(round=plan_round)}
        for year, amount in sorted(frames.items()):
            _set_year(plan_round, existing.get(year), year, amount, changed)
        for stage_id, share in sorted((shares or {}).items()):
            _set_share(plan_round, stage_id, share, changed)
        if changed:
            record_event("frame.set", actor=actor, target=plan_round, extra=changed)


def _check_frame_input(
    frames: Mapping[int, Decimal | None], shares: Mapping[int, ShareInput], allowed: set[int]
) -> None:
    if set(frames) - allowed:
        raise CommitteeError(_("A frame can be set only for the round's year and four after it."))
    if any(amount is not None and amount < 0 for amount in frames.values()):
        raise CommitteeError(_("The frame cannot be negative."), field="frames")
    stage_ids = set(Stage.objects.filter(pk__in=list(shares)).values_list("pk", flat=True))
    if set(shares) - stage_ids:
        raise CommitteeError(_("Unknown value-chain stage."), field="shares")
    for share in shares.values():
        for value in (share.minimum, share.maximum):
            if value is not None and not 0 <= value <= HUNDRED:
                raise CommitteeError(_("A share is a percentage from 0 to 100."), field="shares")
        both = share.minimum is not None and share.maximum is not None
        if both and share.minimum > share.maximum:  # type: ignore[operator]
            raise CommitteeError(
                _("A stage's least share cannot be more than its most."), field="shares"
            )


def _set_year(
    plan_round: PlanRound, row: BudgetFrame | None, year: int, amount: Decimal | None,
    changed: dict[str, Any],
) -> None:  # fmt: skip
    if amount is None:
        if row is not None:
            row.delete()
            changed[str(year)] = None
        if year == plan_round.fiscal_year and plan_round.budget_frame:
            plan_round.budget_frame = Decimal("0.00")
            plan_round.save(update_fields=["budget_frame"])
            changed[str(year)] = None
        return
    if row is None:
        BudgetFrame.objects.create(round=plan_round, fiscal_year=year, amount=amount)
        changed[str(year)] = str(amount)
    elif row.amount != amount:
        row.amount = amount
        row.save(update_fields=["amount"])
        changed[str(year)] = str(amount)
    if year == plan_round.fiscal_year and plan_round.budget_frame != amount:
        plan_round.budget_frame = amount
        plan_round.save(update_fields=["budget_frame"])
        changed[str(year)] = str(amount)


def _set_share(
    plan_round: PlanRound, stage_id: int, share: ShareInput, changed: dict[str, Any]
) -> None:
    row = StageShare.objects.filter(round=plan_round, stage_id=stage_id).first()
    if share.minimum is None and share.maximum is None:
        if row is not None:
            row.delete()
            changed[f"stage-{stage_id}"] = None
        return
    if row is None:
        row = StageShare(round=plan_round, stage_id=stage_id)
    elif (row.min_percent, row.max_percent) == (share.minimum, share.maximum):
        return
    row.min_percent, row.max_percent = share.minimum, share.maximum
    row.save()
    changed[f"stage-{stage_id}"] = [str(share.minimum), str(share.maximum)]


# --- suggestions -------------------------------------------------------------------------


def can_request_suggestion(user: User, meeting: Meeting) -> bool:
    """The secretary asks for a suggestion, while the meeting is not closed."""
    return permissions.can_manage_meeting(user, meeting)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def build_problem(
    meeting: Meeting, *, floor_percent: Decimal, pins: Mapping[int, str]
) -> tuple[optimiser.Problem, dict[str, Any]]:
    """The optimiser's input for the meeting's undecided items, and the same as JSON.

    A proposal nobody has scored yet (or whose score is still blind) counts with the mean
    score of the scored items of the agenda, or, when none is scored, the middle of the scale
    (50 of 100: every item then weighs the same, and the suggestion fits the most of the
    recommended money): never dropped. The JSON names each item's ``score_source``
    (``screening``, ``agenda_mean``, ``scale_middle``).
    """
    status = frame.get_frame_status(meeting.round)
    board = selectors.get_meeting_board(meeting)
    undecided = [b for b in board.items if not b.decided]
    scores = proposal_scores([b.proposal.pk for b in undecided])
    scored = [s.mean for s in scores.values() if s.mean is not None]
    fallback = (sum(scored, Decimal(0)) / len(scored)) if scored else UNSCORED
    later = frame.later_year_amounts([b.proposal.pk for b in undecided], meeting.round.fiscal_year)
    items, rows = [], []
    for b in undecided:
        score = scores[b.proposal.pk]
        source = (
            "screening" if score.mean is not None else ("agenda_mean" if scored else "scale_middle")
        )
        item = optimiser.Item(
            key=b.item.pk, score=score.mean if score.mean is not None else fallback,
            recommended=b.recommended_amount, later=later.get(b.proposal.pk, {}),
            stage=b.proposal.stage_id, pin=pins.get(b.item.pk, optimiser.Pin.FREE),
        )  # fmt: skip
        items.append(item)
        rows.append({
            "item": b.item.pk, "proposal": b.proposal.pk, "code": b.proposal.code,
            "score": str(item.score), "score_source": source, "screeners": score.screeners,
            "requested": str(b.proposal.requested_amount), "recommended": str(item.recommended),
            "later": {str(y): str(a) for y, a in item.later.items()},
            "stage": item.stage, "pin": item.pin,
        })  # fmt: skip
    stages = [
        optimiser.StageLimit(row.share.stage_id, row.minimum, row.maximum, row.decided)
        for row in status.stages
    ]
    problem = optimiser.Problem(
        items=items, year=meeting.round.fiscal_year, left=status.left_by_year,
        floor=floor_percent / HUNDRED, stages=stages,
    )  # fmt: skip
    inputs = {
        "year": problem.year, "floor_percent": str(floor_percent), "items": rows,
        "frame": {str(y): str(a) for y, a in status.frames_by_year.items()},
        "left": {str(y): str(a) for y, a in problem.left.items()},
        "stages": [{"stage": s.stage, "minimum": _money(s.minimum),
                    "maximum": _money(s.maximum), "decided": str(s.used)} for s in stages],
    }  # fmt: skip
    return problem, inputs


def _result_json(problem: optimiser.Problem, answer: optimiser.Suggestion) -> dict[str, Any]:
    recommended = {i.key: i.recommended for i in problem.items}
    return {
        "status": answer.status,
        "objective": str(answer.objective),
        "items": [
            {
                "item": c.key,
                "approved": c.approved,
                "reduced": c.reduced,
                "amount": str(c.amount),
                "recommended": str(recommended[c.key]),
            }
            for c in answer.choices
        ],  # fmt: skip
        "totals": {str(y): str(a) for y, a in sorted(answer.totals.items())},
        "binding": [
            {"kind": b.kind, "key": b.key, "limit": str(b.limit), "total": str(b.total)}
            for b in answer.binding
        ],  # fmt: skip
        "needs": [
            {
                "item": n.key,
                "reason": n.reason,
                "floor_amount": str(n.floor_amount),
                "shortfall": {str(y): str(a) for y, a in n.shortfall.items()},
            }
            for n in answer.needs
        ],  # fmt: skip
        "problems": answer.problems,
        "seconds": round(answer.seconds, 3),
        "model": {"rows": answer.rows, "columns": answer.columns},
    }


def request_suggestion(
    *, meeting: Meeting, actor: User, floor_percent: Decimal = DEFAULT_FLOOR,
    pins: Mapping[int, str] | None = None,
) -> Scenario:  # fmt: skip
    """Suggest approvals and reductions of the meeting's undecided items that fit the frame.

    Preconditions: the actor is the secretary; the meeting is not closed; it has undecided
    items; 0 ≤ ``floor_percent`` ≤ 100; ``pins`` (agenda item id → ``in``/``out``/``free``)
    name only undecided items of this meeting. Effects: a ``Scenario`` with its inputs and the
    optimiser's answer (which may be "infeasible", with the reasons), and an audit event
    ``scenario.suggested``. Nothing is decided. Raises ``CommitteeError``.
    """
    pins = dict(pins or {})
    if not can_request_suggestion(actor, meeting):
        raise CommitteeError(_("Only the committee secretary may ask for a suggestion."))
    if not Decimal(0) <= floor_percent <= HUNDRED:
        raise CommitteeError(_("The floor is a percentage from 0 to 100."), field="floor")
    if set(pins.values()) - set(optimiser.Pin.ALL):
        raise CommitteeError(_("Pin an item in, out, or leave it free."), field="pins")
    with transaction.atomic():
        meeting = services._lock_meeting(meeting.pk)
        services._require_secretary(actor, meeting)
        problem, inputs = build_problem(meeting, floor_percent=floor_percent, pins=pins)
        if not problem.items:
            raise CommitteeError(_("Every item of this meeting is decided already."))
        if set(pins) - {i.key for i in problem.items}:
            raise CommitteeError(_("Pins name only undecided items of this meeting."))
        answer = optimiser.suggest(problem)
        scenario = Scenario.objects.create(
            meeting=meeting, created_by=actor, floor_percent=floor_percent,
            status=answer.status, inputs=inputs, result=_result_json(problem, answer),
        )  # fmt: skip
        record_event(
            "scenario.suggested", actor=actor, target=meeting,
            extra={"meeting": meeting.pk, "scenario": scenario.pk, "status": answer.status,
                   "floor_percent": str(floor_percent), "items": len(problem.items),
                   "approved": sum(1 for c in answer.choices if c.approved),
                   "pins": {str(k): v for k, v in pins.items() if v != optimiser.Pin.FREE}},
        )  # fmt: skip
    return scenario


def adopt_suggestion(
    *, meeting: Meeting, actor: User, scenario_id: int, item_ids: list[int] | None = None
) -> list[Resolution]:
    """ "Approve all as suggested": one resolution per suggested approval, each recorded by
    ``services.record_resolution`` (its rules, quorum, frame check and audit event), with the
    reason naming the suggestion. ``item_ids`` limits it to some of the suggested items.

    All or nothing. Raises ``CommitteeError`` when the suggestion is not the meeting's newest,
    is infeasible, suggests no approval, or an item is decided already or its votes do not
    approve it (record that one on its own).
    """
    with transaction.atomic():
        meeting = services._lock_meeting(meeting.pk)
        scenario = frame.newest_scenario(meeting)
        if scenario is None or scenario.pk != scenario_id:
            raise CommitteeError(
                _("A newer suggestion has been made since; look at it before adopting it.")
            )
        if scenario.status != "optimal":
            raise CommitteeError(_("This suggestion found no set that fits the frame."))
        chosen = [row for row in scenario.result["items"] if row["approved"]]
        if item_ids is not None:
            chosen = [row for row in chosen if row["item"] in set(item_ids)]
        if not chosen:
            raise CommitteeError(_("The suggestion approves none of these items."))
        items = {i.pk: i for i in services._lock_items(pk__in=[r["item"] for r in chosen])}
        reason = _("As suggested to fit the budget frame (suggestion no. %(number)s).") % {
            "number": scenario.pk
        }
        resolutions = []
        for row in chosen:
            item = items.get(row["item"])
            if item is None or item.meeting_id != meeting.pk:
                raise CommitteeError(_("Those items are not on this meeting's agenda."))
            resolutions.append(_adopt_one(item=item, actor=actor, row=row, reason=reason))
        record_event(
            "scenario.adopted", actor=actor, target=meeting,
            extra={"meeting": meeting.pk, "scenario": scenario.pk,
                   "items": [r["item"] for r in chosen]},
        )  # fmt: skip
    return resolutions


def _adopt_one(*, item: Any, actor: User, row: dict[str, Any], reason: str) -> Resolution:
    if Resolution.objects.filter(agenda_item=item).exists():
        raise CommitteeError(_("%(code)s has been decided already.") % {"code": item.proposal.code})
    proposed = services.get_proposed_resolution(item)
    if proposed is not None and proposed.outcome not in (
        Outcome.APPROVED,
        Outcome.APPROVED_REDUCED,
    ):
        raise CommitteeError(
            _("%(code)s: the votes do not approve it; record its resolution on its own.")
            % {"code": item.proposal.code}
        )
    amount = Decimal(row["amount"])
    outcome = (
        Outcome.APPROVED if amount == item.proposal.requested_amount else Outcome.APPROVED_REDUCED
    )
    return services.record_resolution(
        item=item, actor=actor, outcome=outcome, approved_amount=amount, reason=reason
    )


def order_agenda_by_score(*, meeting: Meeting, actor: User) -> None:
    """Number the items upstream → midstream → downstream and, within a stage, by score
    (highest first; proposals without a score yet last), then by reference.

    Raises ``CommitteeError`` unless the actor is the secretary and the meeting not closed.
    Audited as ``agenda.ordered`` with ``by: score``.
    """
    with transaction.atomic():
        meeting = services._lock_meeting(meeting.pk)
        services._require_secretary(actor, meeting)
        items = services._lock_items(meeting=meeting)
        scores = proposal_scores([item.proposal_id for item in items])
        stages = dict(
            Stage.objects.filter(pk__in={i.proposal.stage_id for i in items}).values_list(
                "pk", "order"
            )
        )

        def key(item: Any) -> tuple[bool, int, bool, Decimal, str]:
            stage = stages.get(item.proposal.stage_id)
            mean = scores[item.proposal_id].mean
            return (stage is None, stage or 0, mean is None, -(mean or Decimal(0)),
                    item.proposal.code)  # fmt: skip

        items.sort(key=key)
        services._renumber(items)
        record_event("agenda.ordered", actor=actor, target=meeting, extra={"by": "score"})
