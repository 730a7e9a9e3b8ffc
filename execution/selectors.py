"""Reads of the execution app: scoped getters, lists, due dates and the progress roll-up.

The dashboard, ``progress.csv`` and ``progress.json`` all read ``get_progress`` so that the
screen and the files agree to the satang.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _
from pythainlp.util import thai_digit_to_arabic_digit

from directory.models import User
from proposals.models import ZERO, ExpenseCategory, PlanRound, Proposal

from .models import (
    DEFAULT_REPORT_DUE_DAYS,
    BaselineLine,
    ExecutionSettings,
    KPIActual,
    Project,
    QuarterlyReport,
    ReportLine,
    quarter_bounds,
)
from .permissions import can_view_progress, can_view_project, can_view_report, is_own_agency
from .workflow import COUNTED, ProgressStatus, ReportStatus

ATTENTION = frozenset({ProgressStatus.AT_RISK, ProgressStatus.DELAYED})

QUARTERS = (1, 2, 3, 4)


# --- scoped getters: None for missing and forbidden alike -----------------------------------


def get_project_for(user: User, pk: int) -> Project | None:
    project = (
        Project.objects.select_related("proposal", "agency", "round", "responsible_officer")
        .filter(pk=pk)
        .first()
    )
    return project if project is not None and can_view_project(user, project) else None


def get_report_for(user: User, pk: int) -> QuarterlyReport | None:
    report = (
        QuarterlyReport.objects.select_related(
            "project__proposal", "project__agency", "project__round", "reviewed_by"
        )
        .filter(pk=pk)
        .first()
    )
    return report if report is not None and can_view_report(user, report) else None


# --- lists -------------------------------------------------------------------------------


def list_projects_for(user: User) -> QuerySet[Project]:
    """The agency's own projects for its submitters; every project for the progress readers."""
    projects = Project.objects.select_related("proposal", "agency", "round").order_by(
        "-round__fiscal_year", "proposal__code"
    )
    if can_view_progress(user):
        return projects
    if user.agency_id is None:
        return projects.none()
    return projects.filter(agency_id=user.agency_id)


def list_years_under_way() -> list[int]:
    """The fiscal years of the rounds that have projects under way, the newest first."""
    return list(
        PlanRound.objects.filter(projects__isnull=False)
        .distinct()
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
    )


def list_reports_to_review() -> QuerySet[QuarterlyReport]:
    """Submitted reports, the oldest submission first."""
    return (
        QuarterlyReport.objects.filter(status=ReportStatus.SUBMITTED)
        .select_related("project__proposal", "project__agency")
        .order_by("submitted_at", "pk")
    )


def list_project_reports(project: Project, user: User) -> list[QuarterlyReport]:
    """The project's reports the user may read (another's draft is not shown)."""
    reports = project.reports.order_by("fiscal_year", "quarter")
    if not is_own_agency(user, project):
        reports = reports.filter(submitted_at__isnull=False)
    return list(reports)


def baseline_by_year(project: Project) -> dict[int, dict[str, Decimal]]:
    table: dict[int, dict[str, Decimal]] = {}
    for line in BaselineLine.objects.filter(project=project).order_by("fiscal_year", "category"):
        table.setdefault(line.fiscal_year, {})[line.category] = line.approved_amount
    return table


# --- due dates ---------------------------------------------------------------------------


def report_due_days(plan_round: PlanRound) -> int:
    days = (
        ExecutionSettings.objects.filter(round=plan_round)
        .values_list("report_due_days", flat=True)
        .first()
    )
    return DEFAULT_REPORT_DUE_DAYS if days is None else days


def report_due_date(fiscal_year: int, quarter: int, due_days: int) -> datetime.date:
    """Reports on a quarter are due ``due_days`` after its last day."""
    return quarter_bounds(fiscal_year, quarter)[1] + datetime.timedelta(days=due_days)


def quarters_to_report(project: Project, today: datetime.date) -> list[tuple[int, int]]:
    """(fiscal year, quarter) pairs of the project's baseline years that have begun by
    ``today`` and have no report yet: the agency may start one for each."""
    years = sorted(set(project.baseline.values_list("fiscal_year", flat=True)))
    existing = set(project.reports.values_list("fiscal_year", "quarter"))
    return [
        (year, quarter)
        for year in years
        for quarter in QUARTERS
        if quarter_bounds(year, quarter)[0] <= today and (year, quarter) not in existing
    ]


@dataclass
class UnsentQuarter:
    """A quarter of a project's first fiscal year whose report DGA does not have yet."""

    project: Project
    fiscal_year: int
    quarter: int
    due: datetime.date
    status: str  # "" (no report yet), draft or returned

    @property
    def status_label(self) -> str:
        return str(ReportStatus(self.status).label) if self.status else ""


def list_unsent_quarters(*, due_by: datetime.date) -> list[UnsentQuarter]:
    """Every quarter due on or before ``due_by`` of every project's round year with no report
    sent to DGA (none, a draft, or returned), the earliest due first. Three queries, whatever
    the number of projects (the reminders and the overdue list both read it)."""
    reports = {
        (r["project_id"], r["fiscal_year"], r["quarter"]): r["status"]
        for r in QuarterlyReport.objects.values("project_id", "fiscal_year", "quarter", "status")
    }
    due_days = dict(ExecutionSettings.objects.values_list("round_id", "report_due_days"))
    found = []
    projects = Project.objects.select_related("proposal", "agency", "round", "responsible_officer")
    for project in projects.order_by("proposal__code"):
        year = project.round.fiscal_year
        days = due_days.get(project.round_id, DEFAULT_REPORT_DUE_DAYS)
        for quarter in QUARTERS:
            due = report_due_date(year, quarter, days)
            status = reports.get((project.pk, year, quarter), "")
            if due <= due_by and status not in COUNTED:
                found.append(UnsentQuarter(project, year, quarter, due, status))
    found.sort(key=lambda u: (u.due, u.project.proposal.code))
    return found


# --- the last round, beside a continuing project's new request ----------------------------


@dataclass
class KPIAchievement:
    indicator: str
    unit: str
    target: str
    actual: str  # "" when no counted report gives it


@dataclass
class Continuation:
    """How the approved proposal a continuing project carries on is going (screening shows it)."""

    earlier: Proposal
    approved: Decimal | None
    project: Project | None = None
    latest: QuarterlyReport | None = None  # the latest report DGA has (submitted or accepted)
    disbursed: Decimal = ZERO
    committed: Decimal = ZERO
    kpis: list[KPIAchievement] = field(default_factory=list)

    @property
    def disbursed_percent(self) -> Decimal | None:
        if not self.approved:
            return None
        return (self.disbursed * 100 / self.approved).quantize(Decimal("0.01"))


def get_continuation(proposal: Proposal) -> Continuation | None:
    """The earlier proposal ``proposal`` continues: approved, disbursed so far (cumulative, from
    the latest counted report) and each KPI's latest actual against its target; None when the
    proposal continues nothing. At most five queries."""
    if proposal.continues_id is None:
        return None
    earlier = Proposal.objects.select_related("round").get(pk=proposal.continues_id)
    project = Project.objects.filter(proposal=earlier).first()
    found = Continuation(
        earlier=earlier,
        approved=project.approved_amount if project is not None else earlier.approved_amount,
        project=project,
    )
    if project is not None:
        found.latest = (
            QuarterlyReport.objects.filter(project=project, status__in=COUNTED)
            .order_by("-fiscal_year", "-quarter")
            .first()
        )
    actuals: dict[int, str] = {}
    if found.latest is not None:
        sums = found.latest.lines.aggregate(disbursed=Sum("disbursed"), committed=Sum("committed"))
        found.disbursed = sums["disbursed"] or ZERO
        found.committed = sums["committed"] or ZERO
        actuals = dict(
            KPIActual.objects.filter(report=found.latest).values_list("kpi_id", "actual")
        )
    found.kpis = [
        KPIAchievement(k.indicator, k.unit, k.target, actuals.get(k.pk, ""))
        for k in earlier.kpis.all()
    ]
    return found


# --- the snapshot of a submitted report ----------------------------------------------------


def report_snapshot(report: QuarterlyReport) -> dict[str, Any]:
    """The report as plain JSON (amounts as exact strings), as a version keeps it."""
    return {
        "fiscal_year": report.fiscal_year,
        "quarter": report.quarter,
        "progress": report.progress,
        "milestones": report.milestones,
        "problems": report.problems,
        "help_requested": report.help_requested,
        "lines": [
            {
                "category": line.category,
                "disbursed": str(line.disbursed),
                "committed": str(line.committed),
            }
            for line in report.lines.order_by("category")
        ],  # fmt: skip
        "kpis": [
            {
                "kpi": a.kpi_id,
                "indicator": a.kpi.indicator,
                "target": a.kpi.target,
                "actual": a.actual,
                "note": a.note,
                "evidence": [e.original_name for e in a.evidence.all()],
            }
            for a in report.kpi_actuals.select_related("kpi")
            .prefetch_related("evidence")
            .order_by("kpi__order", "kpi_id")
        ],  # fmt: skip
    }


def diff_snapshots(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(what, before, after) for each thing that differs between two versions."""
    changes: list[tuple[str, Any, Any]] = []
    for key in ("progress", "milestones", "problems", "help_requested"):
        if before.get(key) != after.get(key):
            changes.append((key, before.get(key), after.get(key)))
    old_lines = {line["category"]: line for line in before.get("lines", [])}
    for line in after.get("lines", []):
        old = old_lines.get(line["category"], {})
        for amount in ("disbursed", "committed"):
            if old.get(amount) != line[amount]:
                changes.append((f"{line['category']}.{amount}", old.get(amount), line[amount]))
    old_kpis = {k["kpi"]: k for k in before.get("kpis", [])}
    for kpi in after.get("kpis", []):
        old = old_kpis.get(kpi["kpi"], {})
        if old.get("actual") != kpi["actual"]:
            changes.append((kpi["indicator"], old.get("actual"), kpi["actual"]))
        if old.get("evidence", []) != kpi.get("evidence", []):
            changes.append(
                (
                    _("%(indicator)s: evidence") % {"indicator": kpi["indicator"]},
                    ", ".join(old.get("evidence", [])),
                    ", ".join(kpi.get("evidence", [])),
                )
            )
    return changes


# --- the progress of a round ---------------------------------------------------------------


@dataclass
class QuarterFigures:
    quarter: int
    disbursed: Decimal = ZERO
    committed: Decimal = ZERO
    # Totals only: disbursed as a percentage of the approved total, and the round's target.
    percent: Decimal | None = None
    target: Decimal | None = None
    reported: bool = False  # projects only: a counted report on the quarter has amounts


@dataclass
class KPIResult:
    """One KPI of a project's latest counted report: its target, the actual, and whether the
    actual meets the target (None when the two cannot be compared)."""

    indicator: str
    unit: str
    target: str
    actual: str
    met: bool | None


@dataclass
class ProgressRow:
    """One project, or one group (ministry, agency, stage, expense category): approved, and
    the reported figures of each quarter, and the KPIs met among those assessed."""

    label: str
    approved: Decimal = ZERO
    projects: int = 0
    quarters: list[QuarterFigures] = field(
        default_factory=lambda: [QuarterFigures(q) for q in QUARTERS]
    )
    code: str = ""
    agency: str = ""
    progress: str = ""  # the status of the latest counted report; "" when none
    kpis_met: int = 0
    kpis_assessed: int = 0
    kpis: list[KPIResult] = field(default_factory=list)  # projects only

    @property
    def progress_label(self) -> str:
        return str(ProgressStatus(self.progress).label) if self.progress else ""

    @property
    def kpi_percent(self) -> Decimal | None:
        """The share of assessed KPIs that meet their target (%), None when none is assessed."""
        if not self.kpis_assessed:
            return None
        return (Decimal(self.kpis_met) * 100 / self.kpis_assessed).quantize(Decimal("0.01"))

    def add(self, row: "ProgressRow") -> None:
        self.approved += row.approved
        self.projects += row.projects
        self.kpis_met += row.kpis_met
        self.kpis_assessed += row.kpis_assessed
        for mine, theirs in zip(self.quarters, row.quarters, strict=True):
            mine.disbursed += theirs.disbursed
            mine.committed += theirs.committed


@dataclass
class Progress:
    fiscal_year: int
    totals: ProgressRow
    by_ministry: list[ProgressRow]
    projects: list[ProgressRow]
    targets_note: str = ""
    by_agency: list[ProgressRow] = field(default_factory=list)
    by_stage: list[ProgressRow] = field(default_factory=list)
    # Approved is the baseline of the round's fiscal year in each category; the quarters are
    # the reported amounts of that category (their sums are the totals').
    by_category: list[ProgressRow] = field(default_factory=list)
    category_totals: ProgressRow = field(default_factory=lambda: ProgressRow(label=""))
    reported_quarters: list[int] = field(default_factory=list)

    @property
    def needing_attention(self) -> list[ProgressRow]:
        """Projects whose latest counted report says at risk or delayed."""
        return [row for row in self.projects if row.progress in ATTENTION]

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        """(status, label, projects) for each status, then the projects with no report."""
        counts = [
            (str(status), str(label), sum(1 for row in self.projects if row.progress == status))
            for status, label in ProgressStatus.choices
        ]
        unreported = sum(1 for row in self.projects if not row.progress)
        return [*counts, ("", str(_("No report yet")), unreported)]

    @property
    def kpi_shortfalls(self) -> list[ProgressRow]:
        """Projects with an assessed KPI below its target, the lowest achievement first."""
        rows = [row for row in self.projects if row.kpis_met < row.kpis_assessed]
        return sorted(rows, key=lambda row: (row.kpi_percent or ZERO, row.code))

    @property
    def kpi_all_met(self) -> int:
        """Projects whose assessed KPIs all meet their target (at least one assessed)."""
        return sum(
            1 for row in self.projects if row.kpis_assessed and not row.kpis_met < row.kpis_assessed
        )

    @property
    def has_targets(self) -> bool:
        return any(q.target is not None for q in self.totals.quarters)

    @property
    def plan_against_actual(self) -> list[tuple[int, Decimal | None, Decimal | None]]:
        """(quarter, planned cumulative disbursement in baht or None without a target, actual
        cumulative disbursement or None before the quarter is reported) for the chart."""
        return [
            (
                q.quarter,
                None if q.target is None else q.target * self.totals.approved / 100,
                q.disbursed if q.quarter in self.reported_quarters else None,
            )
            for q in self.totals.quarters
        ]


_LOWER_IS_BETTER = ("<", "≤", "ไม่เกิน", "น้อยกว่า", "at most", "no more than", "less than")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _number(text: str) -> Decimal | None:
    found = _NUMBER.search(thai_digit_to_arabic_digit(text).replace(",", ""))
    return Decimal(found.group()) if found else None


def kpi_met(target: str, actual: str) -> bool | None:
    """Whether ``actual`` meets ``target``: numbers compared (at least the target, or at most
    when the target says "ไม่เกิน", "<", "≤"…); else the same text. None when nothing to judge."""
    if not actual.strip():
        return None
    goal, value = _number(target), _number(actual)
    if goal is not None and value is not None:
        lower = target.strip().casefold().startswith(_LOWER_IS_BETTER)
        return value <= goal if lower else value >= goal
    if goal is None and value is None:
        return actual.strip().casefold() == target.strip().casefold()
    return None


def _kpi_results(plan_round: PlanRound) -> dict[int, list[KPIResult]]:
    """The KPIs of each project's latest counted report of the round's year (one query)."""
    latest: dict[int, tuple[int, list[KPIResult]]] = {}
    actuals = (
        KPIActual.objects.filter(
            report__project__round=plan_round, report__fiscal_year=plan_round.fiscal_year,
            report__status__in=COUNTED,
        )
        .order_by("report__quarter", "kpi__order", "kpi_id")
        .values_list("report__project_id", "report__quarter", "kpi__indicator", "kpi__unit",
                     "kpi__target", "actual")
    )  # fmt: skip
    for project_id, quarter, indicator, unit, target, actual in actuals:
        if project_id not in latest or latest[project_id][0] != quarter:
            latest[project_id] = (quarter, [])
        latest[project_id][1].append(
            KPIResult(indicator, unit, target, actual, kpi_met(target, actual))
        )
    return {project_id: results for project_id, (_q, results) in latest.items()}


def _project_rows(plan_round: PlanRound) -> list[tuple[Project, ProgressRow]]:
    """Each project with its row: approved, its quarters' sums, status and KPIs (4 queries)."""
    year = plan_round.fiscal_year
    projects = (
        Project.objects.filter(round=plan_round)
        .select_related("proposal__stage", "agency__ministry")
        .only(
            "approved_amount", "proposal__code", "proposal__title_th", "proposal__title_en",
            "proposal__stage__name_th", "proposal__stage__name_en", "proposal__stage__order",
            "agency__name_th", "agency__name_en", "agency__ministry__name_th",
            "agency__ministry__name_en",
        )
        .order_by("proposal__code")
    )  # fmt: skip
    sums = (
        ReportLine.objects.filter(
            report__project__round=plan_round, report__fiscal_year=year,
            report__status__in=COUNTED,
        )
        .values("report__project_id", "report__quarter")
        .annotate(disbursed=Sum("disbursed"), committed=Sum("committed"))
        .order_by()
    )  # fmt: skip
    figures = {(s["report__project_id"], s["report__quarter"]): s for s in sums}
    latest = dict(
        QuarterlyReport.objects.filter(project__round=plan_round, fiscal_year=year,
                                       status__in=COUNTED)
        .order_by("quarter")
        .values_list("project_id", "progress")
    )  # fmt: skip
    kpis = _kpi_results(plan_round)
    found = []
    for project in projects:
        results = kpis.get(project.pk, [])
        row = ProgressRow(
            label=project.proposal.title, approved=project.approved_amount, projects=1,
            code=project.proposal.code, agency=project.agency.name,
            progress=latest.get(project.pk, ""), kpis=results,
            kpis_met=sum(1 for r in results if r.met),
            kpis_assessed=sum(1 for r in results if r.met is not None),
        )  # fmt: skip
        for figure in row.quarters:
            sum_ = figures.get((project.pk, figure.quarter))
            if sum_ is not None:
                figure.reported = True
                figure.disbursed = sum_["disbursed"] or ZERO
                figure.committed = sum_["committed"] or ZERO
        found.append((project, row))
    return found


def _by_category(plan_round: PlanRound) -> list[ProgressRow]:
    """One row per expense category: the year's baseline, and the reported sums (2 queries)."""
    year = plan_round.fiscal_year
    approved = dict(
        BaselineLine.objects.filter(project__round=plan_round, fiscal_year=year)
        .values("category")
        .annotate(total=Sum("approved_amount"))
        .values_list("category", "total")
        .order_by()
    )
    rows = {
        code: ProgressRow(label=str(label), code=code) for code, label in ExpenseCategory.choices
    }
    for code, row in rows.items():
        row.approved = approved.get(code) or ZERO
    sums = (
        ReportLine.objects.filter(
            report__project__round=plan_round, report__fiscal_year=year,
            report__status__in=COUNTED,
        )
        .values("category", "report__quarter")
        .annotate(disbursed=Sum("disbursed"), committed=Sum("committed"))
        .order_by()
    )  # fmt: skip
    for found in sums:
        figure = rows[found["category"]].quarters[found["report__quarter"] - 1]
        figure.disbursed = found["disbursed"] or ZERO
        figure.committed = found["committed"] or ZERO
    return [row for row in rows.values() if row.approved or any(
        q.disbursed or q.committed for q in row.quarters)]  # fmt: skip


def _group(rows: list[tuple[str, ProgressRow]]) -> list[ProgressRow]:
    groups: dict[str, ProgressRow] = {}
    for label, row in rows:
        groups.setdefault(label, ProgressRow(label=label)).add(row)
    return sorted(groups.values(), key=lambda r: (-r.approved, r.label))


def _set_targets(plan_round: PlanRound, totals: ProgressRow) -> str:
    """Percent of the approved total disbursed, and the round's targets; returns the note."""
    for figure in totals.quarters:
        if totals.approved:
            figure.percent = (figure.disbursed * 100 / totals.approved).quantize(Decimal("0.01"))
    rules = ExecutionSettings.objects.filter(round=plan_round).first()
    if rules is None:
        return ""
    for figure, percent in zip(totals.quarters, rules.targets(), strict=True):
        figure.target = percent
    return rules.targets_note


def get_progress(plan_round: PlanRound) -> Progress:
    """Approved against committed and disbursed, by quarter, overall, by ministry, agency,
    value-chain stage, expense category and project, with KPI achievement.

    A quarter's figures are the cumulative amounts of the reports on it that DGA has (submitted
    or accepted; drafts and returned reports do not count) for the round's fiscal year; the
    totals carry the round's disbursement targets (percentages) when it has them. A constant
    number of queries whatever the number of projects; every total is the sum of its rows.
    """
    pairs = _project_rows(plan_round)
    totals = ProgressRow(label="")
    for _project, row in pairs:
        totals.add(row)
    no_stage = str(_("No stage"))
    by_category = _by_category(plan_round)
    category_totals = ProgressRow(label="")
    for row in by_category:
        category_totals.add(row)
    note = _set_targets(plan_round, totals)
    return Progress(
        fiscal_year=plan_round.fiscal_year, totals=totals,
        by_ministry=_group([
            (p.agency.ministry.name if p.agency.ministry is not None else p.agency.name, row)
            for p, row in pairs
        ]),
        projects=[row for _p, row in pairs], targets_note=note,
        by_agency=_group([(p.agency.name, row) for p, row in pairs]),
        by_stage=_group([
            (p.proposal.stage.name if p.proposal.stage is not None else no_stage, row)
            for p, row in pairs
        ]),
        by_category=by_category, category_totals=category_totals,
        reported_quarters=sorted({q.quarter for _p, r in pairs for q in r.quarters if q.reported}),
    )  # fmt: skip
