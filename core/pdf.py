"""PDF rendering with WeasyPrint, in Sarabun, that can never reach outside the app.

WeasyPrint would fetch any ``http://`` or ``file://`` URL a document names. Our fetcher serves
only the app's own static files and fonts (found through Django's staticfiles finders) and
refuses everything else before any connection is tried.
"""

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from .pdf_text import (
    FONT_SUFFIXES,
    MISSING_MARKER,
    PinnedTextFonts,
    pdf_font,
    without_missing_characters,
)

try:  # WeasyPrint needs Pango; say so clearly instead of failing at import time.
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    WEASYPRINT_ERROR = None
except OSError as error:  # pragma: no cover - depends on the machine
    weasyprint = None
    URLFetcher = object
    URLFetcherResponse = None
    WEASYPRINT_ERROR = error

STATIC_BASE = "https://budgetscreen.invalid/static/"
logger = logging.getLogger(__name__)

# WeasyPrint 70 lays out and draws SVG text letter by letter: every letter is a Pango layout of
# its own, so a chart's labels cost as much as pages of tables. Text with one position and none of
# the per-letter attributes is laid out and drawn as one run instead (same font, same position;
# Pango then also applies the font's kerning and Thai mark positioning, as it does for HTML).
_PER_LETTER_ATTRIBUTES = (
    "dx", "dy", "rotate", "textLength", "letter-spacing", "lengthAdjust",
    # and the vertical alignments, which that function moves the letters for
    "display-anchor", "dominant-baseline", "alignment-baseline",
)  # fmt: skip
_SVG_TEXT_TAGS = ("text", "tspan", "textPath", "a")


def _svg_text_in_one_run(svg, node, font_size):
    """WeasyPrint's ``svg.text.text`` for one run of text (see above); anything else goes to it."""
    from math import inf

    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import TextBox
    from weasyprint.svg.utils import normalize, size
    from weasyprint.text.line_break import split_first_line

    attributes = node.attrib
    positions = [normalize(attributes.get(k, "")).split() for k in ("x", "y")]
    if (
        not node.text
        or any(k in attributes for k in _PER_LETTER_ATTRIBUTES)
        or any(len(p) > 1 for p in positions)
        or any(
            k in attributes for k in ("display-anchor", "dominant-baseline", "alignment-baseline")
        )
    ):
        return _per_letter_svg_text(svg, node, font_size)
    style = _svg_text_style(svg, node, font_size)
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x = size(positions[0][0], font_size, svg.inner_width) if positions[0] else None
    y = size(positions[1][0], font_size, svg.inner_height) if positions[1] else None
    if x:
        svg.cursor_d_position[0] = 0
    if y:
        svg.cursor_d_position[1] = 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position, y_position = x + svg.cursor_d_position[0], y + svg.cursor_d_position[1]
    node.text_bounding_box = extend_bounding_box(
        node.text_bounding_box,
        ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)),
    )
    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = TextBox(layout, style)
    text_box.baseline = baseline
    matrix = Matrix(a=1, d=-1, e=x_position, f=y_position)
    emojis = draw_first_line(svg.stream, text_box, "none", "none", matrix)
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
    return None


def _svg_text_style(svg, node, font_size):
    """The text style WeasyPrint's ``svg.text.text`` gives a node (its own rules)."""
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.svg.text import Style

    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    families = node.get("font-family", "sans-serif").split(",")
    style["font_family"] = [family.strip("\"'") for family in families]
    style["font_style"] = node.get("font-style", "normal")
    weight = node.get("font-weight", 400)
    style["font_weight"] = {"normal": 400, "bold": 700}.get(weight) or _int_or(weight, 400)
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    return style


def _int_or(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _install_svg_text_in_one_run():
    """Put ``_svg_text_in_one_run`` in WeasyPrint's SVG drawer, for the version it was written
    against (its ``text`` function is compared by identity there, so every name is replaced)."""
    global _per_letter_svg_text
    from weasyprint import svg as weasy_svg

    original = weasy_svg.TAGS.get("text")
    if not weasyprint.__version__.startswith("70.") or original is None:
        return
    _per_letter_svg_text = original
    for tag in _SVG_TEXT_TAGS:
        if weasy_svg.TAGS.get(tag) is original:
            weasy_svg.TAGS[tag] = _svg_text_in_one_run
    weasy_svg.text = _svg_text_in_one_run


_per_letter_svg_text = None
if weasyprint is not None:
    _install_svg_text_in_one_run()


class PDFUnavailable(RuntimeError):
    """WeasyPrint cannot run here (a system library such as Pango is missing)."""


class StaticOnlyURLFetcher(URLFetcher):
    """Serves ``STATIC_BASE`` URLs from the app's static files; refuses any other URL."""

    def fetch(self, url, headers=None):
        path = self.static_path(url)
        if path is None:
            raise ValueError(f"budgetscreen refuses to fetch {url!r} while rendering a PDF")
        mime, _ = mimetypes.guess_type(path.name)
        # Fonts get their own glyph for the SARA AA of SARA AM, so that ำ is copied as typed.
        content = pdf_font(path) if path.suffix.lower() in FONT_SUFFIXES else path.read_bytes()
        return URLFetcherResponse(
            url, content, {"Content-Type": mime or "application/octet-stream"}
        )

    @staticmethod
    def static_path(url) -> Path | None:
        """The file a static URL names, or None when the URL is not ours."""
        if not url.startswith(STATIC_BASE):
            return None
        parts = urlsplit(url)
        relative = unquote(parts.path[len(urlsplit(STATIC_BASE).path) :])
        if not relative or ".." in Path(relative).parts or relative.startswith("/"):
            return None
        found = finders.find(relative)
        return Path(found) if found else None


def render_pdf(template_name, context, *, progress=None) -> bytes:
    """Render a template to PDF bytes. Templates refer to static files as ``{{ static_base }}…``.

    ``progress``, when given, is called with the fraction done (0–1) after each stage: the HTML,
    the layout (by far the longest), the PDF file. The bytes are the same with or without it.
    """
    if weasyprint is None:
        raise PDFUnavailable(
            f"WeasyPrint cannot run: {WEASYPRINT_ERROR}. Install Pango (Debian: libpango-1.0-0)."
        )
    html = render_to_string(template_name, {**context, "static_base": STATIC_BASE})
    report = progress or (lambda fraction: None)
    report(0.1)
    content, missing = _write_pdf(html, report)
    if missing:  # rare: draw those characters as a visible marker instead of empty boxes
        logger.warning(
            "PDF %s: no font has %s; drawn as %r",
            template_name,
            ", ".join(f"U+{codepoint:04X}" for codepoint in sorted(missing)),
            MISSING_MARKER,
        )
        content, _ = _write_pdf(without_missing_characters(html, missing))
    report(1.0)
    return content


def _write_pdf(html: str, report=None) -> tuple[bytes, set[int]]:
    """The PDF of the HTML, and the code points that no font could draw (empty boxes)."""
    document = weasyprint.HTML(
        string=html, base_url=STATIC_BASE, url_fetcher=StaticOnlyURLFetcher()
    )
    laid_out = document.render()
    if report:
        report(0.9)
    # The fonts' glyph texts that keep ำ as typed (see core.pdf_text) go in before any drawing.
    fonts = laid_out.fonts = PinnedTextFonts(laid_out.fonts)
    content = laid_out.write_pdf()
    return content, fonts.missing_codepoints()


def pdf_fonts_css() -> str:
    """@font-face rules for Sarabun, for inclusion in a PDF template's <style>."""
    faces = [("Regular", 400, "normal"), ("Bold", 700, "normal"), ("Italic", 400, "italic")]
    return "\n".join(
        f'@font-face {{ font-family: "Sarabun"; src: url("{STATIC_BASE}fonts/Sarabun-{name}.ttf"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for name, weight, style in faces
    )


__all__ = ["PDFUnavailable", "StaticOnlyURLFetcher", "render_pdf", "pdf_fonts_css", "settings"]
