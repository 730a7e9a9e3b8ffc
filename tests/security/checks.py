"""Checks that hostile text came out inert: in HTML, XLSX, CSV, JSON and PDF."""

import csv
import io
import json
import re
import subprocess
import tempfile
import unicodedata
from html.parser import HTMLParser

from openpyxl import load_workbook

from .hostile import ACTIVE_MARKUP, FORMULAS


class _Page(HTMLParser):
    """Collects every tag with its attributes, and the page's text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.text = []
        self._in_skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def assert_inert_html(html: str) -> None:
    """No markup from user data: no event handlers, no inline or foreign scripts, no frames."""
    for marker in ACTIVE_MARKUP:
        assert marker not in html, f"unescaped markup {marker!r} in the page"
    page = parse_page(html)
    for tag, attrs in page.tags:
        handlers = [name for name in attrs if name.startswith("on")]
        assert not handlers, f"event handler {handlers} on <{tag}>"
        assert tag not in ("iframe", "object", "embed", "style"), f"<{tag}> in the page"
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), (
                f"inline or foreign script {attrs}"
            )
        if tag == "link":
            assert (attrs.get("href") or "").startswith("/static/"), f"foreign link {attrs}"
        for name in ("href", "src", "action", "formaction", "xlink:href"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith("javascript:"), f"javascript: URL in <{tag} {name}>"


def page_text(html: str) -> str:
    return "".join(parse_page(html).text)


def shows_text(html: str, value: str) -> bool:
    """Whether the page shows ``value`` as text (entities decoded, line ends normalised)."""
    return normalise_lines(value) in normalise_lines(page_text(html))


def normalise_lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def xlsx_strings(content: bytes) -> list:
    """Every non-empty cell of every sheet as (data_type, value)."""
    workbook = load_workbook(io.BytesIO(content))
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            cells.extend((c.data_type, c.value) for c in row if c.value is not None)
    workbook.close()
    return cells


def assert_xlsx_holds_text(content: bytes, value: str) -> None:
    cells = xlsx_strings(content)
    matching = [(t, v) for t, v in cells if isinstance(v, str) and value in v]
    assert matching, f"{value!r} missing from the workbook"
    for data_type, _ in matching:
        assert data_type == "s", f"cell with {value!r} has type {data_type!r}"
    for data_type, cell in cells:
        if data_type == "f" or (
            isinstance(cell, str) and cell.startswith("=") and data_type != "s"
        ):
            raise AssertionError(f"formula cell {cell!r}")


def csv_cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_csv_holds_text(content: bytes, value: str) -> None:
    cells = csv_cells(content)
    if value.startswith(tuple(f[0] for f in FORMULAS)) or value[:1] in "=+-@\t\r":
        assert "'" + value in cells, f"{value!r} not neutralised with an apostrophe"
        assert value not in cells
    else:
        assert any(value in c for c in cells), f"{value!r} missing from the CSV"
    for cell in cells:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), f"formula-like CSV cell {cell!r}"
        if cell.startswith("-"):
            # A negative number is data; anything else starting with '-' must be quoted.
            float(cell.replace(",", ""))


def json_strings(content: bytes) -> list[str]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            found.append(node)

    walk(json.loads(content))
    return found


def pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", handle.name, "-"], capture_output=True, check=True
        )
    return result.stdout.decode("utf-8")


def comparable(text: str) -> str:
    """For PDF text: no whitespace, no invisible format characters, NFC."""
    text = unicodedata.normalize("NFC", text)
    # Sarabun draws SARA AA and SARA AM with one shared glyph, and the PDF's ToUnicode map
    # gives back whichever it met first: compare the two as one letter.
    text = text.replace("\u0e33", "\u0e32").replace("\u0e4d", "")
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def assert_pdf_shows(content: bytes, value: str) -> None:
    assert content.startswith(b"%PDF-")
    text = comparable(pdf_text(content))
    # A right-to-left override shows its run reversed: the PDF's text is in visual order.
    visual = re.sub("\u202e(.*?)(\u202c|$)", lambda m: m.group(1)[::-1], value)
    if comparable(value) in text or comparable(visual) in text:
        return
    # pdftotext puts stacked combining marks (ก่่่่) on lines of their own: compare the bases.
    bases = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    wanted = "".join(ch for ch in comparable(visual) if unicodedata.category(ch) != "Mn")
    assert wanted in bases, f"{value!r} not found in the PDF text: {text[:3000]!r}"
