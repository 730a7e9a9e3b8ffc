"""Every write of the screening work: reviews, reopening, assignment.

Putting proposals on a meeting's agenda is the committee's (``committee.services
.place_on_agenda``): screening never imports the committee.

Each service locks what it changes, checks the permission again (commands and tests skip the
views), writes an audit event in the same transaction, and leaves the proposal's status to the
workflow table through ``proposals.services.apply_transition``.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event
from core.formatting import format_baht
from core.notifications import notify_users
from directory.models import User
from directory.roles import Role
from proposals.models import PlanRound, Proposal, Stage
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
    AssignmentKind,
    CriterionAssessment,
    CriterionKind,
    CriterionScore,
    Recommendation,
    ReconciledScore,
    Reconciliation,
    ScoreSheet,
    ScoreSummary,
    ScreeningAssignment,
    ScreeningCriterion,
    ScreeningPolicy,
    ScreeningReview,
)
from .permissions import (
    can_assign_proposals,
    can_reconcile_scores,
    can_reopen_proposal,
    can_score_as_second,
    can_screen_proposal,
)
from .scoring import Rubric, disagreement, mean_score, second_screening_sample, weighted_score


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
    scores: Mapping[int, "ScoreInput"] | None = None,
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

    Forwarding in a round with scored criteria needs ``scores`` (criterion id → score, reason)
    for each: they become the actor's score sheet (``_record_first_scores``); other moves keep
    no score. The proposal's second screener cannot screen it.

    Raises ``StaleProposalError`` when another screener saved first, ``ScreeningError`` for
    any other refused input (its ``field`` names the input; ``ReviewInputError`` carries one
    error per refused input). Nothing is written when it raises.
    """
    if recommendation not in _ACTION_OF:
        raise ScreeningError(_("Choose a recommendation."), field="recommendation")
    reasons = (reasons or "").strip()
    amount_reason = (amount_reason or "").strip()
    assessments = dict(assessments or {})
    forwarding = recommendation == Recommendation.FORWARD
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        _check_may_screen(proposal=proposal, actor=actor, expected_version=expected_version)
        _check_not_second([proposal.pk], actor)
        criteria, scored = _split_criteria(proposal.round_id)
        amount = _check_review_input(
            proposal=proposal, recommendation=recommendation, reasons=reasons,
            amount=recommended_amount, amount_reason=amount_reason, criteria=criteria,
            assessments=assessments, scored=scored if forwarding else {}, scores=scores or {},
        )  # fmt: skip
        review = _create_review(
            proposal=proposal, actor=actor, recommendation=recommendation, reasons=reasons,
            amount=amount, amount_reason=amount_reason, corrected_stage=corrected_stage,
            criteria=criteria, assessments=assessments,
        )  # fmt: skip
        _apply_review(proposal=proposal, review=review, actor=actor, assessments=assessments)
        _record_first_scores(proposal, actor, scored if forwarding else {}, scores or {})
    return review


def _split_criteria(
    round_id: int,
) -> tuple[dict[int, ScreeningCriterion], dict[int, ScreeningCriterion]]:
    """The round's active criteria: (eligibility ones, scored ones)."""
    criteria = _active_criteria(round_id)
    scored = {pk: c for pk, c in criteria.items() if c.kind == CriterionKind.SCORED}
    return {pk: c for pk, c in criteria.items() if pk not in scored}, scored


def _record_first_scores(
    proposal: Proposal,
    actor: User,
    scored: Mapping[int, ScreeningCriterion],
    scores: Mapping[int, "ScoreInput"],
) -> None:
    """After a review: the actor's score sheet (``scored`` is empty unless forwarding in a
    round with scored criteria; audit ``screening.scored``), the first-screening task done,
    the proposal's score summary."""
    _complete_first_assignment(proposal, actor)
    if scored:
        _write_sheet(
            proposal=proposal, actor=actor, criteria=scored, scores=_check_scores(scored, scores)
        )
        refresh_score_summary(proposal)


def _complete_first_assignment(proposal: Proposal, actor: User) -> None:
    """The first-screening task is done (the screener who took an unassigned proposal gets
    one, done at once, so that the workload figures add up)."""
    now = timezone.now()
    ScreeningAssignment.objects.update_or_create(
        proposal=proposal,
        kind=AssignmentKind.FIRST,
        defaults={"screener_id": proposal.assigned_screener_id or actor.pk, "completed_at": now},
        create_defaults={
            "screener_id": proposal.assigned_screener_id or actor.pk, "assigned_at": now,
            "due_date": timezone.localdate(now), "completed_at": now,
        },
    )  # fmt: skip


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
    scored: Mapping[int, ScreeningCriterion],
    scores: Mapping[int, "ScoreInput"],
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
    if scored:
        try:
            _check_scores(scored, {pk: v for pk, v in scores.items() if pk in scored})
        except ScreeningError as error:
            errors.append(error)
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
        _check_not_second([p.pk for p in changed], screener)
        for proposal in changed:
            proposal.assigned_screener = screener
        Proposal.objects.bulk_update(changed, ["assigned_screener"])
        _set_first_assignments(changed, screener)
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
        load = _workload(round_id, [s.pk for s in screeners])
        by_ministry = defaultdict(list)
        for proposal in pool:
            by_ministry[proposal.agency.ministry_id].append(proposal)
        given = {s.pk: 0 for s in screeners}
        by_id = {s.pk: s for s in screeners}
        groups = sorted(by_ministry.values(), key=lambda group: (-len(group), group[0].pk))
        seconds = dict(
            ScreeningAssignment.objects.filter(
                proposal__in=pool, kind=AssignmentKind.SECOND
            ).values_list("proposal_id", "screener_id")
        )
        for group in groups:
            chosen = min(load, key=lambda pk: (load[pk], pk))
            for proposal in group:
                # A proposal's second screener is never its first: the next least loaded.
                first = chosen
                if seconds.get(proposal.pk) == chosen and len(load) > 1:
                    first = min((pk for pk in load if pk != chosen), key=lambda pk: (load[pk], pk))
                proposal.assigned_screener = by_id[first]
                load[first] += 1
                given[first] += 1
        Proposal.objects.bulk_update(pool, ["assigned_screener"])
        for screener in screeners:
            _set_first_assignments(
                [p for p in pool if p.assigned_screener_id == screener.pk], screener
            )
        record_event(
            "screening.distributed",
            actor=actor,
            extra={"round": round_id, "given": {str(k): v for k, v in given.items()}},
        )
    return given


# Scores, double screening and screening deadlines (issue 19) --------------------------------


@dataclass(frozen=True)
class ScoreInput:
    value: int
    reason: str = ""


def get_policy(round_id: int) -> ScreeningPolicy:
    """The round's screening policy; the defaults (unsaved) when admin has set none."""
    policy = ScreeningPolicy.objects.filter(round_id=round_id).first()
    return policy or ScreeningPolicy(round_id=round_id)


def scored_criteria(round_id: int) -> dict[int, ScreeningCriterion]:
    return {
        c.pk: c
        for c in ScreeningCriterion.objects.filter(
            round_id=round_id, is_active=True, kind=CriterionKind.SCORED
        ).order_by("order", "id")
    }


def rubric_of(criteria: Iterable[ScreeningCriterion]) -> list[Rubric]:
    return [Rubric(c.pk, c.weight, c.scale_max) for c in criteria]


def _check_scores(
    criteria: Mapping[int, ScreeningCriterion], scores: Mapping[int, ScoreInput]
) -> dict[int, ScoreInput]:
    """Every scored criterion has a score within its scale and a reason; returns them cleaned.

    Raises ``ScreeningError`` (field ``scores``) naming the first criterion refused.
    """
    if set(scores) - set(criteria):
        raise ScreeningError(_("The criteria of this round have changed; reload the page."))
    cleaned = {}
    for pk, criterion in criteria.items():
        item = scores.get(pk)
        reason = (item.reason if item else "").strip()
        if item is None or not 0 <= item.value <= criterion.scale_max:
            raise ScreeningError(
                _("Score “%(criterion)s” from 0 to %(max)s.")
                % {"criterion": criterion.text, "max": criterion.scale_max},
                field="scores",
            )
        if not reason:
            raise ScreeningError(
                _("Give the reason for the score of “%(criterion)s”.")
                % {"criterion": criterion.text},
                field="scores",
            )
        cleaned[pk] = ScoreInput(item.value, reason)
    return cleaned


def _write_sheet(
    *,
    proposal: Proposal,
    actor: User,
    criteria: Mapping[int, ScreeningCriterion],
    scores: Mapping[int, ScoreInput],
) -> ScoreSheet:
    """The actor's sheet on the proposal (a re-screening replaces their earlier one), audited
    on the sheet itself: the proposal's history, which its agency reads, never shows scores."""
    if Reconciliation.objects.filter(proposal=proposal).exists():
        raise ScreeningError(_("The scores of this proposal have been reconciled already."))
    score = weighted_score(rubric_of(criteria.values()), {k: v.value for k, v in scores.items()})
    now = timezone.now()
    sheet, created = ScoreSheet.objects.get_or_create(
        proposal=proposal, screener=actor, defaults={"score": score, "submitted_at": now}
    )
    previous = None
    if not created:
        previous = str(sheet.score)
        sheet.scores.all().delete()
        sheet.score, sheet.submitted_at = score, now
        sheet.save(update_fields=["score", "submitted_at"])
    CriterionScore.objects.bulk_create(
        CriterionScore(sheet=sheet, criterion=criteria[pk], value=item.value, reason=item.reason)
        for pk, item in sorted(scores.items())
    )
    record_event(
        "screening.scored",
        actor=actor,
        target=sheet,
        extra={
            "proposal": proposal.pk,
            "score": str(score),
            "previous_score": previous,
            "scores": {str(pk): item.value for pk, item in sorted(scores.items())},
        },
    )
    return sheet


def submit_scores(*, proposal_id: int, actor: User, scores: Mapping[int, ScoreInput]) -> ScoreSheet:
    """The second screener's score sheet (the first scores as they screen, ``screen_proposal``).

    Preconditions: the actor is the proposal's second screener and has not submitted yet;
    every active scored criterion of the round has a score within its scale and a reason.
    Effects: the sheet and its scores, audit ``screening.scored`` (on the sheet), the second
    assignment done, the proposal's score summary (flagged when the two sheets disagree).
    Raises ``ScreeningError``; nothing is written when it does.
    """
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        second = (
            ScreeningAssignment.objects.select_for_update()
            .filter(proposal=proposal, kind=AssignmentKind.SECOND)
            .first()
        )
        decision = can_score_as_second(actor, proposal, second.screener_id if second else None)
        if not decision or second is None:
            raise ScreeningError(decision.reason)
        if second.completed_at is not None:
            raise ScreeningError(_("You have submitted your scores of this proposal already."))
        criteria = scored_criteria(proposal.round_id)
        if not criteria:
            raise ScreeningError(_("This round has no scored criterion."))
        sheet = _write_sheet(
            proposal=proposal, actor=actor, criteria=criteria,
            scores=_check_scores(criteria, scores),
        )  # fmt: skip
        second.completed_at = sheet.submitted_at
        second.save(update_fields=["completed_at"])
        refresh_score_summary(proposal)
    return sheet


def refresh_score_summary(proposal: Proposal) -> ScoreSummary:
    """Recompute what everyone may see of the proposal's score (called inside the writers'
    transactions): the mean of the sheets or the agreed score, blind while a second screener
    is assigned and both sheets are not in, flagged when two sheets disagree beyond the
    round's thresholds and nobody has reconciled them."""
    sheets = list(
        ScoreSheet.objects.filter(proposal=proposal)
        .prefetch_related("scores")
        .order_by("submitted_at", "id")
    )
    reconciliation = Reconciliation.objects.filter(proposal=proposal).first()
    has_second = ScreeningAssignment.objects.filter(
        proposal=proposal, kind=AssignmentKind.SECOND
    ).exists()
    flagged = False
    if len(sheets) >= 2 and reconciliation is None:
        policy = get_policy(proposal.round_id)
        first, second = sheets[0], sheets[1]
        flagged = bool(
            disagreement(
                {s.criterion_id: s.value for s in first.scores.all()},
                {s.criterion_id: s.value for s in second.scores.all()},
                first_score=first.score,
                second_score=second.score,
                criterion_gap=policy.criterion_gap,
                total_gap=policy.total_gap,
            )
        )
    blind = has_second and len(sheets) < 2
    mean = reconciliation.score if reconciliation else mean_score(s.score for s in sheets)
    summary, _created = ScoreSummary.objects.update_or_create(
        proposal=proposal,
        defaults={
            "mean": None if blind else mean,
            "screeners": len(sheets),
            "blind": blind,
            "flagged": flagged,
        },
    )
    return summary


def reconcile_scores(
    *, proposal_id: int, actor: User, scores: Mapping[int, ScoreInput], reason: str
) -> Reconciliation:
    """Record the agreed scores of a proposal whose two screeners disagreed.

    Preconditions: the actor may reconcile (a screener or administrator); the proposal's two
    sheets are in and flagged, not reconciled yet; a score within its scale for every scored
    criterion and a reason. Effects: the reconciliation and its scores (both screeners' sheets
    stay as they were), the proposal's score becomes the agreed one, audit
    ``screening.reconciled`` with both original scores. Raises ``ScreeningError``.
    """
    reason = (reason or "").strip()
    decision = can_reconcile_scores(actor)
    if not decision:
        raise ScreeningError(decision.reason)
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        summary = ScoreSummary.objects.filter(proposal=proposal).first()
        if summary is None or not summary.flagged:
            raise ScreeningError(_("Only scores flagged as disagreeing are reconciled."))
        if not reason:
            raise ScreeningError(_("Give the reason for the agreed scores."), field="reason")
        criteria = scored_criteria(proposal.round_id)
        values = {pk: ScoreInput(item.value, reason) for pk, item in scores.items()}
        values = _check_scores(criteria, values)
        agreed = weighted_score(
            rubric_of(criteria.values()), {k: v.value for k, v in values.items()}
        )
        reconciliation = Reconciliation.objects.create(
            proposal=proposal, actor=actor, score=agreed, reason=reason, created_at=timezone.now()
        )
        ReconciledScore.objects.bulk_create(
            ReconciledScore(reconciliation=reconciliation, criterion=criteria[pk], value=v.value)
            for pk, v in sorted(values.items())
        )
        originals = {
            str(sheet.screener_id): str(sheet.score)
            for sheet in ScoreSheet.objects.filter(proposal=proposal)
        }
        record_event(
            "screening.reconciled",
            actor=actor,
            target=reconciliation,
            extra={
                "proposal": proposal.pk,
                "score": str(agreed),
                "original_scores": originals,
                "scores": {str(pk): v.value for pk, v in sorted(values.items())},
            },
        )
        refresh_score_summary(proposal)
    return reconciliation


def _workload(round_id: int, screener_ids: Iterable[int]) -> dict[int, int]:
    """Each screener's open work in the round, as the dashboard's workload table counts it:
    proposals awaiting screening assigned to them, plus second screenings not submitted."""
    load = dict.fromkeys(screener_ids, 0)
    firsts = Proposal.objects.filter(
        round_id=round_id, status=Status.SUBMITTED, assigned_screener__in=list(load)
    ).values_list("assigned_screener", flat=True)
    seconds = ScreeningAssignment.objects.filter(
        proposal__round_id=round_id, kind=AssignmentKind.SECOND, completed_at__isnull=True,
        screener__in=list(load),
    ).values_list("screener", flat=True)  # fmt: skip
    for screener_id in [*firsts, *seconds]:
        load[screener_id] += 1
    return load


def _due_date(round_id: int, now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now) + datetime.timedelta(days=get_policy(round_id).days_to_screen)


def _set_first_assignments(proposals: Iterable[Proposal], screener: User | None) -> None:
    """Keep each proposal's first-screening task (and its due date) with its assigned screener;
    taking proposals back into the shared pool drops their open tasks."""
    proposals = list(proposals)
    open_tasks = ScreeningAssignment.objects.filter(
        proposal__in=proposals, kind=AssignmentKind.FIRST, completed_at__isnull=True
    )
    if screener is None:
        open_tasks.delete()
        return
    now = timezone.now()
    due = {}
    for proposal in proposals:
        if proposal.round_id not in due:
            due[proposal.round_id] = _due_date(proposal.round_id, now)
        ScreeningAssignment.objects.update_or_create(
            proposal=proposal,
            kind=AssignmentKind.FIRST,
            defaults={
                "screener": screener, "assigned_at": now, "due_date": due[proposal.round_id],
                "completed_at": None if proposal.status == Status.SUBMITTED else now,
                "reminded_on": None,
            },
        )  # fmt: skip


def _check_not_second(proposal_ids: Iterable[int], screener: User | None) -> None:
    """One person never screens a proposal twice: its second screener cannot be its first."""
    if screener is None:
        return
    clash = ScreeningAssignment.objects.filter(
        proposal__in=list(proposal_ids), kind=AssignmentKind.SECOND, screener=screener
    ).select_related("proposal")
    codes = sorted(task.proposal.code for task in clash)
    if codes:
        raise ScreeningError(
            _("%(screener)s is the second screener of %(codes)s and cannot be the first.")
            % {"screener": screener, "codes": ", ".join(codes[:10])}
        )


def select_second_screening(*, round_id: int, actor: User) -> dict[int, int]:
    """Give a second screener to the round's sample and to every proposal above its amount.

    The sample is the policy's share of the round's proposals sent to DGA (withdrawn ones
    aside), drawn with the round's fixed seed (``scoring.second_screening_sample``); every
    proposal requesting more than ``second_above`` is added. Each one not decided yet and
    without a second screener gets the screener with the least open work (``_workload``) who
    is neither its first screener nor has scored it. Running it again assigns only what is
    missing. Effects: the assignments with their due dates, the score summaries (blind),
    audit ``screening.second_assigned``, a notification to each screener given work.
    Returns ``{screener_id: number given}``. Raises ``ScreeningError``.
    """
    decision = can_assign_proposals(actor)
    if not decision:
        raise ScreeningError(decision.reason)
    screeners = list(
        User.objects.filter(is_active=True, groups__name=Role.SCREENER).distinct().order_by("pk")
    )
    if len(screeners) < 2:
        raise ScreeningError(_("Double screening needs at least two screeners."))
    with transaction.atomic():
        plan_round = PlanRound.objects.select_for_update().get(pk=round_id)
        given = _assign_seconds(plan_round, screeners)
        record_event(
            "screening.second_assigned",
            actor=actor,
            target=plan_round,
            extra={"round": plan_round.fiscal_year, "given": {str(k): v for k, v in given.items()}},
        )
        by_id = {s.pk: s for s in screeners}
        for screener_id, count in given.items():
            if count:
                notify_users(
                    [by_id[screener_id]],
                    subject=_("%(count)s proposals of %(round)s to score as second screener")
                    % {"count": count, "round": plan_round.fiscal_year},
                    link=f"{reverse('screening:inbox')}?round={plan_round.fiscal_year}&second=1",
                )
    return given


def _assign_seconds(plan_round: PlanRound, screeners: list[User]) -> dict[int, int]:
    policy = get_policy(plan_round.pk)
    population = list(
        list_sent_proposals()
        .filter(round=plan_round)
        .exclude(status=Status.WITHDRAWN)
        .order_by("pk")
        .values_list("pk", "requested_amount")
    )
    chosen = set(
        second_screening_sample(
            [pk for pk, _amount in population],
            seed=f"second-screening:{plan_round.fiscal_year}",
            share=policy.second_share,
        )
    )
    if policy.second_above is not None:
        chosen |= {pk for pk, amount in population if amount > policy.second_above}
    proposals = list(
        Proposal.objects.filter(pk__in=chosen)
        .exclude(status__in=FINAL)
        .exclude(screening_assignments__kind=AssignmentKind.SECOND)
        .order_by("pk")
    )
    scored_by = defaultdict(set)
    for proposal_id, screener_id in ScoreSheet.objects.filter(proposal__in=proposals).values_list(
        "proposal_id", "screener_id"
    ):
        scored_by[proposal_id].add(screener_id)
    load = _workload(plan_round.pk, [s.pk for s in screeners])
    given = dict.fromkeys(load, 0)
    by_id = {s.pk: s for s in screeners}
    due = _due_date(plan_round.pk, timezone.now())
    for proposal in proposals:
        taken = {proposal.assigned_screener_id} | scored_by[proposal.pk]
        options = [pk for pk in load if pk not in taken]
        if not options:
            continue
        chosen_id = min(options, key=lambda pk: (load[pk], pk))
        ScreeningAssignment.objects.create(
            proposal=proposal, screener=by_id[chosen_id], kind=AssignmentKind.SECOND, due_date=due
        )
        load[chosen_id] += 1
        given[chosen_id] += 1
        refresh_score_summary(proposal)
    return given


def send_screening_reminders(*, today: datetime.date) -> int:
    """Remind screeners of their overdue screening tasks (the daily command).

    A task not done the day after its due date is reminded then and every 7 days after that
    (``reminded_on``), one notification per screener listing their overdue proposals. Effects:
    the notifications, ``reminded_on``, one audit event ``screening.reminders_sent``. Returns
    the number of tasks reminded.
    """
    with transaction.atomic():
        tasks = list(
            ScreeningAssignment.objects.select_for_update(of=("self",))
            .filter(completed_at__isnull=True, due_date__lt=today)
            .filter(
                Q(reminded_on__isnull=True) | Q(reminded_on__lte=today - datetime.timedelta(days=7))
            )
            .select_related("proposal", "screener")
            .order_by("screener_id", "due_date", "proposal__code")
        )
        by_screener = defaultdict(list)
        for task in tasks:
            if task.proposal.status in FINAL or task.proposal.status == Status.WITHDRAWN:
                continue
            by_screener[task.screener].append(task)
        for screener, own in by_screener.items():
            codes = ", ".join(task.proposal.code for task in own)
            notify_users(
                [screener],
                subject=_("Overdue screening: %(count)s proposals (%(codes)s)")
                % {"count": len(own), "codes": codes[:200]},
                link=reverse("screening:dashboard"),
            )
        reminded = [task for own in by_screener.values() for task in own]
        for task in reminded:
            task.reminded_on = today
        ScreeningAssignment.objects.bulk_update(reminded, ["reminded_on"])
        if reminded:
            record_event(
                "screening.reminders_sent",
                extra={"date": today.isoformat(), "tasks": [t.pk for t in reminded]},
            )
    return len(reminded)
