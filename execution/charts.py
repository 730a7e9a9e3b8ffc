"""The cumulative chart of the progress dashboard and PDF: planned against actual disbursement.

Server-rendered SVG as core.charts draws it: no scripts, no style attributes, labels escaped.
"""

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.charts import FONT_FAMILY, PALETTE
from core.formatting import format_baht

from .selectors import Progress

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 150, 30, 50, 40


def _points(values: list[tuple[int, Decimal]], biggest: Decimal) -> list[tuple[float, float]]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    return [
        (LEFT + plot_w * (quarter - 0.5) / 4, TOP + plot_h * float(1 - value / biggest))
        for quarter, value in values
    ]


def _series(points: list[tuple[float, float]], colour: str, dash: str) -> SafeString:
    if not points:
        return SafeString("")
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = format_html_join(
        "", '<circle cx="{}" cy="{}" r="4" fill="{}"></circle>',
        ((f"{x:.1f}", f"{y:.1f}", colour) for x, y in points),
    )  # fmt: skip
    return format_html(
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="3"{}></polyline>{}',
        line, colour, format_html(' stroke-dasharray="{}"', dash) if dash else "", dots,
    )  # fmt: skip


def cumulative_chart_svg(progress: Progress) -> SafeString:
    """Cumulative disbursement by quarter: the plan (the round's targets × approved) dashed,
    the actual (reported) solid; a quarter without a target or a report has no point."""
    title = _("Cumulative disbursement: plan against actual (baht)")
    rows = progress.plan_against_actual
    planned = [(q, p) for q, p, _a in rows if p is not None]
    actual = [(q, a) for q, _p, a in rows if a is not None]
    biggest = max([v for _q, v in planned + actual] + [progress.totals.approved, Decimal(1)])
    plot_h = HEIGHT - TOP - BOTTOM
    axis = format_html_join(
        "", '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d0d5dc"></line>'
        '<text x="{}" y="{}" text-anchor="end" font-size="12" font-family="{}">{}</text>',
        (
            (LEFT, TOP + plot_h * (1 - f), WIDTH - RIGHT, TOP + plot_h * (1 - f),
             LEFT - 6, TOP + plot_h * (1 - f) + 4, FONT_FAMILY, format_baht(biggest * Decimal(f)))
            for f in (0, 0.25, 0.5, 0.75, 1)
        ),
    )  # fmt: skip
    ticks = format_html_join(
        "", '<text x="{}" y="{}" text-anchor="middle" font-size="13" font-family="{}">'
        "{}</text>",
        ((LEFT + (WIDTH - LEFT - RIGHT) * (q - 0.5) / 4, HEIGHT - 14, FONT_FAMILY, f"Q{q}")
         for q in (1, 2, 3, 4)),
    )  # fmt: skip
    legend = format_html(
        '<line x1="{}" y1="36" x2="{}" y2="36" stroke="{}" stroke-width="3" '
        'stroke-dasharray="6 4"></line><text x="{}" y="40" font-size="13" font-family="{}">{}'
        '</text><line x1="{}" y1="36" x2="{}" y2="36" stroke="{}" stroke-width="3"></line>'
        '<text x="{}" y="40" font-size="13" font-family="{}">{}</text>',
        LEFT, LEFT + 30, PALETTE[2], LEFT + 36, FONT_FAMILY, _("Plan (targets)"),
        LEFT + 220, LEFT + 250, PALETTE[0], LEFT + 256, FONT_FAMILY, _("Actual disbursed"),
    )  # fmt: skip
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {} {}" '
        'width="{}" height="{}" aria-label="{}"><title>{}</title>'
        '<text x="0" y="20" font-size="16" font-weight="bold" font-family="{}">{}</text>'
        "{}{}{}{}{}</svg>",
        WIDTH, HEIGHT, WIDTH, HEIGHT, title, title, FONT_FAMILY, title, axis, ticks, legend,
        _series(_points(planned, biggest), PALETTE[2], "6 4"),
        _series(_points(actual, biggest), PALETTE[0], ""),
    )  # fmt: skip
