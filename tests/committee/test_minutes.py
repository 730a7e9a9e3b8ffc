"""The minutes PDF, read back as text with poppler's pdftotext."""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from committee import services
from committee.models import Outcome

from .factories import add_item, mark_present

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "minutes.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


_THAI_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\\s]")


def norm(text: str) -> str:
    """Text compared without spaces and Thai combining marks: pdftotext -layout splits and
    reorders marks of shaped Thai glyphs (ผู้ comes out as ผูม ้ ...). SARA AM (ำ) is kept: it
    comes out as typed (see test_minutes_copy_thai_and_emoji_as_typed)."""
    return _THAI_MARKS.sub("", text)


def test_minutes_record_attendance_resolutions_votes_and_dissent(client, setup, tmp_path):
    absent = setup.members[-1]
    mark_present(setup, setup.voters[:-1], absent=[absent])
    setup.meeting.others_attending = "นางสาวผู้แทน สำนักงบประมาณ"
    setup.meeting.save(update_fields=["others_attending"])
    approved = add_item(setup, requested=Decimal("2500000.00"), title_th="โครงการศูนย์ข้อมูลกลาง")
    rejected = add_item(setup, title_th="โครงการระบบซ้ำซ้อน")
    services.cast_vote(item=approved, actor=setup.chair, choice="approve")
    services.cast_vote(item=approved, actor=setup.members[0], choice="approve_reduced", amount=Decimal("2000000.00"))
    services.cast_vote(item=approved, actor=setup.members[1], choice="approve_reduced", amount=Decimal("2000000.00"))
    services.cast_vote(item=approved, actor=setup.members[2], choice="reject")
    services.record_resolution(item=approved, actor=setup.secretary, outcome=Outcome.APPROVED_REDUCED, approved_amount=Decimal("2000000.00"))
    services.declare_conflict(item=rejected, actor=setup.members[1], reason="เป็นกรรมการของหน่วยงาน")
    services.record_resolution(item=rejected, actor=setup.chair, outcome=Outcome.REJECTED)
    services.close_meeting(meeting=setup.meeting, actor=setup.secretary)

    client.force_login(setup.members[0])
    response = client.get(reverse("committee:minutes", kwargs={"pk": setup.meeting.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    flat = norm(text)

    assert norm("รายงานการประชุม") in flat
    assert norm("คณะกรรมการทดสอบ") in flat
    assert norm("ครั้งที่ 1/2567") in flat
    assert norm("31 มกราคม 2567") in flat  # BE date, long form
    assert norm("ห้องประชุมทำเนียบรัฐบาล") in flat
    assert all(norm(h) in flat for h in ["ผู้มาประชุม", "ผู้ไม่มาประชุม", "ผู้เข้าร่วมประชุม"])
    assert norm(str(absent)) in flat
    assert norm("นางสาวผู้แทน สำนักงบประมาณ") in flat
    assert norm("09:30") in flat  # start time
    assert norm("โครงการศูนย์ข้อมูลกลาง") in flat and "2,000,000.00" in flat
    assert norm("เห็นชอบโดยปรับลดงบประมาณ") in flat
    assert norm("ไม่เห็นชอบ") in flat
    # Dissent recorded by name; the conflict too; the minute-taker signs.
    dissent = flat.split(norm("ผู้ไม่เห็นด้วย"))[1]
    assert norm(str(setup.members[2])) in dissent[:60]
    assert norm("เป็นกรรมการของหน่วยงาน") in flat
    assert norm(str(setup.secretary)) in flat
    assert norm("ร่าง") not in flat.split(norm("รายงานการประชุม"))[0]  # closed: no draft mark


def test_minutes_of_an_open_meeting_are_marked_draft(client, setup, tmp_path):
    client.force_login(setup.secretary)
    response = client.get(reverse("committee:minutes", kwargs={"pk": setup.meeting.pk}))
    assert norm("ร่าง:") in norm(pdf_text(response.content, tmp_path))


def test_minutes_copy_thai_and_emoji_as_typed(client, setup, tmp_path):
    """Searching the minutes for the commonest Thai words finds them (ำ is U+0E33 in the text
    layer, not ํ + า); emoji are drawn, not empty boxes."""
    setup.meeting.others_attending = "ผู้แทนสำนักงานการตรวจเงินแผ่นดิน\nนายน้ำ กำหนดดี 🚀 😀"
    setup.meeting.save(update_fields=["others_attending"])
    add_item(setup, title_th="โครงการกำหนดมาตรฐานข้อมูลน้ำของสำนักงาน")
    client.force_login(setup.secretary)
    content = client.get(reverse("committee:minutes", kwargs={"pk": setup.meeting.pk})).content
    path = tmp_path / "minutes.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    lines = [line.strip() for line in text.splitlines()]  # (-raw puts list numbers apart)
    assert "ผู้แทนสำนักงานการตรวจเงินแผ่นดิน" in lines
    assert "นายน้ำ กำหนดดี 🚀 😀" in lines
    assert any("โครงการกำหนดมาตรฐานข้อมูลน้ำของสำนักงาน" in line for line in lines)
    assert "\u0e4d" not in text
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    encodings = {line.split()[-6] for line in fonts.stdout.splitlines()[2:]}
    assert encodings == {"Identity-H"}  # a font drawing .notdef gets a custom encoding
