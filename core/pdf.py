"""PDF rendering with WeasyPrint, in Sarabun, that can never reach outside the app.

WeasyPrint would fetch any ``http://`` or ``file://`` URL a document names. Our fetcher serves
only the app's own static files and fonts (found through Django's staticfiles finders) and
refuses everything else before any connection is tried.
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

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


class PDFUnavailable(RuntimeError):
    """WeasyPrint cannot run here (a system library such as Pango is missing)."""


class StaticOnlyURLFetcher(URLFetcher):
    """Serves ``STATIC_BASE`` URLs from the app's static files; refuses any other URL."""

    def fetch(self, url, headers=None):
        path = self.static_path(url)
        if path is None:
            raise ValueError(f"budgetscreen refuses to fetch {url!r} while rendering a PDF")
        mime, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": mime or "application/octet-stream"}
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


SARA_AM = "\u0e33"  # ำ
NIKHAHIT_SARA_AA = "\u0e4d\u0e32"  # ํ + า, its compatibility decomposition


def thai_text_for_pdf(html: str) -> str:
    """Write SARA AM as NIKHAHIT + SARA AA, which look the same in Sarabun.

    Sarabun draws ำ with two glyphs, the second being the glyph of า. WeasyPrint's text map gives
    each glyph one character, so copying text out of the PDF turned every า of the document into
    ำ (สำนักงาน came out as สำนักงำน). With the decomposed spelling each glyph maps to its own
    character, and the copied text is NFKC-equal to what was typed.
    """
    return html.replace(SARA_AM, NIKHAHIT_SARA_AA)


def render_pdf(template_name, context, *, progress=None) -> bytes:
    """Render a template to PDF bytes. Templates refer to static files as ``{{ static_base }}…``.

    ``progress``, when given, is called with the fraction done (0–1) after each stage: the HTML,
    the layout (by far the longest), the PDF file. The bytes are the same with or without it.
    """
    if weasyprint is None:
        raise PDFUnavailable(
            f"WeasyPrint cannot run: {WEASYPRINT_ERROR}. Install Pango (Debian: libpango-1.0-0)."
        )
    html = thai_text_for_pdf(render_to_string(template_name, {**context, "static_base": STATIC_BASE}))
    document = weasyprint.HTML(string=html, base_url=STATIC_BASE, url_fetcher=StaticOnlyURLFetcher())
    if progress is None:
        return document.write_pdf()
    progress(0.1)
    laid_out = document.render()
    progress(0.9)
    content = laid_out.write_pdf()
    progress(1.0)
    return content


def pdf_fonts_css() -> str:
    """@font-face rules for Sarabun, for inclusion in a PDF template's <style>."""
    faces = [("Regular", 400, "normal"), ("Bold", 700, "normal"), ("Italic", 400, "italic")]
    return "\n".join(
        f'@font-face {{ font-family: "Sarabun"; src: url("{STATIC_BASE}fonts/Sarabun-{name}.ttf"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for name, weight, style in faces
    )


__all__ = ["PDFUnavailable", "StaticOnlyURLFetcher", "render_pdf", "pdf_fonts_css", "settings"]
