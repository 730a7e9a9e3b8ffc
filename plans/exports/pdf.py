"""plan.pdf: cover, summary tables and charts, then the projects grouped by stage.

WeasyPrint renders it through core.pdf, whose URL fetcher serves only our static files. The
document's dates are the version's publication time, so one version always gives one PDF.
"""

from django.utils import timezone

from core.pdf import pdf_fonts_css, render_pdf

from ..charts import plan_charts
from .document import PlanDocument


def build_plan_pdf(doc: PlanDocument, *, progress=None) -> bytes:
    """The PDF; ``progress`` (optional) is called with the fraction done after each stage."""
    return render_pdf(
        "plans/pdf/plan.html",
        {
            "doc": doc,
            "charts": plan_charts(doc),
            "fonts_css": pdf_fonts_css(),
            "published_iso": timezone.localtime(doc.published_at).isoformat(),
        },
        progress=progress,
    )
