"""The screener's page: the proposal and the form side by side on a wide screen, the status
filter as checkboxes, comment boxes big enough to write in (issue 14, screener)."""

import os
import re

import pytest

from tests.browser_support import login

from .factories import make_criteria

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("BUDGETSCREEN_SHOTS")


def _box(page, selector):
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def test_proposal_and_form_side_by_side_on_a_wide_screen(
    live_server, new_page, screener, inbox_data
):
    criteria = make_criteria(inbox_data.round, count=7)
    target = inbox_data.p["A2"]
    page = new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, live_server, screener.username)
    page.goto(f"{live_server.url}/screening/{target.pk}/")

    proposal = _box(page, ".screen-proposal")
    form = _box(page, ".screen-form")
    title = _box(page, "#screen-title")
    budget = _box(page, ".screen-proposal .budget-grid")
    # Two columns: the form to the right of the proposal, both starting in the first screen.
    assert form["x"] >= proposal["x"] + proposal["width"]
    assert proposal["width"] > 500 and form["width"] > 450
    assert proposal["y"] < 900 and title["y"] < 900
    assert abs(form["y"] - proposal["y"]) < 5
    # Scrolling down to the proposal's budget keeps the form in view beside it.
    page.locator(".screen-proposal .budget-grid").scroll_into_view_if_needed()
    assert budget["y"] > 900  # it did need scrolling
    form_now = _box(page, ".screen-form")
    assert form_now["y"] < 900 and form_now["y"] + form_now["height"] > 0
    assert page.locator("#save-screening").count() == 1
    # Comment boxes are several lines high and not a sliver.
    comment = _box(page, f"#id_c{criteria[0].pk}_comment")
    assert comment["height"] >= 60 and comment["width"] >= 150
    reasons = _box(page, "#id_reasons")
    assert reasons["height"] >= 120
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client
    if SHOTS:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=os.path.join(SHOTS, "screening-1440.png"))

    # On a phone the two stack, the form after the proposal, and nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    proposal = _box(page, ".screen-proposal")
    form = _box(page, ".screen-form")
    assert form["y"] >= proposal["y"] + proposal["height"]
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client


def test_status_filter_is_checkboxes_with_several_statuses(
    live_server, new_page, screener, inbox_data
):
    page = new_page()
    login(page, live_server, screener.username)
    page.goto(f"{live_server.url}/screening/?round=2590")
    assert page.locator("select[name=status]").count() == 0
    page.check("input[name=status][value=submitted]")
    page.check("input[name=status][value=returned]")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r"status=submitted&status=returned"))
    assert page.inner_text("[data-testid=total-count]").strip() == "4"  # A1, A2, A8, A4
    listed = page.inner_text("table.inbox")
    for code in ("A1", "A2", "A4", "A8"):
        assert code in listed
    assert "A3" not in listed
    assert page.is_checked("input[name=status][value=submitted]")
    assert page.is_checked("input[name=status][value=returned]")
    assert not page.is_checked("input[name=status][value=forwarded]")
    if SHOTS:
        page.locator("#filters").screenshot(path=os.path.join(SHOTS, "screening-filters.png"))

    # A single value in the address still works, and ticks its box.
    page.goto(f"{live_server.url}/screening/?round=2590&status=forwarded")
    assert page.inner_text("[data-testid=total-count]").strip() == "2"  # A3, A6
    assert page.is_checked("input[name=status][value=forwarded]")
