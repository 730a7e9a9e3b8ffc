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
