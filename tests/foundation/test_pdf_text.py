"""Thai copied or searched in our PDFs is exactly the text that was typed; nothing prints as an
empty box (core.pdf_text)."""

import io
import logging
import subprocess
from pathlib import Path

import fontpkg_sarabun
import pytest
from fontTools.ttLib import TTFont

from core.pdf import pdf_fonts_css, render_pdf
from core.pdf_text import (
    MISSING_MARKER,
    SARA_AM,
    pdf_font,
    with_sara_am_glyph,
    without_missing_characters,
)

pytestmark = pytest.mark.slow  # renders PDFs and rasterises them

SARABUN = Path(fontpkg_sarabun.ROOT) / "files" / "Sarabun-Regular.ttf"
# SARA AM alone, after every tone mark, after tall consonants (narrow NIKHAHIT), next to SARA AA.
WORDS = "สำนักงาน กำหนด น้ำ ทำ คำ ต่ำ ก๊ำ ต๋ำ ป่ำ ฟ้ำ ทำนา ทา นา ล้ำค่า ดำเนินการ"


@pytest.fixture
def probe(tmp_path, settings):
    (tmp_path / "probe.html").write_text(
        "<html><head><meta charset='utf-8'><style>{{ fonts|safe }} body{font-family:Sarabun}"
        "</style></head><body>{% for line in lines %}<p>{{ line }}</p>{% endfor %}</body></html>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    def render(*lines):
        return render_pdf("probe.html", {"lines": lines, "fonts": pdf_fonts_css()})

    return render


def pdf_lines(content: bytes) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return [line for line in text.splitlines() if line.strip()]


def pdf_encodings(content: bytes) -> set[str]:
    """The encoding of each font in the PDF. WeasyPrint gives a font a custom encoding exactly
    when it draws .notdef (an empty box) for a character the font does not have."""
    listing = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True)
    return {line.split()[-6] for line in listing.stdout.decode().splitlines()[2:]}


def test_thai_comes_out_of_the_pdf_exactly_as_typed(probe):
    lines = pdf_lines(probe(WORDS, "สำนักงาน", "กำหนด", "น้ำ"))
    assert lines == [WORDS, "สำนักงาน", "กำหนด", "น้ำ"]  # not NFKC-equal: equal
    assert "\u0e4d" not in "".join(lines)  # no NIKHAHIT + SARA AA for SARA AM


def test_the_text_does_not_depend_on_which_spelling_comes_first(probe):
    # The glyph texts are pinned before drawing: a า, a lone ํ or the decomposed ํา drawn first
    # does not change what the ำ after it stands for (WeasyPrint maps first come, first served).
    lines = pdf_lines(probe("นา ทา", "สํานักงาน", "สำนักงาน น้ำ"))
    assert lines[0] == "นา ทา"
    assert lines[1] == "สำนักงาน"  # the decomposed spelling is copied as the character it draws
    assert lines[2] == "สำนักงาน น้ำ"


def test_sarabun_gets_a_sara_aa_glyph_of_its_own_for_sara_am():
    content, pinned = with_sara_am_glyph(SARABUN.read_bytes())
    font = TTFont(io.BytesIO(content))
    glyph_id = font.getGlyphID
    assert pinned[glyph_id("uni0E32.sara_am")] == SARA_AM
    assert pinned[glyph_id("uni0E4D")] == ""  # drawn for ำ, which the SARA AA glyph carries
    assert pinned[glyph_id("uni0E4D.narrow")] == ""
    assert pinned[glyph_id("uni0E4D0E49")] == "\u0e49"  # NIKHAHIT + MAI THO: the tone mark
    assert pinned[glyph_id("uni0E4D0E4B.narrow")] == "\u0e4b"
    assert glyph_id("uni0E32") not in pinned  # า keeps the text WeasyPrint gives it
    component = font["glyf"]["uni0E32.sara_am"].components[0]
    assert component.glyphName == "uni0E32" and (component.x, component.y) == (0, 0)
    assert font["hmtx"]["uni0E32.sara_am"] == font["hmtx"]["uni0E32"]


def test_the_font_is_the_same_bytes_every_time():
    # A plan version's PDF is the same file whenever it is made: no new date in the font.
    published = TTFont(SARABUN)
    content, _ = with_sara_am_glyph(SARABUN.read_bytes())
    assert TTFont(io.BytesIO(content))["head"].modified == published["head"].modified
    assert with_sara_am_glyph(SARABUN.read_bytes())[0] == content


def test_a_font_without_thai_shaping_is_served_unchanged(tmp_path):
    font = TTFont(SARABUN)
    del font["GSUB"]
    plain = tmp_path / "Plain.ttf"
    font.save(plain)
    assert with_sara_am_glyph(plain.read_bytes()) is None
    assert pdf_font(plain) == plain.read_bytes()


def test_the_new_glyph_draws_exactly_what_the_font_drew(tmp_path):
    """Rendered with Sarabun as published and with our Sarabun, the page is the same pixels."""
    weasyprint = pytest.importorskip("weasyprint")
    patched = tmp_path / "Sarabun-ours.ttf"
    patched.write_bytes(pdf_font(SARABUN))
    pages = []
    for name, font in [("published", SARABUN), ("ours", patched)]:
        html = (
            f"<style>@font-face{{font-family:S;src:url({font.as_uri()})}}"
            f"body{{font-family:S;font-size:24pt}}</style><p>{WORDS}</p>"
        )
        pdf = tmp_path / f"{name}.pdf"
        weasyprint.HTML(string=html).write_pdf(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "100", "-gray", str(pdf), str(tmp_path / name)], check=True
        )
        pages.append((tmp_path / f"{name}-1.pgm").read_bytes())
    assert pages[0] == pages[1]


def test_emoji_are_drawn_not_empty_boxes(probe):
    content = probe("ระบบ 🚀 ใหม่ 😀")
    assert pdf_lines(content) == ["ระบบ 🚀 ใหม่ 😀"]
    assert pdf_encodings(content) == {"Identity-H"}  # no font draws .notdef


def test_a_character_no_font_has_is_drawn_as_a_marker(probe, caplog):
    private_use = "\U000f0000"
    with caplog.at_level(logging.WARNING, logger="core.pdf"):
        content = probe(f"ก่อน {private_use} หลัง สำนักงาน")
    assert pdf_lines(content) == [f"ก่อน {MISSING_MARKER} หลัง สำนักงาน"]
    assert pdf_encodings(content) == {"Identity-H"}
    assert "U+F0000" in caplog.text


def test_invisible_characters_no_font_has_are_dropped_not_marked():
    html = "<p>a\ufe0fb\u200dc\U000f0000</p>"
    assert without_missing_characters(html, {0xFE0F, 0x200D, 0xF0000}) == "<p>abc[?]</p>"
