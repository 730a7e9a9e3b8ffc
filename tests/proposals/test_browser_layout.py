"""Every page with a budget grid fits its window: the grid scrolls in its own box (issue 14.1),
and the live total counts only the cells the server would accept (issue 14.11)."""

import os
from decimal import Decimal

import pytest

from directory.roles import Role
from proposals.models import BudgetLine, ExpenseCategory
from tests.browser_support import login
from tests.factories import make_agency, make_round, make_user

from .factories import make_complete_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [(390, 844), (1280, 800)]
THAI_AMOUNT = "๑,๒๓๔,๕๖๗,๘๙๐.๕๐"  # 1,234,567,890.50 in Thai digits
SHOTS = os.environ.get("BUDGETSCREEN_SHOTS")  # a folder to keep screenshots in, when set

PAGE_WIDTH = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def _fits(page):
    scroll, client = page.evaluate(PAGE_WIDTH)
    assert scroll <= client, f"the page is {scroll} px wide in a {client} px window"


def _input_shows_all(page, selector):
    scroll, client = page.eval_on_selector(selector, "e => [e.scrollWidth, e.clientWidth]")
    assert scroll <= client, f"{selector}: {scroll} px of text in a {client} px box"


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)
        grid = page.locator("#section-budget, .budget-grid").first
        grid.screenshot(path=os.path.join(SHOTS, f"{name}-grid.png"))


@pytest.fixture
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    plan_round = make_round()
    agency = make_agency()
    user = make_user(Role.SUBMITTER, agency=agency, username="submitter")
    proposal = make_complete_draft(agency=agency, plan_round=plan_round, duration_years=5)
    year = plan_round.fiscal_year
    for offset, category in enumerate(ExpenseCategory):
        BudgetLine.objects.update_or_create(
            proposal=proposal,
            fiscal_year=year + offset,
            category=category,
            defaults={"amount": Decimal("1234567890.50")},
        )
    return {"round": plan_round, "user": user, "proposal": proposal, "year": year}


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_grid_pages_never_scroll_sideways(live_server, new_page, setup, width, height):
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    login(page, live_server, "submitter")
    year, proposal = setup["year"], setup["proposal"]

    # The new proposal form, with a long Thai-digit amount typed in.
    page.goto(f"{live_server.url}/proposals/new/#section-budget")
    page.fill(f"#id_budget-y{year}_investment", THAI_AMOUNT)
    _fits(page)
    _input_shows_all(page, f"#id_budget-y{year}_investment")
    _shot(page, f"new-{width}")

    # The proposal's page and its edit form, five years of ten-digit amounts.
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    assert page.locator("table.budget-grid").count() == 1
    _fits(page)
    _shot(page, f"detail-{width}")
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/edit/")
    _fits(page)
    page.click("#form-steps a[href='#section-budget']")
    _fits(page)
    _input_shows_all(page, f"#id_budget-y{year}_personnel")

    # A save with amount errors in every year: the errors wrap inside the grid.
    for offset, value in enumerate(["abc", "1" + "0" * 20, "-5", "1e5", "1.234"]):
        page.fill(f"#id_budget-y{year + offset}_operating", value)
    page.fill(f"#id_budget-y{year}_investment", THAI_AMOUNT)
    page.click(".sticky-actions button[value=save]")
    page.wait_for_load_state("networkidle")
    # The page comes back on the step with the errors.
    assert page.is_visible("#section-budget")
    assert page.locator("#section-budget .errorlist").count() >= 5
    _fits(page)
    _input_shows_all(page, f"#id_budget-y{year}_investment")
    # The grid itself still scrolls inside its box rather than being cut off.
    wrap = page.eval_on_selector(
        "#section-budget .table-wrap", "e => getComputedStyle(e).overflowX"
    )
    assert wrap == "auto"
    _shot(page, f"errors-{width}")


def test_live_total_counts_only_valid_cells_and_marks_the_rest(live_server, new_page, setup):
    page = new_page()
    login(page, live_server, "submitter")
    year = setup["year"]
    page.goto(f"{live_server.url}/proposals/new/#section-budget")
    excluded = page.locator("#budget-excluded")
    assert not excluded.is_visible()

    page.fill(f"#id_budget-y{year}_personnel", "500,000")
    page.fill(f"#id_budget-y{year}_operating", "1" + "0" * 20)  # 10^20: refused as too large
    page.fill(f"#id_budget-y{year}_investment", "abc")
    page.fill(f"#id_budget-y{year}_subsidy", "1e5")

    assert page.text_content(f"[data-row-total='{year}']").strip() == "500,000.00"
    assert page.text_content("#grand-total").strip() == "500,000.00"
    assert page.text_content("#grand-total-baht").strip() == "500,000.00"
    for name in ("operating", "investment", "subsidy"):
        cell = page.locator(f"#id_budget-y{year}_{name}")
        assert "amount-invalid" in cell.get_attribute("class")
        assert cell.get_attribute("aria-invalid") == "true"
    valid = page.locator(f"#id_budget-y{year}_personnel")
    assert "amount-invalid" not in (valid.get_attribute("class") or "")
    assert valid.get_attribute("aria-invalid") is None
    assert excluded.is_visible()
    assert "ไม่นับรวม" in excluded.text_content()

    # The largest amount the server accepts still counts; correcting the cells clears the marks.
    page.fill(f"#id_budget-y{year}_operating", "9,999,999,999,999.99")
    page.fill(f"#id_budget-y{year}_investment", "")
    page.fill(f"#id_budget-y{year}_subsidy", "๑๐๐")
    assert page.text_content("#grand-total").strip() == "10,000,000,500,099.99"
    assert not excluded.is_visible()

    # After a save with errors the server's totals also leave the refused cells out.
    page.fill(f"#id_budget-y{year}_operating", "1" + "0" * 20)
    page.click(".sticky-actions button[value=save]")
    page.wait_for_load_state("networkidle")
    # The title is missing too: the page opens on the first step with an error.
    assert page.get_attribute("#form-steps a[href='#section-general']", "aria-current") == "step"
    assert "step-error" in page.get_attribute("#form-steps li:nth-child(5)", "class")
    page.click("#form-steps a[href='#section-budget']")
    assert page.locator(f"#id_budget-y{year}_operating").get_attribute("aria-invalid") == "true"
    assert page.text_content("#grand-total").strip() == "500,100.00"
    assert excluded.is_visible()
