"""Bidi controls and zero-width characters are removed where people type them, with a notice,
so that pages and downloads carry the clean text (issue 14.6)."""

import csv
import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from committee.models import AgendaItem
from core.text import strip_invisible
from directory.roles import Role
from proposals.forms import GeneralForm, KPIForm
from proposals.models import KPI, Proposal
from proposals.workflow import Status
from screening.models import ScreeningReview
from tests.committee.factories import make_setup
from tests.factories import make_agency, make_proposal, make_round, make_user

from .factories import form_payload

pytestmark = pytest.mark.usefixtures("media_root")

RLO, PDF_MARK, LRI, PDI, ZWSP, ZWJ, BOM = (
    "\u202e", "\u202c", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff",
)  # fmt: skip
EVERY_CONTROL = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
DIRTY_TITLE = f"{RLO}โครงการ{ZWSP}ศูนย์ข้อมูล{LRI}กลาง{PDI}{PDF_MARK}"
CLEAN_TITLE = "โครงการศูนย์ข้อมูลกลาง"


@pytest.fixture
def plan_round(db):
    return make_round()


def _no_controls(text: str) -> bool:
    return strip_invisible(text)[1] == 0


@pytest.mark.parametrize(
    "raw,clean,count",
    [
        (f"{RLO}exe.ราสกเอ", "exe.ราสกเอ", 1),
        (f"A{EVERY_CONTROL}B", "AB", len(EVERY_CONTROL)),
        (f"2569{ZWSP}-{ZWJ}0001{BOM}", "2569-0001", 3),
        ("ผู้ใช้งาน ๑๒๓ café", "ผู้ใช้งาน ๑๒๓ café", 0),  # Thai marks, digits, accents stay
    ],
)
def test_strip_invisible(raw, clean, count):
    assert strip_invisible(raw) == (clean, count)


def test_a_title_of_only_controls_is_empty_and_refused(db):
    form = GeneralForm(
        {"general-title_th": f"{RLO}{ZWSP} {PDF_MARK}", "general-duration_years": "1"},
        prefix="general",
    )
    assert not form.is_valid()
    assert "title_th" in form.errors
    assert form.stripped_fields == [str(form.fields["title_th"].label)]


def test_kpi_rows_are_cleaned_too():
    form = KPIForm({"indicator": f"ผู้ใช้{ZWSP}บริการ", "unit": f"{RLO}คน", "target": "100"})
    assert form.is_valid()
    assert form.cleaned_data["indicator"] == "ผู้ใช้บริการ"
    assert form.cleaned_data["unit"] == "คน"
    assert len(form.stripped_fields) == 2


def test_new_proposal_is_saved_clean_with_a_notice(client, submitter, plan_round):
    client.force_login(submitter)
    payload = form_payload(
        plan_round=plan_round,
        **{
            "general-title_th": DIRTY_TITLE,
            "general-title_en": f"Data{ZWSP} centre{RLO}",
            "content-rationale": f"เหตุผล{BOM}",
            "kpi-0-indicator": f"{LRI}ผู้ใช้บริการ{PDI}",
        },
    )
    response = client.post(reverse("proposals:new"), payload)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.title_th == CLEAN_TITLE
    assert proposal.title_en == "Data centre"
    assert proposal.rationale == "เหตุผล"
    assert KPI.objects.get(proposal=proposal).indicator == "ผู้ใช้บริการ"
    notices = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert len(notices) == 1
    # In Thai, naming the fields that were cleaned.
    assert "ลบอักขระควบคุมที่มองไม่เห็น" in notices[0]
    assert "ชื่อโครงการ" in notices[0] and "หลักการและเหตุผล" in notices[0]


def test_clean_input_gives_no_notice(client, submitter, plan_round):
    client.force_login(submitter)
    response = client.post(reverse("proposals:new"), form_payload(plan_round=plan_round))
    assert response.status_code == 302
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_a_form_with_errors_still_says_what_was_removed(client, submitter, plan_round):
    client.force_login(submitter)
    payload = form_payload(plan_round=plan_round, **{"general-title_th": f"{RLO}{ZWSP}"})
    response = client.post(reverse("proposals:new"), payload)
    assert response.status_code == 200  # refused: the title is empty once cleaned
    assert not Proposal.objects.exists()
    assert "ลบอักขระควบคุมที่มองไม่เห็น" in response.content.decode()


_THAI_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\\s]")


def _norm(text: str) -> str:
    return _THAI_MARKS.sub("", text.replace("\u0e33", "\u0e32"))


def _pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is missing")
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_downloads_carry_the_clean_title(client, tmp_path, db):
    """Typed with controls in the form; the XLSX, CSV and the minutes PDF hold the clean text."""
    plan_round = make_round()
    submitter = make_user(Role.SUBMITTER, agency=make_agency(), username="s1")
    client.force_login(submitter)
    payload = form_payload(plan_round=plan_round, **{"general-title_th": DIRTY_TITLE})
    assert client.post(reverse("proposals:new"), payload).status_code == 302
    proposal = Proposal.objects.get()
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.SUBMITTED)

    client.force_login(make_user(Role.SCREENER, username="sc1"))
    params = {"round": plan_round.fiscal_year}
    csv_text = client.get(reverse("screening:export_csv"), params).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert any(CLEAN_TITLE in row for row in rows)
    assert _no_controls(csv_text)
    xlsx = client.get(reverse("screening:export_xlsx"), params).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert CLEAN_TITLE in values
    assert all(_no_controls(v) for v in values)

    setup = make_setup(plan_round=plan_round)
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.ON_AGENDA)
    AgendaItem.objects.create(meeting=setup.meeting, proposal=proposal, order=1)
    client.force_login(setup.secretary)
    response = client.get(reverse("committee:minutes", kwargs={"pk": setup.meeting.pk}))
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content, tmp_path)
    assert _no_controls(text)
    # pdftotext splits and reorders the marks of shaped Thai glyphs: compare without them.
    assert _norm(CLEAN_TITLE) in _norm(text)


def test_screening_reasons_are_cleaned_with_a_notice(client, db):
    plan_round = make_round(open_now=False)
    proposal = make_proposal(plan_round=plan_round, status=Status.SUBMITTED)
    client.force_login(make_user(Role.SCREENER, username="sc2"))
    response = client.post(
        reverse("screening:detail", kwargs={"pk": proposal.pk}),
        {
            "recommendation": "return",
            "reasons": f"{RLO}ขาดเอกสาร{ZWSP}ขอบเขตงาน",
            "lock_version": proposal.lock_version,
        },
        follow=True,
    )
    review = ScreeningReview.objects.get(proposal=proposal)
    assert review.reasons == "ขาดเอกสารขอบเขตงาน"
    assert "ลบอักขระควบคุมที่มองไม่เห็น" in response.content.decode()


def test_a_search_with_invisible_characters_finds_the_clean_text(client, db):
    plan_round = make_round(open_now=False)
    make_proposal(plan_round=plan_round, code="2590-0001", title_th=CLEAN_TITLE)
    client.force_login(make_user(Role.SCREENER, username="sc3"))
    response = client.get(reverse("screening:inbox"), {"q": f"ศูนย์{ZWSP}ข้อมูล{RLO}", "round": "all"})
    assert [p.code for p in response.context["proposals"]] == ["2590-0001"]
