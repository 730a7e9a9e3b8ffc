"""What the amendment pages read: one project's amendments, the ones awaiting DGA."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from directory.models import User
from proposals.models import BudgetLine

from .models import Amendment, AmendmentLine, AmendmentStatus, BaselineLine, Project
from .permissions import can_view_amendment


@dataclass
class BaselineRow:
    line: BaselineLine
    original: Decimal  # as the plan version the project started from approved it


def get_amendment_for(user: User, pk: int) -> Amendment | None:
    amendment = (
        Amendment.objects.select_related(
            "project__proposal", "project__agency", "project__round", "requested_by",
            "decided_by",
        )
        .filter(pk=pk)
        .first()
    )  # fmt: skip
    return amendment if amendment is not None and can_view_amendment(user, amendment) else None


def _with_lines(amendments: QuerySet[Amendment]) -> QuerySet[Amendment]:
    return amendments.prefetch_related(
        Prefetch("lines", queryset=AmendmentLine.objects.order_by("fiscal_year", "category"))
    )


def list_project_amendments(project: Project) -> list[Amendment]:
    """The project's amendments, oldest first, with their lines (two queries)."""
    return list(
        _with_lines(Amendment.objects.filter(project=project).select_related("decided_by"))
        .order_by("number")
    )  # fmt: skip


def list_amendments_to_decide() -> QuerySet[Amendment]:
    """The amendments awaiting a decision, the oldest request first (two queries a page)."""
    return _with_lines(
        Amendment.objects.filter(status=AmendmentStatus.PENDING)
        .select_related("project__proposal", "project__agency", "requested_by")
        .order_by("requested_at", "pk")
    )


def baseline_rows(project: Project, amendments: list[Amendment]) -> list[BaselineRow]:
    """The baseline now, each line beside its original amount: the ``before`` of the first
    approved amendment that changed it, else the amount now."""
    original: dict[tuple[int, str], Decimal] = {}
    for amendment in amendments:
        if amendment.status != AmendmentStatus.APPROVED:
            continue
        for line in amendment.lines.all():
            original.setdefault((line.fiscal_year, line.category), line.before)
    return [
        BaselineRow(line, original.get((line.fiscal_year, line.category), line.approved_amount))
        for line in project.baseline.order_by("fiscal_year", "category")
    ]


def amendment_cells(project: Project) -> list[tuple[int, str, Decimal, Decimal]]:
    """Per budget line of the proposal: (fiscal year, category, requested, approved now)."""
    now = {
        (line.fiscal_year, line.category): line.approved_amount
        for line in BaselineLine.objects.filter(project=project)
    }
    return [
        (line.fiscal_year, line.category, line.amount,
         now.get((line.fiscal_year, line.category), Decimal("0.00")))
        for line in BudgetLine.objects.filter(proposal_id=project.proposal_id).order_by(
            "fiscal_year", "category"
        )
    ]  # fmt: skip
