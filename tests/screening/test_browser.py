"""A screener filters the inbox, screens one proposal and puts it on a meeting's agenda."""

import pytest

from committee.models import AgendaItem
from proposals.models import Proposal
from proposals.workflow import Status
from tests.factories import PASSWORD

from .factories import make_criteria, make_meeting


@pytest.mark.browser
def test_filter_screen_and_place_on_agenda(live_server, chromium, screener, inbox_data):
    d = inbox_data
    criteria = make_criteria(d.round, count=2)
    meeting = make_meeting(d.round)
    target = d.p["A2"]  # midstream, awaiting screening

    context = chromium.new_context(locale="th-TH")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/screening/")
    page.fill("#id_username", screener.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/screening/**")

    # Filter: midstream proposals awaiting screening.
    page.select_option("#id_stage", "midstream")
    page.check("input[name=status][value=submitted]")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**stage=midstream**")
    assert page.inner_text("[data-testid=total-count]").strip() == "2"  # A2 and A8
    assert "รายการโครงการรอกลั่นกรอง" in page.inner_text("h1")  # reads in Thai
    assert "A5" not in page.inner_text("table.inbox")

    # Screen A2: every criterion met, forward with a lower amount.
    page.click(f"table.inbox a:text-is('{target.code}')")
    page.wait_for_url(f"**/screening/{target.pk}/")
    for criterion in criteria:
        page.check(f"input[name=c{criterion.pk}_result][value=met]")
    page.check("input[name=recommendation][value=forward]")
    page.fill("#id_recommended_amount", "2,000,000")
    page.fill("#id_amount_reason", "ปรับลดค่าจ้างที่ปรึกษา")
    page.click("#save-screening")
    page.wait_for_selector(".message-success")
    assert Proposal.objects.get(pk=target.pk).status == Status.FORWARDED

    # Put it on the meeting's agenda from the inbox, filtered to forwarded proposals.
    page.goto(f"{live_server.url}/screening/?status=forwarded&stage=midstream")
    page.check(f"input.row-select[value='{target.pk}']")
    page.select_option("#bulk_meeting", str(meeting.pk))
    page.click("#place-on-agenda")
    page.wait_for_selector(".message-success")
    assert AgendaItem.objects.filter(meeting=meeting, proposal=target).exists()
    target.refresh_from_db()
    assert target.status == Status.ON_AGENDA
    assert target.recommended_amount == 2_000_000
    context.close()
