"""The plan's SVG charts: the page draws them from the live summary, the PDF from a version."""

from django.utils.translation import gettext as _

from core.charts import bar_chart_svg
from core.formatting import format_million_baht


def plan_charts(doc) -> dict:
    """The SVG charts of the plan (the page draws the same ones from the live summary)."""
    return {
        "stage": bar_chart_svg(
            [(row.label, row.figures.approved) for row in doc.by_stage],
            title=_("Approved by value-chain stage (million baht)"),
            value_label=format_million_baht,
        ),
        "benefit": bar_chart_svg(
            [(row.label, row.figures.approved) for row in doc.by_benefit],
            title=_("Approved by expected benefit (million baht)"),
            value_label=format_million_baht,
        ),
        "category": bar_chart_svg(
            [(row.label, row.approved) for row in doc.by_category],
            title=_("Approved by expense category (million baht)"),
            value_label=format_million_baht,
        ),
        "ministry": bar_chart_svg(
            [(row.label, row.figures.approved) for row in doc.by_ministry],
            title=_("Approved by ministry (million baht)"),
            value_label=format_million_baht,
        ),
    }
