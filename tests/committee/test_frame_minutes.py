"""The minutes print the suggestion the meeting had before it and mark a resolution taken over
the budget frame."""

from decimal import Decimal as D

import pytest

from committee import frame_services, services
from committee.minutes import render_minutes_pdf
from committee.models import BudgetFrame
from tests.factories import make_round

from .factories import add_item, make_setup, mark_present
from .test_minutes import norm, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # renders a PDF, reads it back
M = D("1000000.00")


def test_the_minutes_print_the_suggestion_and_the_over_frame_resolution(tmp_path):
    plan_round = make_round(2590, open_now=False, budget_frame=5 * M)
    BudgetFrame.objects.create(round=plan_round, fiscal_year=2591, amount=M)
    setup = make_setup(plan_round=plan_round)
    mark_present(setup, setup.voters)
    big, small = add_item(setup, requested=6 * M), add_item(setup, requested=2 * M)
    scenario = frame_services.request_suggestion(meeting=setup.meeting, actor=setup.secretary)
    services.record_resolution(
        item=big, actor=setup.secretary, outcome="approved", accept_over_frame=True,
        reason="เร่งด่วนตามนโยบาย",
    )  # fmt: skip
    services.record_resolution(item=small, actor=setup.secretary, outcome="deferred")
    text = norm(pdf_text(render_minutes_pdf(setup.meeting), tmp_path))
    assert norm(f"ข้อเสนอแนะให้อยู่ในกรอบวงเงินที่ {scenario.pk}") in text
    assert norm("ปีงบประมาณ 2590 ตามข้อเสนอแนะ") in text
    assert norm("มีมติเกินกรอบวงเงิน") in text and norm("เร่งด่วนตามนโยบาย") in text
