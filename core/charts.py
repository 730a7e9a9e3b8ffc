"""Server-rendered SVG charts: the same markup goes into a page and into a PDF.

No scripts and no style attributes (a strict Content-Security-Policy allows SVG presentation
attributes such as ``fill``); labels are escaped.
"""

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# As an SVG attribute, not only CSS: WeasyPrint draws SVG text in the attribute's font (else
# whatever sans-serif the machine has, which may have no Thai at all); pages' CSS overrides it.
FONT_FAMILY = "Sarabun, sans-serif"
PALETTE = ["#2e6db4", "#2f8f6b", "#c27a12", "#7a4fb0", "#b23a48", "#4b6584"]


def bar_chart_svg(rows, *, title: str, value_label=str, width=720, bar_height=26) -> SafeString:
    """Horizontal bars, one per ``(label, value)``; ``value_label`` formats the printed value.

    Values must be non-negative numbers (Decimal or int). Returns inline SVG markup.
    """
    rows = [(str(label), Decimal(value or 0)) for label, value in rows]
    label_width = 260
    value_width = 150
    plot_width = width - label_width - value_width
    top = 34
    height = top + len(rows) * (bar_height + 8) + 10
    biggest = max((value for _, value in rows), default=Decimal(0)) or Decimal(1)
    bars = []
    for index, (label, value) in enumerate(rows):
        y = top + index * (bar_height + 8)
        length = int(plot_width * (value / biggest)) if value > 0 else 0
        bars.append(
            format_html(
                '<g><text x="{}" y="{}" text-anchor="end" font-size="14" font-family="{}">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="2">'
                "<title>{}: {}</title></rect>"
                '<text x="{}" y="{}" font-size="14" font-family="{}">{}</text></g>',
                label_width - 8,
                y + bar_height * 0.7,
                FONT_FAMILY,
                _shorten(label),
                label_width,
                y,
                max(length, 1),
                bar_height,
                PALETTE[index % len(PALETTE)],
                label,
                value_label(value),
                label_width + length + 6,
                y + bar_height * 0.7,
                FONT_FAMILY,
                value_label(value),
            )  # fmt: skip
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {} {}" '
        'width="{}" height="{}" aria-label="{}"><title>{}</title>'
        '<text x="0" y="20" font-size="16" font-weight="bold" font-family="{}">{}</text>{}</svg>',
        width, height, width, height, title, title, FONT_FAMILY, title,
        mark_safe("".join(bars)),  # noqa: S308 (each bar built with format_html above)
    )  # fmt: skip


def _shorten(label: str, limit=34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


__all__ = ["bar_chart_svg", "format_html_join"]
