"""The agency fills its workbook in LibreOffice (issue 17): the template downloaded, filled,
re-saved by LibreOffice Calc (headless), read back as Excel's would be."""

import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from directory.roles import Role
from proposals.workbook import (
    SHEET_ALIGNMENT,
    SHEET_BUDGET,
    SHEET_CONTENT,
    SHEET_GENERAL,
    SHEET_KPIS,
    build_template,
    read_workbook,
)
from tests.factories import make_agency, make_reference_data, make_round, make_user

pytestmark = pytest.mark.django_db


def resave_in_libreoffice(content: bytes, tmp_path: Path) -> bytes:
    """``content`` opened and saved again as .xlsx by LibreOffice Calc, headless, with a
    private profile (so that a running LibreOffice or another test is never in the way)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail(
            "LibreOffice is missing: run `make test` or apt-get install libreoffice-calc-nogui"
        )
    source = tmp_path / "in" / "workbook.xlsx"
    source.parent.mkdir()
    source.write_bytes(content)
    out = tmp_path / "out"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--norestore", "--convert-to", "xlsx", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return (out / "workbook.xlsx").read_bytes()


def fill(content: bytes) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    workbook[SHEET_GENERAL]["C2"] = "ระบบกลางจาก LibreOffice"
    workbook[SHEET_ALIGNMENT]["C2"] = "กลางน้ำ"
    workbook[SHEET_CONTENT]["C2"] = "สรุปโครงการ"
    workbook[SHEET_BUDGET]["C3"] = "1,500,000.50"
    workbook[SHEET_BUDGET]["D3"] = 250000
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_workbook_resaved_by_libreoffice_reads_as_filled(tmp_path):
    make_reference_data()
    plan_round = make_round(2569, open_now=True)
    submitter = make_user(Role.SUBMITTER, agency=make_agency())
    template = build_template(plan_round=plan_round, agency_id=submitter.agency_id)
    resaved = resave_in_libreoffice(fill(template), tmp_path)
    parsed = read_workbook(resaved, plan_round=plan_round, agency_id=submitter.agency_id)
    assert parsed.ok, [(e.cell, str(e)) for e in parsed.errors]
    assert parsed.fields["title_th"] == "ระบบกลางจาก LibreOffice"
    assert parsed.fields["stage"].code == "midstream"
    assert parsed.budget == {
        (2569, "operating"): Decimal("1500000.50"),
        (2569, "investment"): Decimal("250000.00"),
    }
    # what LibreOffice kept of the template: the lists, the hidden signed sheet
    workbook = load_workbook(io.BytesIO(resaved))
    assert workbook["meta"].sheet_state != "visible"
    assert workbook[SHEET_ALIGNMENT].data_validations.dataValidation


# --- in the browser ---------------------------------------------------------------------


def fill_everything(content: bytes, refs) -> bytes:
    """Every field the submission needs, as an officer would type it."""
    stage, benefit, dg_strategy, national = refs
    workbook = load_workbook(io.BytesIO(content))
    general = workbook[SHEET_GENERAL]
    for cell, value in (("C2", "ระบบนัดหมายบริการกลาง"), ("C3", "Central appointment service"),
                        ("C6", "นางสาวสมใจ รักงาน"), ("C7", "นักวิชาการคอมพิวเตอร์"),
                        ("C8", "02 612 6000"), ("C9", "somjai@example.go.th")):  # fmt: skip
        general[cell] = value
    alignment = workbook[SHEET_ALIGNMENT]
    alignment["C2"], alignment["C3"] = stage, benefit
    alignment["C4"], alignment["C5"] = dg_strategy, national
    alignment["C6"] = "ใช้แพลตฟอร์มกลางร่วมกัน"
    content_sheet = workbook[SHEET_CONTENT]
    for row, text in enumerate(["สรุป", "เหตุผล", "วัตถุประสงค์", "ประชาชน", "ระบบ", "ลดเวลา"], 2):
        content_sheet[f"C{row}"] = text
    kpis = workbook[SHEET_KPIS]
    kpis["A3"], kpis["B3"], kpis["C3"] = "ผู้ใช้บริการ", "คน", "๑๐,๐๐๐"
    budget = workbook[SHEET_BUDGET]
    budget["C3"] = "2,345,678.90"  # as text, with commas
    budget["D3"] = 1000000  # as a number
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_officer_fills_the_workbook_in_libreoffice_and_submits(
    live_server, new_page, tmp_path, settings
):
    import re

    from proposals.models import Proposal
    from proposals.workflow import Status
    from tests.factories import PASSWORD
    from tests.proposals.factories import PDF_BYTES

    settings.MEDIA_ROOT = tmp_path / "media"
    stages, benefits = make_reference_data()
    from proposals.models import DGStrategy, NationalStrategy

    dg, national = DGStrategy.objects.get(number=1), NationalStrategy.objects.get(number=1)
    refs = (stages[1].name_th, benefits[0].name_th, f"1. {dg.name_th}", f"1. {national.name_th}")
    make_round(open_now=True)
    user = make_user(Role.SUBMITTER, agency=make_agency(), username="submitter")
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(f"{live_server.url}/proposals/")

    # download the empty workbook from the upload page
    page.goto(f"{live_server.url}/proposals/import/")
    with page.expect_download() as info:
        page.click("a[href='/proposals/template.xlsx']")
    template = Path(info.value.path()).read_bytes()
    # filled, then opened and saved again by LibreOffice Calc
    filled = tmp_path / "แบบคำขอ.xlsx"
    filled.write_bytes(resave_in_libreoffice(fill_everything(template, refs), tmp_path))

    page.set_input_files("input[name=file]", str(filled))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    shown = page.text_content("main")
    assert "ระบบนัดหมายบริการกลาง" in shown and "2,345,678.90" in shown  # the changes
    assert not Proposal.objects.exists()  # nothing saved before the confirmation
    page.locator("form:has(input[name=confirm]) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/proposals/\d+/edit/"))
    proposal = Proposal.objects.get()
    assert proposal.status == Status.DRAFT and proposal.requested_amount == Decimal("3345678.90")

    # the form's job: attach the terms of reference and submit
    page.click("#form-steps a[href='#section-attachments']")
    pdf = tmp_path / "ขอบเขตงาน.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.set_input_files("#id_attachment-file", str(pdf))
    page.fill("#id_attachment-description", "ขอบเขตของงาน (TOR)")
    page.dblclick("#submit-proposal")
    page.wait_for_url(re.compile(r"/proposals/\d+/(#section-[a-z]+)?$"))
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED, page.text_content("main")
    assert proposal.kpis.get().target == "๑๐,๐๐๐"
    assert proposal.stage == stages[1] and proposal.title_en == "Central appointment service"
