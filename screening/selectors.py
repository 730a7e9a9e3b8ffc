"""Reads for the screening pages: the inbox's base queryset, its totals, the dashboard figures.

Totals are computed here once and handed to both the page and the downloads, so that the
screen and the file can never disagree.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from directory.models import User
from directory.roles import Role
from proposals.models import ZERO, PlanRound, Stage
from proposals.selectors import list_sent_proposals
from proposals.workflow import SENT_TO_DGA, Status

from .models import ScreeningCriterion, ScreeningReview

# Statuses in which the screener's work on the proposal is done (for progress figures).
SCREENED = frozenset(SENT_TO_DGA - {Status.SUBMITTED, Status.WITHDRAWN})


def inbox_queryset():
    """Every proposal an agency has sent to DGA, with what a list row needs in one query."""
    return list_sent_proposals().select_related(
        "round", "agency__ministry", "stage", "benefit", "assigned_screener"
    )


def list_rounds():
    return list(PlanRound.objects.order_by("-fiscal_year"))


def get_default_round(rounds) -> PlanRound | None:
    """The round the inbox opens on: the newest one."""
    return rounds[0] if rounds else None


@dataclass
class GroupTotal:
    key: str
    label: str
    count: int = 0
    requested: Decimal = ZERO
    recommended: Decimal = ZERO


@dataclass
class Totals:
    count: int = 0
    requested: Decimal = ZERO
    recommended: Decimal = ZERO
    by_stage: list[GroupTotal] = field(default_factory=list)


def get_totals(queryset) -> Totals:
    """Count and sums (requested, recommended) of a filtered queryset, split by stage.

    One query: the split by stage is grouped in SQL and the grand total is the sum of the
    groups, so that the split always adds up to the total, to the satang.
    """
    rows = (
        queryset.order_by()
        .values("stage__code", "stage__name_th", "stage__name_en", "stage__order")
        .annotate(
            n=Count("id"),
            requested=Coalesce(Sum("requested_amount"), ZERO),
            recommended=Coalesce(Sum("recommended_amount"), ZERO),
        )
        .order_by("stage__order")
    )
    totals = Totals()
    for row in rows:
        stage = Stage(code=row["stage__code"] or "", name_th=row["stage__name_th"] or "",
                      name_en=row["stage__name_en"] or "")  # fmt: skip
        label = stage.name if row["stage__code"] else "—"
        group = GroupTotal(
            row["stage__code"] or "", label, row["n"], row["requested"], row["recommended"]
        )
        totals.by_stage.append(group)
        totals.count += group.count
        totals.requested += group.requested
        totals.recommended += group.recommended
    # Rows without a stage sort last on every database.
    totals.by_stage.sort(key=lambda g: (g.key == "",))
    return totals


def list_active_criteria(plan_round) -> list[ScreeningCriterion]:
    return list(
        ScreeningCriterion.objects.filter(round=plan_round, is_active=True).order_by("order", "id")
    )


def list_reviews(proposal) -> list[ScreeningReview]:
    """The proposal's reviews, newest first, each with its assessments."""
    return list(
        ScreeningReview.objects.filter(proposal=proposal)
        .select_related("screener", "corrected_stage")
        .prefetch_related("assessments__criterion")
        .order_by("-created_at", "-id")
    )


def screener_queryset():
    return User.objects.filter(groups__name=Role.SCREENER, is_active=True).order_by(
        "first_name", "username"
    )


def list_screeners():
    return list(screener_queryset())


@dataclass
class Dashboard:
    plan_round: PlanRound
    total: int
    screened: int
    pending: int
    requested: Decimal
    recommended: Decimal
    budget_frame: Decimal
    by_status: list = field(default_factory=list)
    by_stage: list = field(default_factory=list)
    by_ministry: list = field(default_factory=list)
    by_screener: list = field(default_factory=list)

    @property
    def screened_percent(self) -> int:
        return round(100 * self.screened / self.total) if self.total else 0

    @property
    def frame_percent(self) -> Decimal | None:
        if not self.budget_frame:
            return None
        return (100 * self.requested / self.budget_frame).quantize(Decimal("0.1"))

    @property
    def over_frame(self) -> Decimal:
        return max(self.requested - self.budget_frame, ZERO)


def get_dashboard(plan_round) -> Dashboard:
    """The screening figures of one round (five grouped queries, whatever the data size)."""
    sent = list_sent_proposals().filter(round=plan_round).order_by()
    sums = {
        "n": Count("id"),
        "requested": Coalesce(Sum("requested_amount"), ZERO),
        "recommended": Coalesce(Sum("recommended_amount"), ZERO),
    }
    labels = dict(Status.choices)
    by_status = [
        {"key": row["status"], "label": labels.get(row["status"], row["status"]), **row}
        for row in sent.values("status").annotate(**sums)
    ]
    order = {value: i for i, value in enumerate(Status.values)}
    by_status.sort(key=lambda row: order.get(row["key"], 99))
    screened_q = Q(status__in=SCREENED)
    stage_totals = get_totals(sent)
    by_ministry = [
        {
            "key": row["agency__ministry__code"] or "",
            "label": row["agency__ministry__name_th"] or "—",
            **row,
        }
        for row in sent.values("agency__ministry__code", "agency__ministry__name_th")
        .annotate(**sums, screened=Count("id", filter=screened_q))
        .order_by("-requested", "agency__ministry__name_th")
    ]
    by_screener = []
    for row in (
        sent.values("assigned_screener", "assigned_screener__username",
                    "assigned_screener__first_name", "assigned_screener__last_name")
        .annotate(
            n=Count("id"),
            screened=Count("id", filter=screened_q),
            pending=Count("id", filter=Q(status=Status.SUBMITTED)),
        )
        .order_by("assigned_screener__username")
    ):  # fmt: skip
        name = (
            " ".join(
                part
                for part in (
                    row["assigned_screener__first_name"],
                    row["assigned_screener__last_name"],
                )
                if part
            )
            or row["assigned_screener__username"]
            or ""
        )
        row["label"] = name
        row["percent"] = round(100 * row["screened"] / row["n"]) if row["n"] else 0
        by_screener.append(row)
    # Unassigned work last.
    by_screener.sort(key=lambda row: row["assigned_screener"] is None)
    screened = sum(row["n"] for row in by_status if row["key"] in SCREENED)
    pending = sum(row["n"] for row in by_status if row["key"] == Status.SUBMITTED)
    return Dashboard(
        plan_round=plan_round,
        total=stage_totals.count,
        screened=screened,
        pending=pending,
        requested=stage_totals.requested,
        recommended=stage_totals.recommended,
        budget_frame=plan_round.budget_frame,
        by_status=by_status,
        by_stage=stage_totals.by_stage,
        by_ministry=by_ministry,
        by_screener=by_screener,
    )
