"""The roll-up of a round: every figure the plan page and its exports show comes from here."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from proposals.models import Benefit, Proposal, Stage
from proposals.workflow import APPROVED_STATES, Status

ZERO = Decimal("0.00")

# Proposals that count as submitted to the round: sent to DGA and not taken back.
SUBMITTED_Q = ~Q(status__in=[Status.DRAFT, Status.WITHDRAWN])
APPROVED_Q = Q(status__in=APPROVED_STATES)


@dataclass
class Figures:
    submitted_projects: int = 0
    submitted_agencies: int = 0
    requested: Decimal = ZERO
    approved_projects: int = 0
    approved_agencies: int = 0
    approved: Decimal = ZERO


@dataclass
class BreakdownRow:
    key: str
    label: str
    description: str
    figures: Figures


@dataclass
class PlanSummary:
    round: object
    totals: Figures
    by_stage: list[BreakdownRow] = field(default_factory=list)
    by_benefit: list[BreakdownRow] = field(default_factory=list)

    @property
    def frame_left(self) -> Decimal:
        return self.round.budget_frame - self.totals.approved


_FIGURES = {
    "submitted_projects": Count("id", filter=SUBMITTED_Q),
    "submitted_agencies": Count("agency", filter=SUBMITTED_Q, distinct=True),
    "requested": Sum("requested_amount", filter=SUBMITTED_Q, default=ZERO),
    "approved_projects": Count("id", filter=APPROVED_Q),
    "approved_agencies": Count("agency", filter=APPROVED_Q, distinct=True),
    "approved": Sum("approved_amount", filter=APPROVED_Q, default=ZERO),
}


def _breakdown(proposals, fk_name, reference_rows):
    """One row per reference entry (zero rows kept), plus one for proposals that lack it."""
    grouped = {
        row.pop(fk_name): Figures(**row)
        for row in proposals.values(fk_name).annotate(**_FIGURES).order_by()
    }
    rows = [
        BreakdownRow(ref.code, ref.name, ref.description, grouped.pop(ref.pk, Figures()))
        for ref in reference_rows
    ]
    leftover = grouped.pop(None, None)
    if leftover and (leftover.submitted_projects or leftover.approved_projects):
        rows.append(BreakdownRow("", "—", "", leftover))
    return rows


def get_plan_summary(plan_round) -> PlanSummary:
    """Headline figures of a round, split by value-chain stage and by expected benefit.

    Five queries whatever the number of proposals.
    """
    proposals = Proposal.objects.filter(round=plan_round)
    totals = Figures(**proposals.aggregate(**_FIGURES))
    return PlanSummary(
        round=plan_round,
        totals=totals,
        by_stage=_breakdown(proposals, "stage", Stage.objects.all()),
        by_benefit=_breakdown(proposals, "benefit", Benefit.objects.all()),
    )
