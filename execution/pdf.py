"""progress.pdf: the quarterly progress report to the committee, in Sarabun.

Built from ``get_progress`` (the dashboard's selector) as plan.pdf is built: a document, a
template and its CSS, rendered by core.pdf, whose URL fetcher serves only our static files.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import SafeString

from core.pdf import pdf_fonts_css, render_pdf
from proposals.models import PlanRound

from .charts import cumulative_chart_svg
from .selectors import QUARTERS, Progress, ProgressRow, QuarterFigures


@dataclass
class ProgressDocument:
    """What the report prints: the round, its progress, the chart and when it was made."""

    round_name: str
    fiscal_year: int
    progress: Progress
    chart: SafeString
    made_at: datetime.datetime

    @property
    def last_quarter(self) -> int | None:
        """The latest quarter with reported figures (the report's quarter), None before any."""
        return max(self.progress.reported_quarters, default=None)

    @property
    def at_quarter(self) -> int:
        """The quarter whose cumulative figures the project table prints (Q1 before any)."""
        return self.last_quarter or QUARTERS[0]

    @property
    def project_lines(self) -> list[tuple[ProgressRow, QuarterFigures]]:
        return [(row, row.quarters[self.at_quarter - 1]) for row in self.progress.projects]

    @property
    def totals_at(self) -> QuarterFigures:
        return self.progress.totals.quarters[self.at_quarter - 1]


def progress_document(plan_round: PlanRound, progress: Progress) -> ProgressDocument:
    return ProgressDocument(
        round_name=plan_round.name, fiscal_year=plan_round.fiscal_year, progress=progress,
        chart=cumulative_chart_svg(progress), made_at=timezone.localtime(),
    )  # fmt: skip


def build_progress_pdf(doc: ProgressDocument) -> bytes:
    return render_pdf(
        "execution/pdf/progress.html",
        {"doc": doc, "quarters": QUARTERS, "fonts_css": pdf_fonts_css()},
    )
