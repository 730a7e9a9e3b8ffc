"""Two members vote in two browsers; each sees the other's vote in the tally without reload."""

import pytest
from django.db import connections
from django.urls import reverse

from committee import services
from committee.models import Outcome
from tests.factories import PASSWORD

from .factories import add_item, make_setup, mark_present

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(browser, live_server, user, path):
    context = browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(live_server.url + path)
    return context, page


def test_each_member_sees_the_others_vote_without_reload(chromium, live_server):
    setup = make_setup(members=2)
    mark_present(setup, setup.voters)
    item = add_item(setup)
    path = setup.meeting.get_absolute_url()
    first, second = setup.members
    ctx_a, page_a = login(chromium, live_server, first, path)
    ctx_b, page_b = login(chromium, live_server, second, path)
    try:
        card_a = page_a.locator(f"#item-{item.pk}")
        card_b = page_b.locator(f"#item-{item.pk}")
        # Mark both pages so that a reload would be noticed.
        page_b.evaluate("window.__notReloaded = true")
        page_a.evaluate("window.__notReloaded = true")

        card_a.locator("input[name=choice][value=approve]").check()
        card_a.locator(".vote-form button[type=submit]").click()
        page_a.wait_for_load_state()
        assert card_a.locator('[data-field="my-vote"]').inner_text() == "เห็นชอบ"

        # B's page, untouched, shows A's approval within a few seconds.
        card_b.locator('[data-tally="approve"]').filter(has_text="1").wait_for(timeout=8000)
        assert str(first) in card_b.locator('[data-voters="approve"]').inner_text()
        assert page_b.evaluate("window.__notReloaded") is True

        card_b.locator("input[name=choice][value=reject]").check()
        card_b.locator(".vote-form button[type=submit]").click()
        page_b.wait_for_load_state()

        page_a.evaluate("window.__notReloaded = true")
        card_a.locator('[data-tally="reject"]').filter(has_text="1").wait_for(timeout=8000)
        assert str(second) in card_a.locator('[data-voters="reject"]').inner_text()
        assert page_a.evaluate("window.__notReloaded") is True
        # Each still sees their own vote as theirs.
        assert card_a.locator('[data-field="my-vote"]').inner_text() == "เห็นชอบ"
        assert card_b.locator('[data-field="my-vote"]').inner_text() == "ไม่เห็นชอบ"
        # Nothing changes now: the next polls send the ETag back and get 304 (issue 20).
        unchanged = page_b.wait_for_event(
            "response",
            predicate=lambda r: "state.json" in r.url and r.status == 304,
            timeout=8000,
        )
        assert unchanged.request.headers.get("if-none-match")
        assert card_b.locator('[data-tally="reject"]').inner_text() == "1"
    finally:
        ctx_a.close()
        ctx_b.close()
        # Playwright runs this test inside a greenlet, whose database connection is not the
        # one pytest-django closes: close it here so the test database can be dropped.
        connections.close_all()


def test_a_member_reaches_the_next_undecided_item_in_a_few_tab_presses(chromium, live_server):
    """Issue 14: it took 39 Tab presses to reach an item. Now: the skip link, then two Tabs."""
    setup = make_setup(members=2)
    mark_present(setup, setup.voters)
    items = [add_item(setup) for _ in range(6)]
    for decided in items[:2]:
        services.record_resolution(item=decided, actor=setup.secretary, outcome=Outcome.DEFERRED)
    ctx, page = login(chromium, live_server, setup.members[0], setup.meeting.get_absolute_url())
    try:
        active = (
            "() => document.activeElement"
            " && (document.activeElement.id || document.activeElement.textContent.trim())"
        )
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
        page.keyboard.press("Enter")
        presses = 1
        while page.evaluate(active) != "next-undecided" and presses < 10:
            page.keyboard.press("Tab")
            presses += 1
        assert page.evaluate(active) == "next-undecided" and presses <= 3
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => location.hash === '#item-{items[2].pk}'")
        # The next Tab lands inside that item, not back at the top of the page.
        page.keyboard.press("Tab")
        assert (
            page.evaluate(
                "() => document.activeElement.closest('article') && "
                "document.activeElement.closest('article').id"
            )
            == f"item-{items[2].pk}"
        )
        # The jump list opens from the keyboard and goes to any item.
        page.locator(".agenda-jump summary").focus()
        page.keyboard.press("Enter")
        page.locator(f'[data-index-item="{items[5].pk}"]').click()
        page.wait_for_function(f"() => location.hash === '#item-{items[5].pk}'")
    finally:
        ctx.close()
        connections.close_all()
