"""The minutes PDF, read back as text with poppler's pdftotext."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from committee import services
from committee.models import Outcome
from directory.roles import Role
from tests.factories import make_user

from .factories import add_item, mark_present

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # renders PDFs, reads them back


def at(hour, minute):
    return timezone.make_aware(datetime.datetime(2024, 1, 31, hour, minute))


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "minutes.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


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
    services.cast_vote(
        item=approved,
        actor=setup.members[0],
        choice="approve_reduced",
        amount=Decimal("2000000.00"),
    )
    services.cast_vote(
        item=approved,
        actor=setup.members[1],
        choice="approve_reduced",
        amount=Decimal("2000000.00"),
    )
    services.cast_vote(item=approved, actor=setup.members[2], choice="reject")
    services.record_resolution(
        item=approved,
        actor=setup.secretary,
        outcome=Outcome.APPROVED_REDUCED,
        approved_amount=Decimal("2000000.00"),
    )
    services.declare_conflict(item=rejected, actor=setup.members[1], reason="เป็นกรรมการของหน่วยงาน")
    services.record_resolution(item=rejected, actor=setup.chair, outcome=Outcome.REJECTED)
    with mock.patch.object(timezone, "now", return_value=at(13, 32)):
        services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    with mock.patch.object(timezone, "now", return_value=at(16, 5)):
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
    # The real times, not the scheduled 09:30.
    assert norm("เริ่มประชุมเวลา 13:32 น.") in flat and norm("เลิกประชุมเวลา 16:05 น.") in flat
    assert "09:30" not in flat
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


def test_minutes_follow_the_official_form_with_agenda_items_1_to_5(client, setup, tmp_path):
    """ระเบียบงานสารบรรณ: the agency, the five agenda parts (empty ones say so), the resolution
    of each item, the minute-taker's and the reviewer's signature lines."""
    mark_present(setup, setup.voters)
    reviewer = make_user(Role.COMMITTEE, first_name="ผู้ตรวจ", last_name="รายงาน")
    services.update_meeting(
        meeting=setup.meeting, actor=setup.secretary, minutes_reviewer=reviewer,
        chair_announcements="ประธานแจ้งกรอบวงเงินของแผนงานบูรณาการ",
    )  # fmt: skip
    add_item(setup, title_th="โครงการแพลตฟอร์มกลาง")
    client.force_login(setup.secretary)
    flat = norm(
        pdf_text(
            client.get(reverse("committee:minutes", kwargs={"pk": setup.meeting.pk})).content,
            tmp_path,
        )
    )

    assert norm("สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)") in flat
    assert norm("ระบบกลั่นกรองงบประมาณแผนงานบูรณาการรัฐบาลดิจิทัล") in flat
    headings = [
        "ระเบียบวาระที่ 1 เรื่องที่ประธานแจ้งให้ที่ประชุมทราบ",
        "ระเบียบวาระที่ 2 เรื่องรับรองรายงานการประชุม",
        "ระเบียบวาระที่ 3 เรื่องสืบเนื่อง",
        "ระเบียบวาระที่ 4 เรื่องเพื่อพิจารณา",
        "ระเบียบวาระที่ 5 เรื่องอื่น ๆ",
    ]
    positions = [flat.index(norm(h)) for h in headings]
    assert positions == sorted(positions)
    one, two, three, four, five = (
        flat[start:end] for start, end in zip(positions, [*positions[1:], len(flat)], strict=True)
    )
    assert norm("ประธานแจ้งกรอบวงเงินของแผนงานบูรณาการ") in one and norm("ที่ประชุมรับทราบ") in one
    assert norm("- ไม่มี -") in two and norm("- ไม่มี -") in three
    assert norm("4.1") in four and norm("โครงการแพลตฟอร์มกลาง") in four and norm("มติที่ประชุม") in four
    assert norm("- ไม่มี -") in five
    assert (
        flat.index(norm("เริ่มประชุมเวลา"))
        < positions[0]
        < positions[-1]
        < flat.index(norm("เลิกประชุมเวลา"))
    )
    signatures = flat[flat.index(norm("เลิกประชุมเวลา")) :]
    assert norm("ผู้จดรายงานการประชุม") in signatures and norm(str(setup.secretary)) in signatures
    assert norm("ผู้ตรวจรายงานการประชุม") in signatures and norm(str(reviewer)) in signatures


def test_minutes_print_no_objection_instead_of_a_count_of_zero_votes(client, setup, tmp_path):
    """Issue 14: "approve all as recommended" printed เห็นชอบ 0 … งดออกเสียง 0 / มติ: อนุมัติ."""
    mark_present(setup, setup.voters[:-1], absent=[setup.voters[-1]])
    silent = add_item(setup, title_th="โครงการที่ไม่มีผู้คัดค้าน")
    voted = add_item(setup, title_th="โครงการที่มีการลงคะแนน")
    services.cast_vote(item=voted, actor=setup.chair, choice="approve")
    services.cast_vote(item=voted, actor=setup.members[0], choice="approve")
    services.cast_vote(item=voted, actor=setup.members[1], choice="reject")
    services.approve_as_recommended(meeting=setup.meeting, actor=setup.chair, items=[silent, voted])
    client.force_login(setup.secretary)
    flat = norm(
        pdf_text(
            client.get(reverse("committee:minutes", kwargs={"pk": setup.meeting.pk})).content,
            tmp_path,
        )
    )

    first = flat[flat.index(norm("โครงการที่ไม่มีผู้คัดค้าน")) : flat.index(norm("โครงการที่มีการลงคะแนน"))]
    second = flat[flat.index(norm("โครงการที่มีการลงคะแนน")) : flat.index(norm("ระเบียบวาระที่ 5"))]
    assert norm("ไม่มีกรรมการคัดค้าน (กรรมการผู้มาประชุม 4 คน)") in first
    assert norm("โดยไม่มีผู้คัดค้าน") in first
    assert norm("ผลการลงคะแนน") not in first and norm("งดออกเสียง") not in first
    # A voted item still prints its counts and its dissent.
    assert norm("ผลการลงคะแนน (กรรมการผู้มาประชุม 4 คน)") in second
    assert norm("ไม่เห็นชอบ 1") in second and norm("ผู้ไม่เห็นด้วย") in second
    assert norm(str(setup.members[1])) in second


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


def test_minutes_print_items_for_information_under_agenda_item_3(client, setup, tmp_path):
    """Issue 16: the progress report put on the agenda for information, with the figures frozen
    in its text, is printed as 3.1 under matters arising, and the meeting takes note."""
    services.update_meeting(
        meeting=setup.meeting, actor=setup.secretary, matters_arising="ติดตามมติครั้งก่อน"
    )
    services.add_information_item(
        meeting=setup.meeting, actor=setup.secretary,
        title="ความก้าวหน้าการดำเนินโครงการตามแผนปี 2568",
        body="โครงการ 3 โครงการ วงเงินอนุมัติรวม 1,500,000.00 บาท\nเบิกจ่ายสะสม 600,000.50 บาท",
    )  # fmt: skip
    add_item(setup, title_th="โครงการแพลตฟอร์มกลาง")
    client.force_login(setup.secretary)
    flat = norm(
        pdf_text(
            client.get(reverse("committee:minutes", kwargs={"pk": setup.meeting.pk})).content,
            tmp_path,
        )
    )
    three = flat[flat.index(norm("ระเบียบวาระที่ 3")) : flat.index(norm("ระเบียบวาระที่ 4"))]
    assert norm("ติดตามมติครั้งก่อน") in three
    assert norm("3.1 ความก้าวหน้าการดำเนินโครงการตามแผนปี 2568 (เพื่อทราบ)") in three
    assert "1,500,000.00" in three and "600,000.50" in three
    assert norm("มติที่ประชุม: ที่ประชุมรับทราบ") in three
    assert norm("- ไม่มี -") not in three
