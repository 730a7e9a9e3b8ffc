"""A published version's snapshot, read back as the objects every download writes from.

Labels are picked in the active language; amounts become Decimal again. Nothing here reads the
database, which is why a version's files never change when the live data does.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext

from proposals.models import ExpenseCategory

from ..selectors import ZERO, AmountRow, BreakdownRow, Figures, pick_name, sum_amount_rows

CATEGORIES = [category.value for category in ExpenseCategory]


@dataclass
class ProjectRow:
    id: int
    code: str
    title_th: str
    title_en: str
    status: str
    agency: str
    ministry: str
    stage_key: str
    stage: str
    benefit_key: str
    benefit: str
    requested: Decimal
    approved: Decimal
    categories: dict  # category → approved baht in the round's fiscal year
    years: list[int]
    lines: list[dict]
    benefit_number: int | None = None  # the benefit's number in ``PlanDocument.benefit_legend``

    @property
    def title(self) -> str:
        return pick_name(self.title_th, self.title_en)

    @property
    def years_label(self) -> str:
        if not self.years:
            return ""
        if len(self.years) == 1:
            return str(self.years[0])
        return f"{self.years[0]}–{self.years[-1]}"


@dataclass
class StageGroup:
    key: str
    label: str
    projects: list[ProjectRow]
    requested: Decimal
    approved: Decimal


@dataclass
class PlanDocument:
    fiscal_year: int
    name: str
    version: int
    checksum: str
    published_at: datetime.datetime
    budget_frame: Decimal
    totals: Figures
    by_stage: list[BreakdownRow]
    by_benefit: list[BreakdownRow]
    by_ministry: list[BreakdownRow]
    by_agency: list[BreakdownRow]
    by_category: list[AmountRow]
    by_fiscal_year: list[AmountRow]
    projects: list[ProjectRow]
    snapshot: dict = field(repr=False, default_factory=dict)

    @property
    def benefit_legend(self) -> list[tuple[int, str]]:
        """(number, name) of each expected benefit, numbered in their order (1, 2, …): the plan
        PDF prints a project's benefit as its number, the names being too long for a column."""
        return [(n, row.label) for n, row in enumerate(_keyed(self.by_benefit), start=1)]

    @property
    def frame_left(self) -> Decimal:
        return self.budget_frame - self.totals.approved

    @property
    def category_total(self) -> AmountRow:
        return sum_amount_rows(self.by_category)

    @property
    def fiscal_year_total(self) -> AmountRow:
        return sum_amount_rows(self.by_fiscal_year)

    @property
    def category_totals(self) -> dict:
        return {c: sum((p.categories[c] for p in self.projects), ZERO) for c in CATEGORIES}

    @property
    def requested_total(self) -> Decimal:
        """The approved projects' own requests (the submitted total is in ``totals``)."""
        return sum((p.requested for p in self.projects), ZERO)

    @property
    def stage_groups(self) -> list[StageGroup]:
        groups: dict[str, StageGroup] = {}
        for project in self.projects:
            group = groups.get(project.stage_key)
            if group is None:
                group = groups[project.stage_key] = StageGroup(
                    project.stage_key, project.stage, [], ZERO, ZERO
                )
            group.projects.append(project)
            group.requested += project.requested
            group.approved += project.approved
        return list(groups.values())

    @property
    def filename_stem(self) -> str:
        return f"plan-{self.fiscal_year}-v{self.version}"


def _figures(data: dict) -> Figures:
    return Figures(
        submitted_projects=data["submitted_projects"],
        submitted_agencies=data["submitted_agencies"],
        requested=Decimal(data["requested"]),
        approved_projects=data["approved_projects"],
        approved_agencies=data["approved_agencies"],
        approved=Decimal(data["approved"]),
    )


def _label(names: dict | None, empty="—") -> str:
    if not names:
        return empty
    return pick_name(names["name_th"], names["name_en"])


def _rows(rows: list[dict], *, empty_label="—") -> list[BreakdownRow]:
    return [
        BreakdownRow(
            key=row["key"],
            label=pick_name(row["name_th"], row["name_en"]) if row["key"] else empty_label,
            description="",
            figures=_figures(row["figures"]),
            name_th=row["name_th"],
            name_en=row["name_en"],
            parent_th=row.get("parent_th", ""),
            parent_en=row.get("parent_en", ""),
        )
        for row in rows
    ]


def _amount_rows(rows: list[dict], label) -> list[AmountRow]:
    return [
        AmountRow(
            key=row["key"],
            label=label(row["key"]),
            projects=row["projects"],
            requested=Decimal(row["requested"]),
            approved=Decimal(row["approved"]),
        )
        for row in rows
    ]


def _project(data: dict, fiscal_year: int) -> ProjectRow:
    categories = dict.fromkeys(CATEGORIES, ZERO)
    for line in data["budget_lines"]:
        if line["fiscal_year"] == fiscal_year:
            categories[line["category"]] += Decimal(line["approved_amount"])
    return ProjectRow(
        id=data["id"],
        code=data["code"],
        title_th=data["title_th"],
        title_en=data["title_en"],
        status=data["status"],
        agency=_label(data["agency"]),
        ministry=_label(data["ministry"], empty=""),
        stage_key=(data["stage"] or {}).get("code", ""),
        stage=_label(data["stage"]),
        benefit_key=(data["benefit"] or {}).get("code", ""),
        benefit=_label(data["benefit"]),
        requested=Decimal(data["requested_amount"]),
        approved=Decimal(data["approved_amount"]),
        categories=categories,
        years=sorted({line["fiscal_year"] for line in data["budget_lines"]}),
        lines=data["budget_lines"],
    )


def _keyed(rows: list[BreakdownRow]) -> list[BreakdownRow]:
    """The rows of real items (the row of projects without one has no key)."""
    return [row for row in rows if row.key]


def category_label(code: str) -> str:
    return str(ExpenseCategory(code).label)


def plan_document(version) -> PlanDocument:
    """The document of a published ``PlanVersion``, labelled in the active language."""
    snapshot = version.snapshot
    fiscal_year = snapshot["fiscal_year"]
    round_names = snapshot["round"]
    by_benefit = _rows(snapshot["by_benefit"])
    benefit_numbers = {row.key: n for n, row in enumerate(_keyed(by_benefit), start=1)}
    projects = [_project(p, fiscal_year) for p in snapshot["projects"]]
    for project in projects:
        project.benefit_number = benefit_numbers.get(project.benefit_key)
    return PlanDocument(
        fiscal_year=fiscal_year,
        name=pick_name(round_names["name_th"], round_names["name_en"]),
        version=version.number,
        checksum=version.checksum,
        published_at=version.published_at,
        budget_frame=Decimal(round_names["budget_frame"]),
        totals=_figures(snapshot["totals"]),
        by_stage=_rows(snapshot["by_stage"]),
        by_benefit=by_benefit,
        by_ministry=_rows(snapshot["by_ministry"], empty_label=gettext("Not under a ministry")),
        by_agency=_rows(snapshot["by_agency"]),
        by_category=_amount_rows(snapshot["by_category"], category_label),
        by_fiscal_year=_amount_rows(snapshot["by_fiscal_year"], str),
        projects=projects,
        snapshot=snapshot,
    )
