"""Every write of the screening work: reviews, reopening, assignment.

Putting proposals on a meeting's agenda is the committee's (``committee.services
.place_on_agenda``): screening never imports the committee.

Each service locks what it changes, checks the permission again (commands and tests skip the
views), writes an audit event in the same transaction, and leaves the proposal's status to the
workflow table through ``proposals.services.apply_transition``.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event
from core.formatting import format_baht
from directory.models import User
from directory.roles import Role
from proposals.models import Proposal, Stage
from proposals.selectors import list_sent_proposals
from proposals.services import (
    ProposalError,
    StaleProposalError,
    apply_transition,
    lock_proposal,
)
from proposals.workflow import FINAL, Action, Status

from .models import (
    Assessment,
    CriterionAssessment,
    Recommendation,
    ScreeningCriterion,
    ScreeningReview,
)
from .permissions import (
    can_assign_proposals,
    can_reopen_proposal,
    can_screen_proposal,
)


class ScreeningError(ProposalError):
    """A screening rule refused the change; the message is meant for the user.

    ``field`` names the input the message is about (``reasons``, ``recommended_amount`` ...),
    ``None`` when it is about the whole request; views attach it to that form field
    (``core.errors.DomainError`` keeps it).
    """


class ReviewInputError(ScreeningError):
    """Several inputs of a review were refused at once: ``errors`` holds one error per input."""

    def __init__(self, errors: list[ScreeningError]) -> None:
        super().__init__(str(errors[0]), field=errors[0].field)
        self.errors = errors


class UnassessedCriteriaError(ScreeningError):
    """Forwarding needs every criterion assessed; ``criterion_ids`` are those left blank."""

    def __init__(self, message: str, *, criterion_ids: Iterable[int]) -> None:
        super().__init__(message, field="assessments")
        self.criterion_ids = sorted(criterion_ids)


_ACTION_OF: dict[str, Action] = {
    Recommendation.FORWARD: Action.FORWARD,
    Recommendation.RETURN: Action.RETURN,
    Recommendation.INELIGIBLE: Action.MARK_INELIGIBLE,
}


@dataclass(frozen=True)
class AssessmentInput:
    result: str
    comment: str = ""


def screen_proposal(
    *,
    proposal_id: int,
    actor: User,
    recommendation: str,
    reasons: str = "",
    recommended_amount: Decimal | None = None,
    amount_reason: str = "",
    corrected_stage: Stage | None = None,
    assessments: Mapping[int, AssessmentInput] | None = None,
    expected_version: int | None = None,
) -> ScreeningReview:
    """Record a screener's review and move the proposal on.

    Preconditions: the actor is a screener (or administrator); the proposal awaits screening
    (SUBMITTED); ``expected_version`` (when given) is the ``lock_version`` the form was opened
    with. ``assessments`` maps criterion ids of the round's active criteria to their result.

    Effects, in one transaction: a ``ScreeningReview`` with one ``CriterionAssessment`` per
    assessed criterion; the proposal's ``recommended_amount`` (defaults to the request when
    forwarding) and corrected stage; ``lock_version`` + 1; audit ``screening.reviewed``; then
    the workflow move (forward → FORWARDED, return → RETURNED with the reasons shown to the
    agency, ineligible → INELIGIBLE), which writes the timeline, its own audit event and
    notifies the agency.

    Raises ``StaleProposalError`` when another screener saved first, ``ScreeningError`` for
    any other refused input (its ``field`` names the input; ``ReviewInputError`` carries one
    error per refused input). Nothing is written when it raises.
    """
    if recommendation not in _ACTION_OF:
        raise ScreeningError(_("Choose a recommendation."), field="recommendation")
    reasons = (reasons or "").strip()
    amount_reason = (amount_reason or "").strip()
    assessments = dict(assessments or {})
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        _check_may_screen(proposal=proposal, actor=actor, expected_version=expected_version)
        criteria = _active_criteria(proposal.round_id)
        amount = _check_review_input(
            proposal=proposal,
            recommendation=recommendation,
            reasons=reasons,
            amount=recommended_amount,
            amount_reason=amount_reason,
            criteria=criteria,
            assessments=assessments,
        )
        review = _create_review(
            proposal=proposal,
            actor=actor,
            recommendation=recommendation,
            reasons=reasons,
            amount=amount,
            amount_reason=amount_reason,
            corrected_stage=corrected_stage,
            criteria=criteria,
            assessments=assessments,
        )
        _apply_review(proposal=proposal, review=review, actor=actor, assessments=assessments)
    return review


def _active_criteria(round_id: int) -> dict[int, ScreeningCriterion]:
    return {c.pk: c for c in ScreeningCriterion.objects.filter(round_id=round_id, is_active=True)}


def _check_may_screen(*, proposal: Proposal, actor: User, expected_version: int | None) -> None:
    """Refuse a stale form, a role that may not screen, a proposal not awaiting screening."""
    if expected_version is not None and proposal.lock_version != expected_version:
        raise StaleProposalError(
            _(
                "Someone else saved this proposal after you opened it (it is now “%(status)s”). "
                "Your review was not saved; read the current state and screen again if needed."
            )
            % {"status": proposal.get_status_display()}
        )
    decision = can_screen_proposal(actor, proposal)
    if not decision:
        raise ScreeningError(decision.reason)


def _check_review_input(
    *,
    proposal: Proposal,
    recommendation: str,
    reasons: str,
    amount: Decimal | None,
    amount_reason: str,
    criteria: Mapping[int, ScreeningCriterion],
    assessments: Mapping[int, AssessmentInput],
) -> Decimal | None:
    """The rules of a review's input, the only place they live; returns the amount to record.

    Every refused input is reported at once (``ReviewInputError``), each naming its field, so
    that the screener sees all of them on the form.
    """
    _check_assessments(criteria=criteria, assessments=assessments)
    errors: list[ScreeningError] = []
    if recommendation != Recommendation.FORWARD and not reasons:
        errors.append(
            ScreeningError(_("Give the reasons: the agency will read them."), field="reasons")
        )
    try:
        amount = _check_amount(proposal, recommendation, amount, amount_reason)
    except ScreeningError as error:
        errors.append(error)
    unassessed = set(criteria) - set(assessments)
    if recommendation == Recommendation.FORWARD and unassessed:
        errors.append(
            UnassessedCriteriaError(
                _("Assess every criterion before forwarding to the committee."),
                criterion_ids=unassessed,
            )
        )
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ReviewInputError(errors)
    return amount


def _check_assessments(
    *, criteria: Mapping[int, ScreeningCriterion], assessments: Mapping[int, AssessmentInput]
) -> None:
    if set(assessments) - set(criteria):
        raise ScreeningError(_("The criteria of this round have changed; reload the page."))
    for item in assessments.values():
        if item.result not in Assessment.values:
            raise ScreeningError(_("Choose met, not met or not applicable for each criterion."))


def _create_review(
    *,
    proposal: Proposal,
    actor: User,
    recommendation: str,
    reasons: str,
    amount: Decimal | None,
    amount_reason: str,
    corrected_stage: Stage | None,
    criteria: Mapping[int, ScreeningCriterion],
    assessments: Mapping[int, AssessmentInput],
) -> ScreeningReview:
    """The review row and one assessment row per assessed criterion."""
    review = ScreeningReview.objects.create(
        proposal=proposal,
        screener=actor,
        recommendation=recommendation,
        reasons=reasons,
        recommended_amount=amount,
        amount_reason=amount_reason
        if amount is not None and amount < proposal.requested_amount
        else "",
        corrected_stage=corrected_stage
        if corrected_stage and corrected_stage.pk != proposal.stage_id
        else None,
        created_at=timezone.now(),
    )
    CriterionAssessment.objects.bulk_create(
        CriterionAssessment(
            review=review,
            criterion=criteria[pk],
            result=item.result,
            comment=(item.comment or "").strip(),
        )
        for pk, item in sorted(assessments.items())
    )
    return review


def _apply_review(
    *,
    proposal: Proposal,
    review: ScreeningReview,
    actor: User,
    assessments: Mapping[int, AssessmentInput],
) -> None:
    """Carry the review onto the proposal, audit it, then move the proposal on."""
    previous_stage = proposal.stage_id
    _update_screened_proposal(proposal=proposal, review=review, actor=actor)
    record_event(
        "screening.reviewed",
        actor=actor,
        target=proposal,
        extra={
            "review": review.pk,
            "recommendation": review.recommendation,
            "recommended_amount": review.recommended_amount,
            "stage_from": previous_stage,
            "stage_to": proposal.stage_id,
            "assessments": {str(pk): item.result for pk, item in assessments.items()},
        },
    )
    apply_transition(
        proposal=proposal,
        action=_ACTION_OF[review.recommendation],
        actor=actor,
        reason=review.reasons,
        extra={"review": review.pk},
    )


def _update_screened_proposal(*, proposal: Proposal, review: ScreeningReview, actor: User) -> None:
    """Carry the review onto the proposal: corrected stage, DGA's figure, the screener."""
    fields = ["lock_version", "updated_at"]
    if review.corrected_stage_id:
        proposal.stage = review.corrected_stage
        fields.append("stage")
    if review.recommendation == Recommendation.FORWARD:
        # Only a forwarded proposal carries DGA's figure; others keep it in the review.
        proposal.recommended_amount = review.recommended_amount
        fields.append("recommended_amount")
    if proposal.assigned_screener_id is None:
        # Whoever screens an unassigned proposal takes it, so the workload figures add up.
        proposal.assigned_screener = actor
        fields.append("assigned_screener")
    proposal.lock_version += 1
    proposal.updated_at = review.created_at
    proposal.save(update_fields=fields)


def _check_amount(
    proposal: Proposal, recommendation: str, amount: Decimal | None, amount_reason: str
) -> Decimal | None:
    if amount is None:
        # Forwarding without a figure recommends the whole request.
        return proposal.requested_amount if recommendation == Recommendation.FORWARD else None
    if amount < 0:
        raise ScreeningError(
            _("The recommended amount cannot be negative."), field="recommended_amount"
        )
    if amount > proposal.requested_amount:
        raise ScreeningError(
            _("The recommended amount cannot exceed the request (%(requested)s baht).")
            % {"requested": format_baht(proposal.requested_amount)},
            field="recommended_amount",
        )
    if amount < proposal.requested_amount and not amount_reason:
        raise ScreeningError(
            _("Explain why the recommended amount is lower than the request."),
            field="amount_reason",
        )
    return amount


def reopen_proposal(*, proposal_id: int, actor: User, reason: str) -> Proposal:
    """Send a forwarded or ineligible proposal back to screening (RECONSIDER).

    Preconditions: the actor is a screener; the proposal is FORWARDED or INELIGIBLE (not yet on
    an agenda). Effects: status SUBMITTED, ``lock_version`` + 1 (open forms go stale), the
    timeline row, audit ``proposal.submitted`` and ``screening.reopened``. Raises
    ``ScreeningError`` / ``ProposalError``.
    """
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        decision = can_reopen_proposal(actor, proposal)
        if not decision:
            raise ScreeningError(decision.reason)
        apply_transition(proposal=proposal, action=Action.RECONSIDER, actor=actor, reason=reason)
        proposal.lock_version += 1
        proposal.save(update_fields=["lock_version"])
        record_event("screening.reopened", actor=actor, target=proposal, extra={"reason": reason})
    return proposal


@dataclass(frozen=True)
class Assignment:
    """What ``assign_screener`` did: proposals given to the screener, and decided ones left."""

    changed: int
    skipped_decided: int


def assign_screener(
    *, proposal_ids: Iterable[int], screener_id: int | None, actor: User
) -> Assignment:
    """Give proposals to one screener (``None`` takes them back into the shared pool).

    Preconditions: the actor may assign; the screener (when given) holds the screener role and
    is active. Effects: ``assigned_screener`` on each proposal sent to DGA and not decided yet
    (a decided proposal, in a final state of the workflow table, keeps the screener who did
    its work: it is skipped and counted), audit ``screening.assigned``. Returns the counts.
    Raises ``ScreeningError``.
    """
    decision = can_assign_proposals(actor)
    if not decision:
        raise ScreeningError(decision.reason)
    screener = None
    if screener_id is not None:
        screener = User.objects.filter(
            pk=screener_id, is_active=True, groups__name=Role.SCREENER
        ).first()
        if screener is None:
            raise ScreeningError(_("Choose a screener."))
    ids = sorted({int(pk) for pk in proposal_ids})
    if not ids:
        raise ScreeningError(_("Select at least one proposal."))
    with transaction.atomic():
        proposals = list(
            list_sent_proposals().select_for_update().filter(pk__in=ids).order_by("pk")
        )
        decided = [p for p in proposals if p.status in FINAL]
        changed = [
            p
            for p in proposals
            if p.status not in FINAL
            and p.assigned_screener_id != (screener.pk if screener else None)
        ]
        for proposal in changed:
            proposal.assigned_screener = screener
        Proposal.objects.bulk_update(changed, ["assigned_screener"])
        record_event(
            "screening.assigned",
            actor=actor,
            target=screener,
            extra={
                "screener": screener.pk if screener else None,
                "proposals": [p.pk for p in changed],
                "skipped_decided": [p.pk for p in decided],
            },
        )
    return Assignment(changed=len(changed), skipped_decided=len(decided))


def distribute_by_ministry(
    *, round_id: int, actor: User, screener_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Spread the round's unassigned proposals awaiting screening evenly over the screeners.

    A ministry's proposals go to one screener (the same person learns that ministry's
    projects); ministries are handed out biggest first, each to the screener with the least
    work so far (counting what they already hold in the round). Effects: ``assigned_screener``
    on each, audit ``screening.distributed``. Returns ``{screener_id: number newly assigned}``.
    Raises ``ScreeningError`` when there is no screener or the actor may not assign.
    """
    decision = can_assign_proposals(actor)
    if not decision:
        raise ScreeningError(decision.reason)
    candidates = User.objects.filter(is_active=True, groups__name=Role.SCREENER).distinct()
    if screener_ids is not None:
        candidates = candidates.filter(pk__in=list(screener_ids))
    screeners = list(candidates.order_by("pk"))
    if not screeners:
        raise ScreeningError(_("There is no screener to assign work to."))
    with transaction.atomic():
        pool = list(
            Proposal.objects.select_for_update(of=("self",))
            .filter(round_id=round_id, status=Status.SUBMITTED, assigned_screener__isnull=True)
            .select_related("agency")
            .order_by("pk")
        )
        load = {s.pk: 0 for s in screeners}
        for screener_id in Proposal.objects.filter(
            round_id=round_id, status=Status.SUBMITTED, assigned_screener__in=screeners
        ).values_list("assigned_screener", flat=True):
            load[screener_id] += 1
        by_ministry = defaultdict(list)
        for proposal in pool:
            by_ministry[proposal.agency.ministry_id].append(proposal)
        given = {s.pk: 0 for s in screeners}
        by_id = {s.pk: s for s in screeners}
        groups = sorted(by_ministry.values(), key=lambda group: (-len(group), group[0].pk))
        for group in groups:
            chosen = min(load, key=lambda pk: (load[pk], pk))
            for proposal in group:
                proposal.assigned_screener = by_id[chosen]
            load[chosen] += len(group)
            given[chosen] += len(group)
        Proposal.objects.bulk_update(pool, ["assigned_screener"])
        record_event(
            "screening.distributed",
            actor=actor,
            extra={"round": round_id, "given": {str(k): v for k, v in given.items()}},
        )
    return given
