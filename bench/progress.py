"""The execution dashboard and ``progress.json`` of the published plan: its projects under way,
each reported on its four quarters (bulk-created: a year of accepted reports), then measured as
the plan page is, beside it."""

import time
from decimal import ROUND_DOWN, Decimal

from execution.models import Project, QuarterlyReport, ReportLine
from execution.workflow import ProgressStatus, ReportStatus

from .pages import client_for, measure_in_turns

BATCH = 2000
CENT = Decimal("0.01")
# Cumulative disbursed and committed shares of a category at the end of each quarter.
SHARES = [
    (Decimal("0.10"), Decimal("0.50")),
    (Decimal("0.30"), Decimal("0.45")),
    (Decimal("0.60"), Decimal("0.30")),
    (Decimal("0.95"), Decimal("0")),
]


def build_reports(plan_round) -> dict:
    """Four quarters of reports for every project under way of ``plan_round`` (publishing
    started them), one line per category of the round year's baseline. Returns the counts and
    the seconds it took."""
    t0 = time.perf_counter()
    year = plan_round.fiscal_year
    projects = list(Project.objects.filter(round=plan_round).prefetch_related("baseline"))
    reports, lines_of = [], []
    for index, project in enumerate(projects):
        baseline = [b for b in project.baseline.all() if b.fiscal_year == year]
        for quarter, (disbursed, committed) in enumerate(SHARES, start=1):
            status = ReportStatus.SUBMITTED if quarter == 4 else ReportStatus.ACCEPTED
            progress = ProgressStatus.AT_RISK if index % 20 == 0 else ProgressStatus.ON_TRACK
            reports.append(QuarterlyReport(project=project, fiscal_year=year, quarter=quarter,
                                           status=status, progress=progress))  # fmt: skip
            lines_of.append(
                [
                    ReportLine(
                        category=b.category,
                        disbursed=(b.approved_amount * disbursed).quantize(CENT, ROUND_DOWN),
                        committed=(b.approved_amount * committed).quantize(CENT, ROUND_DOWN),
                    )
                    for b in baseline
                ]
            )
    QuarterlyReport.objects.bulk_create(reports, batch_size=BATCH)
    lines = []
    for report, its_lines in zip(reports, lines_of, strict=True):
        for line in its_lines:
            line.report = report
        lines += its_lines
    ReportLine.objects.bulk_create(lines, batch_size=BATCH)
    return {
        "projects": len(projects),
        "reports": len(reports),
        "report_lines": len(lines),
        "build_seconds": round(time.perf_counter() - t0, 1),
    }


def measure_progress(ds, *, requests) -> dict:
    """The dashboard and progress.json of the plan round, in turns with the plan page."""
    year = ds.plan_round.fiscal_year
    budget = client_for(ds.budget)
    plan, dashboard, data = measure_in_turns(
        [
            (budget, f"/plans/{year}/"),
            (budget, f"/plans/{year}/progress/"),
            (budget, f"/plans/{year}/progress.json"),
        ],
        requests=requests,
    )
    return {"plan_beside_progress": plan, "progress": dashboard, "progress_json": data}
