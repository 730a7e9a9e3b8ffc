"""Reads for the screening pages: the inbox's base queryset, its totals, the dashboard figures.

Totals are computed here once and handed to both the page and the downloads, so that the
screen and the file can never disagree.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from django.db.models import Count, Expression, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from directory.models import User
from directory.roles import Role
from proposals.models import ZERO, PlanRound, Proposal, Stage
from proposals.selectors import list_sent_proposals
from proposals.workflow import FINAL, SENT_TO_DGA, Status

from .models import (
    AssignmentKind,
    CriterionKind,
    CriterionScore,
    Reconciliation,
    ScoreSheet,
    ScoreSummary,
    ScreeningAssignment,
    ScreeningCriterion,
    ScreeningReview,
)
from .scoring import alpha_reading, krippendorff_alpha, mean_score

# Statuses in which the screener's work on the proposal is done (for progress figures).
SCREENED = frozenset(SENT_TO_DGA - {Status.SUBMITTED, Status.WITHDRAWN})


def inbox_queryset() -> QuerySet[Proposal]:
    """Every proposal an agency has sent to DGA, with what a list row needs in one query."""
    return list_sent_proposals().select_related(
        "round", "agency__ministry", "stage", "benefit", "assigned_screener"
    )


def list_rounds() -> list[PlanRound]:
    return list(PlanRound.objects.order_by("-fiscal_year"))


def get_default_round(rounds: Sequence[PlanRound]) -> PlanRound | None:
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


def get_totals(queryset: QuerySet[Proposal]) -> Totals:
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


def list_active_criteria(plan_round: PlanRound) -> list[ScreeningCriterion]:
    return list(
        ScreeningCriterion.objects.filter(round=plan_round, is_active=True).order_by("order", "id")
    )


def list_reviews(proposal: Proposal) -> list[ScreeningReview]:
    """The proposal's reviews, newest first, each with its assessments."""
    return list(
        ScreeningReview.objects.filter(proposal=proposal)
        .select_related("screener", "corrected_stage")
        .prefetch_related("assessments__criterion")
        .order_by("-created_at", "-id")
    )


class _NotRead(Enum):
    """get_recommended_amount's default: the caller did not read the latest review."""

    TOKEN = 0


_READ_IT = _NotRead.TOKEN


def get_latest_review(proposal: Proposal) -> ScreeningReview | None:
    return ScreeningReview.objects.filter(proposal=proposal).order_by("-created_at", "-id").first()


def get_recommended_amount(
    proposal: Proposal,
    *,
    latest_review: ScreeningReview | None | Literal[_NotRead.TOKEN] = _READ_IT,
) -> Decimal:
    """The screening's recommended amount: what the committee approves "as recommended".

    The proposal's figure (set when DGA forwarded it); else the latest review's figure (a
    review that did not forward keeps it there); else the whole request. Never above the
    request. ``latest_review``: pass the proposal's latest review (or ``None``) when it has
    been read already, as the meeting board does for its whole agenda in one query; otherwise
    it is read here, only when the proposal carries no figure.
    """
    requested = proposal.requested_amount
    if proposal.recommended_amount is not None:
        return min(proposal.recommended_amount, requested)
    if latest_review is _READ_IT:
        latest_review = get_latest_review(proposal)
    if latest_review is not None and latest_review.recommended_amount is not None:
        return min(latest_review.recommended_amount, requested)
    return requested


def screener_queryset() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.SCREENER, is_active=True).order_by(
        "first_name", "username"
    )


def list_screeners() -> list[User]:
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
    by_status: list[dict[str, Any]] = field(default_factory=list)
    by_stage: list[GroupTotal] = field(default_factory=list)
    by_ministry: list[dict[str, Any]] = field(default_factory=list)
    by_screener: list[dict[str, Any]] = field(default_factory=list)

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


def _sums() -> dict[str, Expression]:
    return {
        "n": Count("id"),
        "requested": Coalesce(Sum("requested_amount"), ZERO),
        "recommended": Coalesce(Sum("recommended_amount"), ZERO),
    }


_SCREENED_Q = Q(status__in=SCREENED)


def get_dashboard(plan_round: PlanRound) -> Dashboard:
    """The screening figures of one round (six grouped queries, whatever the data size)."""
    sent = list_sent_proposals().filter(round=plan_round).order_by()
    by_status = _by_status(sent)
    stage_totals = get_totals(sent)
    by_ministry = _by_ministry(sent)
    by_screener = _by_screener(sent)
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


def _by_status(sent: QuerySet[Proposal]) -> list[dict[str, Any]]:
    """Count and sums per status, in the workflow's order of statuses."""
    labels = dict(Status.choices)
    by_status: list[dict[str, Any]] = [
        {"key": row["status"], "label": labels.get(row["status"], row["status"]), **row}
        for row in sent.values("status").annotate(**_sums())
    ]
    order = {value: i for i, value in enumerate(Status.values)}
    by_status.sort(key=lambda row: order.get(row["key"], 99))
    return by_status


def _by_ministry(sent: QuerySet[Proposal]) -> list[dict[str, Any]]:
    """Count, sums and screened per ministry, the largest request first."""
    return [
        {
            "key": row["agency__ministry__code"] or "",
            "label": row["agency__ministry__name_th"] or "—",
            **row,
        }
        for row in sent.values("agency__ministry__code", "agency__ministry__name_th")
        .annotate(**_sums(), screened=Count("id", filter=_SCREENED_Q))
        # The plugin cannot see the names that annotate(**_sums()) adds.
        .order_by("-requested", "agency__ministry__name_th")  # type: ignore[misc]
    ]


def _by_screener(sent: QuerySet[Proposal]) -> list[dict[str, Any]]:
    """Each screener's work (count, screened, pending, percent), unassigned work last."""
    by_screener: list[dict[str, Any]] = []
    for row in (
        sent.values("assigned_screener", "assigned_screener__username",
                    "assigned_screener__first_name", "assigned_screener__last_name")
        .annotate(
            n=Count("id"),
            screened=Count("id", filter=_SCREENED_Q),
            pending=Count("id", filter=Q(status=Status.SUBMITTED)),
        )
        .order_by("assigned_screener__username")
    ):  # fmt: skip
        names = (row["assigned_screener__first_name"], row["assigned_screener__last_name"])
        label = " ".join(part for part in names if part) or row["assigned_screener__username"] or ""
        percent = round(100 * row["screened"] / row["n"]) if row["n"] else 0
        by_screener.append({**row, "label": label, "percent": percent})
    _add_second_screenings(sent, by_screener)
    by_screener.sort(key=lambda row: row["assigned_screener"] is None)
    return by_screener


def _add_second_screenings(sent: QuerySet[Proposal], by_screener: list[dict[str, Any]]) -> None:
    """Each screener's second screenings in the round (given, awaiting), in the same table:
    the workload the second screeners are spread by (``services._workload``). One query."""
    rows = {
        row["screener"]: row
        for row in ScreeningAssignment.objects.filter(proposal__in=sent, kind=AssignmentKind.SECOND)
        .values("screener", "screener__username", "screener__first_name", "screener__last_name")
        .annotate(
            second=Count("id"), second_pending=Count("id", filter=Q(completed_at__isnull=True))
        )
        .order_by("screener__username")
    }
    for row in by_screener:
        found = rows.pop(row["assigned_screener"], None)
        row["second"] = found["second"] if found else 0
        row["second_pending"] = found["second_pending"] if found else 0
    for screener_id, found in rows.items():  # second screeners holding no first screening
        names = (found["screener__first_name"], found["screener__last_name"])
        by_screener.append({
            "assigned_screener": screener_id,
            "assigned_screener__username": found["screener__username"],
            "label": " ".join(p for p in names if p) or found["screener__username"],
            "n": 0, "screened": 0, "pending": 0, "percent": 0,
            "second": found["second"], "second_pending": found["second_pending"],
        })  # fmt: skip


@dataclass(frozen=True)
class ProposalScore:
    """A proposal's score as anyone may see it (the committee's agenda orders by it).

    ``mean``: the weighted mean over the round's scored criteria, on a 0–100 scale (each
    criterion's score as a share of its scale's maximum; see ``screening.scoring``), averaged
    over the screeners who submitted; the agreed score once a disagreement is reconciled.
    ``None`` when nobody has scored the proposal yet, and while a second screener is assigned
    but the two screeners have not both submitted (the score stays blind until then).
    ``screeners``: how many screeners submitted scores.
    """

    mean: Decimal | None
    screeners: int


NO_SCORE = ProposalScore(mean=None, screeners=0)


def proposal_scores(proposal_ids: Iterable[int]) -> dict[int, ProposalScore]:
    """The score of each of ``proposal_ids`` (one query); unscored proposals get ``NO_SCORE``."""
    ids = {int(pk) for pk in proposal_ids}
    scores = dict.fromkeys(ids, NO_SCORE)
    for row in ScoreSummary.objects.filter(proposal_id__in=ids).values(
        "proposal_id", "mean", "screeners", "blind"
    ):
        mean = None if row["blind"] else row["mean"]
        scores[row["proposal_id"]] = ProposalScore(mean=mean, screeners=row["screeners"])
    return scores


def list_scored_criteria(plan_round: PlanRound) -> list[ScreeningCriterion]:
    """The round's active scored criteria, each with its levels' descriptions."""
    return list(
        ScreeningCriterion.objects.filter(
            round=plan_round, is_active=True, kind=CriterionKind.SCORED
        )
        .prefetch_related("levels")
        .order_by("order", "id")
    )


def with_scores(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """The rows with what everyone may see of their score (``score`` is empty while blind)."""
    return queryset.annotate(
        score=F("score_summary__mean"),
        score_screeners=F("score_summary__screeners"),
        score_flagged=F("score_summary__flagged"),
        score_blind=F("score_summary__blind"),
    )


@dataclass
class SheetView:
    sheet: ScoreSheet
    scores: list[CriterionScore]
    is_own: bool


@dataclass
class ScorePanel:
    """The scores part of a proposal's screening page, as ``viewer`` may see it."""

    criteria: list[ScreeningCriterion]
    summary: ScoreSummary | None
    sheets: list[SheetView]
    hidden_sheets: int
    first: ScreeningAssignment | None
    second: ScreeningAssignment | None
    reconciliation: Reconciliation | None
    own_sheet: ScoreSheet | None

    @property
    def blind(self) -> bool:
        return bool(self.summary and self.summary.blind)

    @property
    def flagged(self) -> bool:
        return bool(self.summary and self.summary.flagged)


def get_score_panel(proposal: Proposal, viewer: User) -> ScorePanel:
    """The proposal's score sheets, assignments and reconciliation (five queries).

    While the proposal is blind (a second screener assigned, both sheets not in) the viewer
    sees only their own sheet: the other's is counted, never shown.
    """
    criteria = list_scored_criteria(proposal.round)
    summary = ScoreSummary.objects.filter(proposal=proposal).first()
    sheets = list(
        ScoreSheet.objects.filter(proposal=proposal)
        .select_related("screener")
        .prefetch_related("scores__criterion")
        .order_by("submitted_at", "id")
    )
    tasks = {
        task.kind: task
        for task in ScreeningAssignment.objects.filter(proposal=proposal).select_related("screener")
    }
    blind = bool(summary and summary.blind)
    visible = [
        SheetView(sheet, list(sheet.scores.all()), sheet.screener_id == viewer.pk)
        for sheet in sheets
        if not blind or sheet.screener_id == viewer.pk
    ]
    reconciliation = (
        Reconciliation.objects.filter(proposal=proposal)
        .select_related("actor")
        .prefetch_related("scores__criterion")
        .first()
    )
    return ScorePanel(
        criteria=criteria,
        summary=summary,
        sheets=visible,
        hidden_sheets=len(sheets) - len(visible),
        first=tasks.get(AssignmentKind.FIRST),
        second=tasks.get(AssignmentKind.SECOND),
        reconciliation=reconciliation,
        own_sheet=next((s for s in sheets if s.screener_id == viewer.pk), None),
    )


def list_overdue_assignments(
    plan_round: PlanRound, *, today: datetime.date
) -> list[ScreeningAssignment]:
    """The round's screening tasks past their due date and not done (one query)."""
    return list(
        ScreeningAssignment.objects.filter(
            proposal__round=plan_round, completed_at__isnull=True, due_date__lt=today
        )
        .exclude(proposal__status__in=FINAL)
        .select_related("proposal", "screener")
        .order_by("due_date", "proposal__code")
    )


@dataclass(frozen=True)
class AlphaRow:
    label: str
    alpha: float | None
    units: int
    reading: str


@dataclass(frozen=True)
class CalibrationRow:
    label: str
    proposals: int
    own_mean: Decimal
    others_mean: Decimal

    @property
    def difference(self) -> Decimal:
        return self.own_mean - self.others_mean


@dataclass
class Agreement:
    """How far the round's screeners agree, from proposals scored by two or more."""

    double_scored: int
    overall: AlphaRow
    by_criterion: list[AlphaRow]
    by_screener: list[AlphaRow]
    calibration: list[CalibrationRow]
    flagged: int
    reconciled: int


def _user_label(user: User) -> str:
    return user.get_full_name() or user.username


def get_agreement(plan_round: PlanRound) -> Agreement:
    """Krippendorff's alpha (interval level) per criterion, per screener and on the scores
    of 100, and each screener's mean against the others' on the same proposals.

    Only proposals with two sheets or more count (a blind proposal has one, so no figure here
    can tell a second screener the first's score early). Four queries.
    """
    sheets = (
        ScoreSheet.objects.filter(proposal__round=plan_round)
        .select_related("screener")
        .order_by("proposal_id", "submitted_at", "id")
    )
    per_proposal: dict[int, list[ScoreSheet]] = {}
    for sheet in sheets:
        per_proposal.setdefault(sheet.proposal_id, []).append(sheet)
    doubled = {pk: own for pk, own in per_proposal.items() if len(own) >= 2}
    screeners = sorted(
        {s.screener for own in doubled.values() for s in own}, key=lambda u: (_user_label(u), u.pk)
    )
    values: dict[tuple[int, int, int], float] = {}
    for row in CriterionScore.objects.filter(sheet__proposal_id__in=list(doubled)).values(
        "sheet__proposal_id", "sheet__screener_id", "criterion_id", "value", "criterion__scale_max"
    ):
        key = (row["sheet__proposal_id"], row["criterion_id"], row["sheet__screener_id"])
        values[key] = row["value"] / row["criterion__scale_max"]
    criteria = list_scored_criteria(plan_round)
    summaries = ScoreSummary.objects.filter(proposal__round=plan_round)
    return Agreement(
        double_scored=len(doubled),
        overall=_overall_alpha(doubled, screeners),
        by_criterion=[_criterion_alpha(c, doubled, screeners, values) for c in criteria],
        by_screener=[_screener_alpha(s, doubled, screeners, values) for s in screeners],
        calibration=[_calibration(s, doubled) for s in screeners],
        flagged=summaries.filter(flagged=True).count(),
        reconciled=Reconciliation.objects.filter(proposal__round=plan_round).count(),
    )


def _alpha_row(label: str, rows: list[list[float | None]]) -> AlphaRow:
    alpha = krippendorff_alpha(rows) if rows else None
    units = sum(1 for column in zip(*rows, strict=True) if sum(v is not None for v in column) >= 2)
    return AlphaRow(label, alpha, units, alpha_reading(alpha))


def _overall_alpha(doubled: dict[int, list[ScoreSheet]], screeners: list[User]) -> AlphaRow:
    by_screener = {(pk, s.screener_id): float(s.score) for pk, own in doubled.items() for s in own}
    rows = [[by_screener.get((pk, u.pk)) for pk in doubled] for u in screeners]
    return _alpha_row(_("Score of 100"), rows)


def _criterion_alpha(
    criterion: ScreeningCriterion,
    doubled: dict[int, list[ScoreSheet]],
    screeners: list[User],
    values: dict[tuple[int, int, int], float],
) -> AlphaRow:
    rows = [[values.get((pk, criterion.pk, u.pk)) for pk in doubled] for u in screeners]
    return _alpha_row(criterion.text, rows)


def _screener_alpha(
    screener: User,
    doubled: dict[int, list[ScoreSheet]],
    screeners: list[User],
    values: dict[tuple[int, int, int], float],
) -> AlphaRow:
    """Alpha over the (proposal, criterion) pairs of the proposals this screener scored."""
    units = sorted({(pk, criterion) for (pk, criterion, who) in values if who == screener.pk})
    rows = [[values.get((pk, criterion, u.pk)) for pk, criterion in units] for u in screeners]
    return _alpha_row(_user_label(screener), rows)


def _calibration(screener: User, doubled: dict[int, list[ScoreSheet]]) -> CalibrationRow:
    own: list[Decimal] = []
    others: list[Decimal] = []
    for sheets in doubled.values():
        mine = [s.score for s in sheets if s.screener_id == screener.pk]
        theirs = [s.score for s in sheets if s.screener_id != screener.pk]
        if mine and theirs:
            own.append(mine[0])
            others.append(sum(theirs, Decimal(0)) / len(theirs))
    return CalibrationRow(
        label=_user_label(screener),
        proposals=len(own),
        own_mean=mean_score(own) or ZERO,
        others_mean=mean_score(others) or ZERO,
    )
