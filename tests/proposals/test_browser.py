"""A submitter fills the whole form in Debian's chromium, submits, and finds it in the list."""

import re

import pytest

from directory.roles import Role
from proposals.models import Proposal
from proposals.workflow import Status
from tests.factories import PASSWORD, make_agency, make_reference_data, make_round, make_user

from .factories import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_submitter_fills_submits_and_sees_the_total(live_server, new_page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    stages, benefits = make_reference_data()
    plan_round = make_round()
    year = plan_round.fiscal_year
    user = make_user(Role.SUBMITTER, agency=make_agency(), username="submitter")
    page = new_page()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(f"{live_server.url}/proposals/")
    page.get_by_role("link", name="จัดทำข้อเสนอโครงการใหม่").click()

    # 1. general
    page.fill("#id_general-title_th", "โครงการศูนย์ข้อมูลกลางภาครัฐ")
    page.fill("#id_general-title_en", "Government data centre")
    page.check("input[name='general-project_type'][value='continuing']")
    page.select_option("#id_general-duration_years", "2")
    page.fill("#id_general-official_name", "นางสาวสมใจ รักงาน")
    page.fill("#id_general-official_position", "นักวิชาการคอมพิวเตอร์ชำนาญการ")
    page.fill("#id_general-official_phone", "02 612 6000")
    page.fill("#id_general-official_email", "somjai@example.go.th")
    # One section at a time: the progress list shows where one is.
    assert page.text_content("#step-status").strip() == "ส่วนที่ 1 จาก 6"
    assert not page.is_visible("#section-alignment")
    # 2. alignment
    page.click("#section-general .step-next")
    assert page.get_attribute("#form-steps a[href='#section-alignment']", "aria-current") == "step"
    assert not page.is_visible("#section-general")
    page.check(f"input[name='alignment-stage'][value='{stages[0].pk}']")
    page.check(f"input[name='alignment-benefit'][value='{benefits[2].pk}']")
    page.select_option("#id_alignment-dg_strategy", index=1)
    page.select_option("#id_alignment-national_strategy", index=1)
    page.fill("#id_alignment-alignment_justification", "เชื่อมโยงข้อมูลระหว่างหน่วยงาน")
    # 3. content
    page.click("#section-alignment .step-next")
    for name, text in [
        ("rationale", "หน่วยงานยังจัดเก็บข้อมูลซ้ำซ้อน"),
        ("objectives", "ลดความซ้ำซ้อนของข้อมูล"),
        ("target_group", "หน่วยงานภาครัฐ"),
        ("outputs", "ศูนย์ข้อมูลกลาง"),
        ("outcomes", "บริการเร็วขึ้น"),
    ]:
        page.fill(f"#id_content-{name}", text)
    # 4. KPIs: one row in place, a second one added by the button
    page.click("#form-steps a[href='#section-kpis']")
    page.fill("#id_kpi-0-indicator", "หน่วยงานที่เชื่อมต่อ")
    page.fill("#id_kpi-0-unit", "หน่วยงาน")
    page.fill("#id_kpi-0-target", "50")
    page.click("#kpi-add")
    page.fill("#id_kpi-1-indicator", "ชุดข้อมูลที่เปิดเผย")
    page.fill("#id_kpi-1-unit", "ชุด")
    page.fill("#id_kpi-1-target", "๑๒๐")
    # 5. budget: the second year's row appears because the duration is 2
    page.click("#section-kpis .step-next")
    page.fill(f"#id_budget-y{year}_personnel", "1,500,000")
    page.fill(f"#id_budget-y{year}_operating", "2,345,678.90")
    page.fill(f"#id_budget-y{year}_investment", "๑๐,๐๐๐,๐๐๐")
    page.fill(f"#id_budget-y{year + 1}_operating", "800,000.10")
    assert page.text_content(f"[data-row-total='{year}']").strip() == "13,845,678.90"
    assert page.text_content("#grand-total").strip() == "14,645,679.00"
    assert page.text_content("#grand-total-mbaht").strip() == "14.6457"
    assert page.text_content("#round-total-mbaht").strip() == "13.8457"
    page.get_by_role("button", name="บันทึกร่าง").last.click()
    page.wait_for_url(re.compile(r"/proposals/\d+/edit/(#section-[a-z]+)?$"))  # the step kept
    assert "บันทึกร่าง" in page.text_content(".messages")

    # 6. attachments, then submit
    page.click("#form-steps a[href='#section-attachments']")
    pdf = tmp_path / "ขอบเขตงาน.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.set_input_files("#id_attachment-file", str(pdf))
    page.fill("#id_attachment-description", "ขอบเขตของงาน (TOR)")
    page.dblclick("#submit-proposal")
    page.wait_for_url(re.compile(r"/proposals/\d+/(#section-[a-z]+)?$"))
    assert "ยื่นข้อเสนอโครงการ" in page.text_content(".messages")

    proposal = Proposal.objects.get()
    assert proposal.status == Status.SUBMITTED
    assert proposal.versions.count() == 1
    assert proposal.attachments.get().original_name == "ขอบเขตงาน.pdf"
    assert proposal.kpis.count() == 2

    page.goto(f"{live_server.url}/proposals/")
    row = page.locator("table.proposal-list tbody tr", has_text=proposal.code)
    assert "13,845,678.90" in row.text_content()
    assert "ยื่นแล้ว รอการกลั่นกรอง" in row.text_content()
