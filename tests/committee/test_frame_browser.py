"""In the browser: the committee sees the scores and the frame left per year, and adopts the
fit-to-frame suggestion item by item; a member's open page shows the frame shrink live."""

from decimal import Decimal as D

import pytest
from django.db import connections

from committee import frame_services
from committee.models import BudgetFrame, Resolution
from screening.models import ScoreSummary
from tests.factories import make_round

from .factories import add_item, make_setup, mark_present
from .test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
M = D("1000000.00")


def test_the_committee_adopts_a_suggestion_item_by_item(chromium, live_server):
    plan_round = make_round(2590, open_now=False, budget_frame=10 * M)
    BudgetFrame.objects.create(round=plan_round, fiscal_year=2591, amount=4 * M)
    setup = make_setup(members=2, plan_round=plan_round)
    mark_present(setup, setup.voters)
    items = [add_item(setup, requested=4 * M) for _ in range(3)]
    for item, mean in zip(items, ("90", "60", "30"), strict=True):
        ScoreSummary.objects.create(proposal=item.proposal, mean=D(mean), screeners=2)
    frame_services.request_suggestion(
        meeting=setup.meeting, actor=setup.secretary, floor_percent=D("100")
    )  # 10 M: the two strongest in full, the third left out
    path = setup.meeting.get_absolute_url()
    ctx_chair, chair = login(chromium, live_server, setup.chair, path)
    ctx_member, member = login(chromium, live_server, setup.members[0], path)
    try:
        left = member.locator('[data-frame-year="2590"] [data-frame-field="left"]')
        assert left.inner_text() == "10,000,000.00"
        assert "90.0" in member.locator(f"#item-{items[0].pk} .item-score").inner_text()
        member.evaluate("window.__notReloaded = true")

        for number, item in enumerate(items[:2], start=1):
            card = chair.locator(f"#item-{item.pk}")
            assert "4,000,000.00" in card.locator(".suggested").inner_text()
            card.locator(".adopt-form button").click()
            chair.wait_for_load_state()
            assert Resolution.objects.count() == number
        assert chair.locator(f"#item-{items[2].pk} .adopt-form").count() == 0
        assert chair.locator(f"#item-{items[2].pk} .suggested-out").count() == 1
        assert chair.locator('[data-frame-year="2590"] [data-frame-field="left"]').inner_text() == (
            "2,000,000.00"
        )
        # The member's page, untouched, follows the tally and the frame left.
        member.locator('[data-frame-year="2590"] [data-frame-field="left"]').filter(
            has_text="2,000,000.00"
        ).wait_for(timeout=10_000)
        assert member.evaluate("window.__notReloaded") is True
    finally:
        ctx_chair.close()
        ctx_member.close()
        connections.close_all()
