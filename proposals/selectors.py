"""Reads of proposals and rounds that more than one view needs."""

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from directory.roles import Role

from .models import PlanRound, Proposal
from .workflow import APPROVED_STATES


def get_open_round(now=None) -> PlanRound | None:
    """The round accepting submissions now, if any."""
    now = now or timezone.now()
    return (
        PlanRound.objects.filter(submission_opens_at__lte=now, submission_closes_at__gt=now)
        .order_by("-fiscal_year")
        .first()
    )


def get_current_round(*, with_plan=False) -> PlanRound | None:
    """The newest round; with ``with_plan``, the newest that has approved projects."""
    rounds = PlanRound.objects.order_by("-fiscal_year")
    if with_plan:
        approved = Proposal.objects.filter(round=OuterRef("pk"), status__in=APPROVED_STATES)
        rounds = rounds.filter(Exists(approved))
    return rounds.first()


def can_see_all_proposals(user) -> bool:
    return user.has_role(Role.SCREENER, Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)


def visible_proposals(user):
    """Proposals the user may read: their own agency's, or every one for DGA and committee."""
    proposals = Proposal.objects.all()
    if can_see_all_proposals(user):
        return proposals
    if user.has_role(Role.SUBMITTER) and user.agency_id:
        return proposals.filter(agency_id=user.agency_id)
    return proposals.none()


def get_proposal_for(user, pk) -> Proposal:
    """The proposal if the user may see it; 404 for missing and forbidden alike."""
    try:
        return visible_proposals(user).select_related(
            "round", "agency__ministry", "stage", "benefit", "dg_strategy", "national_strategy"
        ).get(pk=pk)
    except (Proposal.DoesNotExist, ValueError):
        raise Http404 from None
