"""The roll-up of a round: every figure the plan page and its exports show comes from here.

The page reads the live data through ``get_plan_summary`` and ``list_plan_projects``; a published
version stores ``build_plan_snapshot`` (made from the same two selectors), and the downloads are
rendered from that snapshot only, so that a version's files never change afterwards.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    JSONField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language, gettext

from directory.models import Agency, Ministry
from proposals.models import Benefit, BudgetLine, ExpenseCategory, PlanRound, Proposal, Stage
from proposals.workflow import APPROVED_STATES, Status

from .models import PlanVersion, RoundSummary

ZERO = Decimal("0.00")
SATANG = Decimal("0.01")
# 2: projects carry the screener's recommended amount, and the round's other submitted proposals
# (not approved) are kept too, for the Fiscal Data Package's requested and recommended phases.
SNAPSHOT_SCHEMA = 2

# Proposals that count as submitted to the round: sent to DGA and not taken back.
SUBMITTED_Q = ~Q(status__in=[Status.DRAFT, Status.WITHDRAWN])
APPROVED_Q = Q(status__in=APPROVED_STATES)


def _in_english() -> bool:
    return (get_language() or "th").startswith("en")


def pick_name(name_th: str, name_en: str = "") -> str:
    """The English name when the page is in English and one exists, else the Thai name."""
    return name_en if name_en and _in_english() else name_th


def money(value: Decimal | None) -> str:
    """Baht as the exact string the snapshot and the JSON carry: ``"1234.50"``."""
    return str(Decimal(value or 0).quantize(SATANG))


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
    name_th: str = ""
    name_en: str = ""
    parent_th: str = ""  # the ministry of an agency row
    parent_en: str = ""
    description_th: str = ""  # a stage's or benefit's description, kept with the summary
    description_en: str = ""

    @property
    def parent(self) -> str:
        return pick_name(self.parent_th, self.parent_en)


@dataclass
class AmountRow:
    """Approved projects' budget lines in one expense category or one fiscal year."""

    key: str
    label: str
    projects: int = 0
    requested: Decimal = ZERO
    approved: Decimal = ZERO


@dataclass
class PlanSummary:
    round: PlanRound
    totals: Figures
    by_stage: list[BreakdownRow] = field(default_factory=list)
    by_benefit: list[BreakdownRow] = field(default_factory=list)
    by_ministry: list[BreakdownRow] = field(default_factory=list)
    by_agency: list[BreakdownRow] | None = field(default_factory=list)  # None: on its own page
    by_category: list[AmountRow] = field(default_factory=list)
    by_fiscal_year: list[AmountRow] = field(default_factory=list)

    @property
    def frame_left(self) -> Decimal:
        return self.round.budget_frame - self.totals.approved

    @property
    def category_total(self) -> AmountRow:
        return sum_amount_rows(self.by_category)

    @property
    def fiscal_year_total(self) -> AmountRow:
        return sum_amount_rows(self.by_fiscal_year)

    @property
    def lines_agree(self) -> bool:
        """Whether the round-year budget lines add up to the approved amounts."""
        return self.category_total.approved == self.totals.approved


def sum_amount_rows(rows: Iterable[AmountRow]) -> AmountRow:
    return AmountRow(
        key="",
        label="",
        projects=0,
        requested=sum((r.requested for r in rows), ZERO),
        approved=sum((r.approved for r in rows), ZERO),
    )


_FIGURES: dict[str, Aggregate] = {
    "submitted_projects": Count("id", filter=SUBMITTED_Q),
    "submitted_agencies": Count("agency", filter=SUBMITTED_Q, distinct=True),
    "requested": Sum("requested_amount", filter=SUBMITTED_Q, default=ZERO),
    "approved_projects": Count("id", filter=APPROVED_Q),
    "approved_agencies": Count("agency", filter=APPROVED_Q, distinct=True),
    "approved": Sum("approved_amount", filter=APPROVED_Q, default=ZERO),
}

# The rows of ``values(...).annotate(**_FIGURES)`` (or ``**_LINE_FIGURES``), figures included:
# the django-stubs plugin types them as a TypedDict of the values() names only, as it cannot see
# names unpacked from a dict.
_Rows = Iterable[dict[str, Any]]


def _breakdown(
    proposals: QuerySet[Proposal], fk_name: str, reference_rows: Iterable[Stage | Benefit]
) -> list[BreakdownRow]:
    """One row per reference entry (zero rows kept), plus one for proposals that lack it."""
    grouped = {
        row.pop(fk_name): Figures(**row)
        for row in proposals.values(fk_name).annotate(**_FIGURES).order_by()
    }
    rows = [
        BreakdownRow(
            ref.code,
            ref.name,
            ref.description,
            grouped.pop(ref.pk, Figures()),
            name_th=ref.name_th,
            name_en=ref.name_en,
            description_th=ref.description_th,
            description_en=ref.description_en,
        )  # fmt: skip
        for ref in reference_rows
    ]
    leftover = grouped.pop(None, None)
    if leftover and (leftover.submitted_projects or leftover.approved_projects):
        rows.append(BreakdownRow("", "—", "", leftover, name_th="—", name_en="—"))
    return rows


def _by_ministry(submitted: QuerySet[Proposal]) -> list[BreakdownRow]:
    """One row per ministry with submitted proposals; agencies without a ministry last."""
    values = (
        submitted.values(
            "agency__ministry__code",
            "agency__ministry__name_th",
            "agency__ministry__name_en",
            "agency__ministry__order",
        )  # fmt: skip
        .annotate(**_FIGURES)
        .order_by()
    )
    rows = []
    for row in cast(_Rows, values):
        code = row.pop("agency__ministry__code")
        name_th = row.pop("agency__ministry__name_th") or ""
        name_en = row.pop("agency__ministry__name_en") or ""
        order = row.pop("agency__ministry__order")
        rows.append(((code is None, order or 0, name_th), BreakdownRow(
            code or "", pick_name(name_th, name_en) if code else _no_ministry_label(), "",
            Figures(**row), name_th=name_th, name_en=name_en,
        )))  # fmt: skip
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def _no_ministry_label() -> str:
    return gettext("Not under a ministry")


def _by_agency(submitted: QuerySet[Proposal]) -> list[BreakdownRow]:
    """One row per agency with submitted proposals, in Thai alphabetical order of the name."""
    values = (
        submitted.values(
            "agency__code",
            "agency__name_th",
            "agency__name_en",
            "agency__ministry__name_th",
            "agency__ministry__name_en",
        )  # fmt: skip
        .annotate(**_FIGURES)
        .order_by("agency__name_th")
    )
    rows = []
    for row in cast(_Rows, values):
        code = row.pop("agency__code")
        name_th, name_en = row.pop("agency__name_th"), row.pop("agency__name_en")
        ministry_th = row.pop("agency__ministry__name_th") or ""
        ministry_en = row.pop("agency__ministry__name_en") or ""
        rows.append(
            BreakdownRow(
                code,
                pick_name(name_th, name_en),
                "",
                Figures(**row),
                name_th=name_th,
                name_en=name_en,
                parent_th=ministry_th,
                parent_en=ministry_en,
            )  # fmt: skip
        )
    return rows


def _approved_lines(plan_round: PlanRound) -> QuerySet[BudgetLine]:
    return BudgetLine.objects.filter(
        proposal__round=plan_round, proposal__status__in=APPROVED_STATES
    )


_LINE_FIGURES: dict[str, Aggregate] = {
    "projects": Count("proposal", distinct=True),
    "requested": Sum("amount", default=ZERO),
    "approved": Sum("approved_amount", default=ZERO),
}


def _by_category(plan_round: PlanRound) -> list[AmountRow]:
    """The five expense categories of the round's own fiscal year (zero rows kept)."""
    grouped = {
        row.pop("category"): row
        for row in cast(
            _Rows,
            _approved_lines(plan_round)
            .filter(fiscal_year=plan_round.fiscal_year)
            .values("category")
            .annotate(**_LINE_FIGURES)
            .order_by(),
        )
    }
    return [
        AmountRow(category.value, str(category.label), **grouped.get(category.value, {}))
        for category in ExpenseCategory
    ]


def _by_fiscal_year(plan_round: PlanRound) -> list[AmountRow]:
    """Every fiscal year the approved projects' budget lines name (multi-year commitments)."""
    return [
        AmountRow(str(row["fiscal_year"]), str(row.pop("fiscal_year")), **row)
        for row in cast(
            _Rows,
            _approved_lines(plan_round)
            .values("fiscal_year")
            .annotate(**_LINE_FIGURES)
            .order_by("fiscal_year"),
        )
    ]


def get_plan_summary(plan_round: PlanRound, *, agency_rows_up_to: int | None = None) -> PlanSummary:
    """Headline figures of a round and every breakdown of the plan.

    Nine queries whatever the number of proposals: the totals, stage and benefit (the
    reference list and the grouped figures each), ministry, agency, expense category and
    fiscal year. With ``agency_rows_up_to``, the agency breakdown is left out (``None``, one
    query fewer) when more agencies than that submitted: a page then links to it instead.
    """
    proposals = Proposal.objects.filter(round=plan_round)
    submitted = proposals.filter(SUBMITTED_Q)
    totals = Figures(**proposals.aggregate(**_FIGURES))
    too_many = agency_rows_up_to is not None and totals.submitted_agencies > agency_rows_up_to
    return PlanSummary(
        round=plan_round,
        totals=totals,
        by_stage=_breakdown(proposals, "stage", Stage.objects.all()),
        by_benefit=_breakdown(proposals, "benefit", Benefit.objects.all()),
        by_ministry=_by_ministry(submitted),
        by_agency=None if too_many else _by_agency(submitted),
        by_category=_by_category(plan_round),
        by_fiscal_year=_by_fiscal_year(plan_round),
    )


def get_agency_breakdown(plan_round: PlanRound) -> tuple[list[BreakdownRow], Figures]:
    """The agency breakdown of a round and its totals (two queries)."""
    proposals = Proposal.objects.filter(round=plan_round)
    totals = Figures(**proposals.aggregate(**_FIGURES))
    return _by_agency(proposals.filter(SUBMITTED_Q)), totals


def list_plan_projects(plan_round: PlanRound) -> QuerySet[Proposal]:
    """The approved projects of the round, in plan order, with everything a row shows.

    Two queries when evaluated (the proposals, then their budget lines).
    """
    return (
        Proposal.objects.filter(round=plan_round, status__in=APPROVED_STATES)
        .select_related("agency__ministry", "stage", "benefit")
        .prefetch_related(
            Prefetch(
                "budget_lines", queryset=BudgetLine.objects.order_by("fiscal_year", "category")
            )
        )
        .order_by(
            # The same order on SQLite and PostgreSQL: what lacks a stage or ministry comes last.
            F("stage__order").asc(nulls_last=True),
            F("agency__ministry__order").asc(nulls_last=True),
            F("agency__ministry__name_th").asc(nulls_last=True),
            "agency__name_th",
            "code",
            "id",
        )  # fmt: skip
    )


def get_plan_project(plan_round: PlanRound, code: str) -> Proposal:
    """One approved project of the round, by its reference code, for every reader of the plan;
    ``Http404`` for anything else (a draft, a refused proposal, another round's code)."""
    return get_object_or_404(
        Proposal.objects.filter(round=plan_round, status__in=APPROVED_STATES).select_related(
            "round", "agency__ministry", "stage", "benefit", "dg_strategy", "national_strategy"
        ),
        code=code,
    )


# --- the snapshot of a published version -------------------------------------------------


def _names(obj: Agency | Ministry | Stage | Benefit | None) -> dict[str, str] | None:
    if obj is None:
        return None
    return {"code": obj.code, "name_th": obj.name_th, "name_en": obj.name_en}


def _figures_json(figures: Figures) -> dict[str, Any]:
    return {
        "submitted_projects": figures.submitted_projects,
        "submitted_agencies": figures.submitted_agencies,
        "requested": money(figures.requested),
        "approved_projects": figures.approved_projects,
        "approved_agencies": figures.approved_agencies,
        "approved": money(figures.approved),
    }


def _row_json(row: BreakdownRow) -> dict[str, Any]:
    data: dict[str, Any] = {"key": row.key, "name_th": row.name_th, "name_en": row.name_en}
    if row.parent_th:
        data.update(parent_th=row.parent_th, parent_en=row.parent_en)
    data["figures"] = _figures_json(row.figures)
    return data


def _amount_row_json(row: AmountRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "projects": row.projects,
        "requested": money(row.requested),
        "approved": money(row.approved),
    }


def _project_json(proposal: Proposal) -> dict[str, Any]:
    ministry = proposal.agency.ministry
    return {
        "id": proposal.pk,
        "code": proposal.code,
        "title_th": proposal.title_th,
        "title_en": proposal.title_en,
        "status": proposal.status,
        "agency": _names(proposal.agency),
        "ministry": _names(ministry),
        "stage": _names(proposal.stage),
        "benefit": _names(proposal.benefit),
        "requested_amount": money(proposal.requested_amount),
        "recommended_amount": (
            None if proposal.recommended_amount is None else money(proposal.recommended_amount)
        ),
        "approved_amount": money(proposal.approved_amount),
        "budget_lines": [
            {
                "fiscal_year": line.fiscal_year,
                "category": line.category,
                "amount": money(line.amount),
                "approved_amount": money(line.approved_amount),
            }
            for line in proposal.budget_lines.all()
        ],
    }


def build_plan_snapshot(
    plan_round: PlanRound, *, summary: PlanSummary | None = None
) -> dict[str, Any]:
    """Everything a published version's files need, as plain JSON (amounts as exact strings).

    Made from ``get_plan_summary`` (or the ``summary`` it just gave) and ``list_plan_projects``,
    so that the files agree with the page. Nothing in it depends on the time or on the reader's
    language.
    """
    summary = summary or get_plan_summary(plan_round)
    assert summary.by_agency is not None  # only left out when agency_rows_up_to is given
    stage_rows = summary.by_stage
    return {
        "schema": SNAPSHOT_SCHEMA,
        "fiscal_year": plan_round.fiscal_year,
        "round": {
            "name_th": plan_round.name_th,
            "name_en": plan_round.name_en,
            "budget_frame": money(plan_round.budget_frame),
        },
        "totals": _figures_json(summary.totals),
        "by_stage": [_row_json(row) for row in stage_rows],
        "by_benefit": [_row_json(row) for row in summary.by_benefit],
        "by_ministry": [_row_json(row) for row in summary.by_ministry],
        "by_agency": [_row_json(row) for row in summary.by_agency],
        "by_category": [_amount_row_json(row) for row in summary.by_category],
        "by_fiscal_year": [_amount_row_json(row) for row in summary.by_fiscal_year],
        "projects": [_project_json(p) for p in list_plan_projects(plan_round)],
        "not_approved": [_project_json(p) for p in _list_not_approved(plan_round)],
    }


def _list_not_approved(plan_round: PlanRound) -> QuerySet[Proposal]:
    """The round's submitted proposals the committee did not approve (two queries)."""
    return (
        Proposal.objects.filter(SUBMITTED_Q, round=plan_round)
        .exclude(status__in=APPROVED_STATES)
        .select_related("agency__ministry", "stage", "benefit")
        .defer(*Proposal.LONG_TEXTS)
        .prefetch_related(
            Prefetch(
                "budget_lines", queryset=BudgetLine.objects.order_by("fiscal_year", "category")
            )
        )
        .order_by("code", "id")
    )


def canonical_json(snapshot: dict[str, Any]) -> bytes:
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def snapshot_checksum(snapshot: dict[str, Any]) -> str:
    """SHA-256 of the snapshot's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


# --- the summary kept per round (plans.models.RoundSummary) -------------------------------


def _summary_row_json(row: BreakdownRow) -> dict[str, Any]:
    data = _row_json(row)
    if row.description_th or row.description_en:
        data.update(description_th=row.description_th, description_en=row.description_en)
    return data


def summary_json(summary: PlanSummary, *, approved_requested: Decimal) -> dict[str, Any]:
    """The figures of a summary as plain JSON, all but the agency rows (``agency_rows_json``).

    ``approved_requested`` is what the approved projects asked for: the plan page's subtotal of
    its unfiltered project list.
    """
    return {
        "totals": _figures_json(summary.totals),
        "approved_requested": money(approved_requested),
        "by_stage": [_summary_row_json(row) for row in summary.by_stage],
        "by_benefit": [_summary_row_json(row) for row in summary.by_benefit],
        "by_ministry": [_row_json(row) for row in summary.by_ministry],
        "by_category": [_amount_row_json(row) for row in summary.by_category],
        "by_fiscal_year": [_amount_row_json(row) for row in summary.by_fiscal_year],
    }


def agency_rows_json(summary: PlanSummary) -> list[dict[str, Any]]:
    return [_row_json(row) for row in summary.by_agency or []]


def approved_requested(plan_round: PlanRound) -> Decimal:
    """What the round's approved projects requested (one query)."""
    return Proposal.objects.filter(round=plan_round, status__in=APPROVED_STATES).aggregate(
        total=Sum("requested_amount", default=ZERO)
    )["total"]


def _figures_from(data: dict[str, Any]) -> Figures:
    return Figures(
        submitted_projects=data["submitted_projects"],
        submitted_agencies=data["submitted_agencies"],
        requested=Decimal(data["requested"]),
        approved_projects=data["approved_projects"],
        approved_agencies=data["approved_agencies"],
        approved=Decimal(data["approved"]),
    )


def _row_from(data: dict[str, Any], *, no_code_label: str | None = None) -> BreakdownRow:
    name_th, name_en = data["name_th"], data["name_en"]
    description_th = data.get("description_th", "")
    description_en = data.get("description_en", "")
    label = no_code_label if no_code_label and not data["key"] else pick_name(name_th, name_en)
    description = pick_name(description_th, description_en)
    return BreakdownRow(
        data["key"], label, description, _figures_from(data["figures"]),
        name_th=name_th, name_en=name_en, parent_th=data.get("parent_th", ""),
        parent_en=data.get("parent_en", ""), description_th=description_th,
        description_en=description_en,
    )  # fmt: skip


def _amount_row_from(data: dict[str, Any], label: str) -> AmountRow:
    return AmountRow(
        data["key"], label, data["projects"], Decimal(data["requested"]), Decimal(data["approved"])
    )


CATEGORY_LABELS = dict(ExpenseCategory.choices)


def summary_from_json(
    plan_round: PlanRound, data: dict[str, Any], agencies: list[dict[str, Any]] | None
) -> PlanSummary:
    """The ``PlanSummary`` a kept summary holds, labelled in the request's language."""
    return PlanSummary(
        round=plan_round,
        totals=_figures_from(data["totals"]),
        by_stage=[_row_from(row) for row in data["by_stage"]],
        by_benefit=[_row_from(row) for row in data["by_benefit"]],
        by_ministry=[
            _row_from(row, no_code_label=_no_ministry_label()) for row in data["by_ministry"]
        ],
        by_agency=None if agencies is None else [_row_from(row) for row in agencies],
        by_category=[
            _amount_row_from(row, str(CATEGORY_LABELS.get(row["key"], row["key"])))
            for row in data["by_category"]
        ],
        by_fiscal_year=[_amount_row_from(row, row["key"]) for row in data["by_fiscal_year"]],
    )


@dataclass
class KeptSummary:
    summary: PlanSummary
    approved_requested: Decimal
    plan_order: list[int]  # the approved projects' ids in plan order (list_plan_projects)


def plan_order(plan_round: PlanRound) -> list[int]:
    """The ids of the round's approved projects in plan order (one query)."""
    return list(list_plan_projects(plan_round).prefetch_related(None).values_list("id", flat=True))


def get_kept_plan_summary(
    plan_round: PlanRound, *, agency_rows_up_to: int | None = None
) -> KeptSummary | None:
    """The round's kept summary when it is up to date, else None; one query.

    The agency rows are read only when at most ``agency_rows_up_to`` agencies submitted (when
    it is given), as ``get_plan_summary`` leaves them out.
    """
    rows = RoundSummary.objects.filter(round=plan_round, state=RoundSummary.State.FRESH)
    if agency_rows_up_to is not None:
        rows = rows.defer("agencies").annotate(
            agency_rows=Case(
                When(submitted_agencies__lte=agency_rows_up_to, then=F("agencies")),
                default=Value(None),
                output_field=JSONField(),
            )
        )
    else:
        rows = rows.annotate(agency_rows=F("agencies"))
    kept = rows.values("figures", "agency_rows", "plan_order").first()
    if kept is None:
        return None
    data = kept["figures"]
    return KeptSummary(
        summary_from_json(plan_round, data, kept["agency_rows"]),
        Decimal(data["approved_requested"]),
        kept["plan_order"],
    )


# --- versions ----------------------------------------------------------------------------


def list_plan_versions(plan_round: PlanRound) -> QuerySet[PlanVersion]:
    """The round's published versions, newest first, without their (large) snapshots."""
    return (
        PlanVersion.objects.filter(round=plan_round)
        .select_related("published_by")
        .defer("snapshot")
        .order_by("-number")
    )


@dataclass
class LineChange:
    """One budget line whose approved amount moved between versions (an amendment)."""

    fiscal_year: int
    category: str
    before: str | None
    after: str | None

    @property
    def category_label(self) -> str:
        return str(dict(ExpenseCategory.choices).get(self.category, self.category))


@dataclass
class AmountChange:
    project: dict[str, Any]
    before: dict[str, Any]
    lines: list[LineChange] = field(default_factory=list)


def _line_changes(before: dict[str, Any], after: dict[str, Any]) -> list[LineChange]:
    def approved(project: dict[str, Any]) -> dict[tuple[int, str], str | None]:
        return {
            (line["fiscal_year"], line["category"]): line.get("approved_amount")
            for line in project.get("budget_lines", [])
        }

    old, new = approved(before), approved(after)
    return [
        LineChange(cell[0], cell[1], old.get(cell), new.get(cell))
        for cell in sorted(old.keys() | new.keys())
        if old.get(cell) != new.get(cell)
    ]


@dataclass
class VersionComparison:
    older: PlanVersion
    newer: PlanVersion
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[AmountChange]

    @property
    def approved_difference(self) -> Decimal:
        return Decimal(self.newer.snapshot["totals"]["approved"]) - Decimal(
            self.older.snapshot["totals"]["approved"]
        )

    @property
    def projects_difference(self) -> int:
        return (
            self.newer.snapshot["totals"]["approved_projects"]
            - self.older.snapshot["totals"]["approved_projects"]
        )


def compare_plan_versions(older: PlanVersion, newer: PlanVersion) -> VersionComparison:
    """Projects added, removed, and whose requested or approved amount changed, or whose
    approved amount moved between budget lines (an amendment)."""
    before = {p["id"]: p for p in older.snapshot["projects"]}
    after = {p["id"]: p for p in newer.snapshot["projects"]}
    changed = [
        AmountChange(project=p, before=before[pid], lines=lines)
        for pid, p in after.items()
        if pid in before
        for lines in [_line_changes(before[pid], p)]
        if (
            p["approved_amount"] != before[pid]["approved_amount"]
            or p["requested_amount"] != before[pid]["requested_amount"]
            or lines
        )
    ]
    return VersionComparison(
        older=older,
        newer=newer,
        added=[p for pid, p in after.items() if pid not in before],
        removed=[p for pid, p in before.items() if pid not in after],
        changed=changed,
    )


def version_project_count(version: PlanVersion) -> int:
    """How many approved projects a published version holds (kept beside its snapshot)."""
    return version.project_count


def exports_in_background(version: PlanVersion) -> bool:
    """Whether the version's XLSX and PDF are made by a worker rather than in the request."""
    return version_project_count(version) > settings.PLAN_EXPORT_SYNC_LIMIT
