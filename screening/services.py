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
from directory.models import User
from directory.roles import Role
from proposals.models import Proposal, Stage
from proposals.selectors import list_sent_proposals
from proposals.services import ProposalError, apply_transition, lock_proposal
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
    """A screening rule refused the change; the message is meant for the user."""


class StaleProposalError(ScreeningError):
    """Somebody saved the proposal after the form was opened; nothing was written."""


_ACTION_OF = {
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
    any other refused input. Nothing is written when it raises.
    """
    if recommendation not in _ACTION_OF:
        raise ScreeningError(_("Choose a recommendation."))
    reasons = (reasons or "").strip()
    amount_reason = (amount_reason or "").strip()
    assessments = dict(assessments or {})
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
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
        if recommendation != Recommendation.FORWARD and not reasons:
            raise ScreeningError(_("Give the reasons: the agency will read them."))
        amount = _check_amount(proposal, recommendation, recommended_amount, amount_reason)
        criteria = {
            c.pk: c
            for c in ScreeningCriterion.objects.filter(round_id=proposal.round_id, is_active=True)
        }
        unknown = set(assessments) - set(criteria)
        if unknown:
            raise ScreeningError(_("The criteria of this round have changed; reload the page."))
        for item in assessments.values():
            if item.result not in Assessment.values:
                raise ScreeningError(_("Choose met, not met or not applicable for each criterion."))
        if recommendation == Recommendation.FORWARD and set(criteria) - set(assessments):
            raise ScreeningError(_("Assess every criterion before forwarding to the committee."))

        now = timezone.now()
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
            created_at=now,
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
        fields = ["lock_version", "updated_at"]
        previous_stage = proposal.stage_id
        if review.corrected_stage_id:
            proposal.stage = corrected_stage
            fields.append("stage")
        if recommendation == Recommendation.FORWARD:
            # Only a forwarded proposal carries DGA's figure; others keep it in the review.
            proposal.recommended_amount = amount
            fields.append("recommended_amount")
        if proposal.assigned_screener_id is None:
            # Whoever screens an unassigned proposal takes it, so the workload figures add up.
            proposal.assigned_screener = actor
            fields.append("assigned_screener")
        proposal.lock_version += 1
        proposal.updated_at = now
        proposal.save(update_fields=fields)
        record_event(
            "screening.reviewed",
            actor=actor,
            target=proposal,
            extra={
                "review": review.pk,
                "recommendation": recommendation,
                "recommended_amount": amount,
                "stage_from": previous_stage,
                "stage_to": proposal.stage_id,
                "assessments": {str(pk): item.result for pk, item in assessments.items()},
            },
        )
        apply_transition(
            proposal=proposal,
            action=_ACTION_OF[recommendation],
            actor=actor,
            reason=reasons,
            extra={"review": review.pk},
        )
    return review


def _check_amount(proposal, recommendation, amount, amount_reason) -> Decimal | None:
    if amount is None:
        # Forwarding without a figure recommends the whole request.
        return proposal.requested_amount if recommendation == Recommendation.FORWARD else None
    if amount < 0:
        raise ScreeningError(_("The recommended amount cannot be negative."))
    if amount > proposal.requested_amount:
        raise ScreeningError(
            _("The recommended amount cannot exceed the request (%(requested)s baht).")
            % {"requested": f"{proposal.requested_amount:,.2f}"}
        )
    if amount < proposal.requested_amount and not amount_reason:
        raise ScreeningError(_("Explain why the recommended amount is lower than the request."))
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
) -> dict:
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
    screeners = User.objects.filter(is_active=True, groups__name=Role.SCREENER).distinct()
    if screener_ids is not None:
        screeners = screeners.filter(pk__in=list(screener_ids))
    screeners = list(screeners.order_by("pk"))
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
