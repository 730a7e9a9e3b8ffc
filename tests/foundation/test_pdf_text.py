"""Thai text copied out of our PDFs is the text that was typed (up to NFKC)."""

import subprocess
import unicodedata

import pytest

from core.pdf import pdf_fonts_css, render_pdf

TEXT = "สำนักงานพัฒนารัฐบาลดิจิทัล ทำเนียบรัฐบาล น้ำ กำลังดำเนินการ"


@pytest.fixture
def template_dir(tmp_path, settings):
    (tmp_path / "probe.html").write_text(
        "<html><head><meta charset='utf-8'><style>{{ fonts|safe }} body{font-family:Sarabun}"
        "</style></head><body><p>{{ text }}</p></body></html>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    return tmp_path


def test_sara_am_and_sara_aa_survive_text_extraction(template_dir, tmp_path):
    pdf = tmp_path / "probe.pdf"
    pdf.write_bytes(render_pdf("probe.html", {"text": TEXT, "fonts": pdf_fonts_css()}))
    extracted = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert unicodedata.normalize("NFKC", extracted) == unicodedata.normalize("NFKC", TEXT)
    assert "สำนักงำน" not in extracted
