"""The whole submission journey with the keyboard alone: from the login page to a proposal sent
to DGA, with Tab, Shift+Tab, Enter, Space, arrow keys and typing; no mouse, no fill().
Every control is reached by tabbing to it, and the focus is visible on the way."""

from decimal import Decimal

import pytest

from proposals.models import Proposal
from proposals.workflow import Status
from tests.proposals.factories import PDF_BYTES

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

TITLE = "ระบบนัดหมายบริการออนไลน์ด้วยแป้นพิมพ์"
MAX_TABS = 250


def active(page, selector) -> bool:
    return page.evaluate(
        "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
    )


def tab_to(page, selector, *, backwards=False):
    """Press Tab (or Shift+Tab) until the element matching ``selector`` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if active(page, selector):
            return
    raise AssertionError(f"{selector} cannot be reached with {key} on {page.url}")


def assert_focus_visible(page):
    """The focused control is on screen and drawn with a focus ring (outline or box-shadow)."""
    style = page.evaluate(
        """() => {
            const e = document.activeElement, s = getComputedStyle(e);
            const r = e.getBoundingClientRect();
            return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0,
                    shadow: s.boxShadow, area: r.width * r.height,
                    inView: r.bottom > 0 && r.top < innerHeight
                            && r.right > 0 && r.left < innerWidth,
                    what: e.tagName + "#" + e.id + "[" + (e.name || "") + "]"};
        }"""
    )
    ring = (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] not in (
        "",
        "none",
    )
    assert ring and style["area"] > 0 and style["inView"], style


def type_into(page, selector, text):
    tab_to(page, selector)
    page.keyboard.type(text)


def choose_with_arrows(page, selector, presses=1):
    """A radio group or a select: tab to it, then move the choice with the arrow key."""
    tab_to(page, selector)
    for _ in range(presses):
        page.keyboard.press("ArrowDown")


def next_section(page, section):
    """Tab to the section's "next section" button and press it: the next step opens."""
    tab_to(page, f"#section-{section} .step-next")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    assert page.locator(f"#section-{section}").is_hidden()


def press_and_wait(page, key="Enter"):
    with page.expect_navigation():
        page.keyboard.press(key)


def test_submission_journey_with_the_keyboard_alone(demo_site, new_page, tmp_path):
    page = new_page()
    # Playwright intercepts file choosers only once a listener exists, and turning that on takes
    # a round trip; listening from the start means the later keypress cannot outrun it.
    page.on("filechooser", lambda chooser: None)
    page.goto(f"{demo_site.url}/accounts/login/")

    # The login form puts the focus on the username itself.
    assert active(page, "#id_username")
    assert_focus_visible(page)
    page.keyboard.type("submitter")
    type_into(page, "#id_password", PASSWORD)
    press_and_wait(page)  # Enter in the password field signs in
    assert page.url.endswith("/proposals/"), page.url

    # The skip link comes first and shows itself when focused.
    page.keyboard.press("Tab")
    assert active(page, "a.skip-link")
    assert_focus_visible(page)
    tab_to(page, "a[href='/proposals/new/']")
    assert_focus_visible(page)
    press_and_wait(page)

    # 1. General. The skip link takes the focus past the top bar.
    page.keyboard.press("Tab")
    assert active(page, "a.skip-link")
    page.keyboard.press("Enter")
    type_into(page, "[name='general-title_th']", TITLE)
    assert_focus_visible(page)
    choose_with_arrows(page, "[name='general-project_type']")  # first radio, then the next
    page.keyboard.press("ArrowUp")  # back to "new project"
    page.keyboard.press("Space")
    assert page.locator("[name='general-project_type'][value='new']").is_checked()
    assert_focus_visible(page)
    choose_with_arrows(page, "[name='general-duration_years']")  # 1 → 2 years
    assert page.locator("[name='general-duration_years']").input_value() == "2"
    assert_focus_visible(page)
    type_into(page, "[name='general-official_name']", "นางสาวกานดา ใจดี")
    type_into(page, "[name='general-official_position']", "นักวิเคราะห์นโยบายและแผน")
    type_into(page, "[name='general-official_phone']", "0 2271 8888")
    type_into(page, "[name='general-official_email']", "kanda@dlt.go.th")

    # One section at a time: the "next section" button moves on and takes the focus along.
    next_section(page, "general")
    # 2. Alignment: radio groups and selects with the arrow keys.
    choose_with_arrows(page, "[name='alignment-stage']", presses=1)
    assert page.locator("[name='alignment-stage']:checked").count() == 1
    choose_with_arrows(page, "[name='alignment-benefit']", presses=2)
    assert page.locator("[name='alignment-benefit']:checked").count() == 1
    choose_with_arrows(page, "[name='alignment-dg_strategy']")
    choose_with_arrows(page, "[name='alignment-national_strategy']", presses=2)
    assert page.locator("[name='alignment-dg_strategy']").input_value()
    assert page.locator("[name='alignment-national_strategy']").input_value()
    type_into(page, "[name='alignment-alignment_justification']", "ลดขั้นตอนการติดต่อราชการของประชาชน")

    # 3. Content.
    next_section(page, "alignment")
    for name in ("rationale", "objectives", "target_group", "outputs", "outcomes"):
        type_into(page, f"[name='content-{name}']", f"รายละเอียด {name} ของโครงการ")

    # 4. KPIs.
    next_section(page, "content")
    type_into(page, "[name='kpi-0-indicator']", "จำนวนผู้ใช้บริการนัดหมายออนไลน์")
    assert_focus_visible(page)
    type_into(page, "[name='kpi-0-unit']", "ราย")
    type_into(page, "[name='kpi-0-target']", "50,000")

    # 5. Budget: two years (the second row appeared when the duration changed); Thai digits too.
    next_section(page, "kpis")
    first, second = demo_site.open_round, demo_site.open_round + 1
    type_into(page, f"[name='budget-y{first}_personnel']", "1,500,000")
    assert_focus_visible(page)
    type_into(page, f"[name='budget-y{first}_operating']", "250,000.50")
    type_into(page, f"[name='budget-y{second}_investment']", "๓๐๐,๐๐๐")
    assert page.locator("#round-total-baht").inner_text() == "1,750,000.50"

    # Save the draft from the budget section's own button.
    tab_to(page, "#section-budget button[value='save']")
    assert_focus_visible(page)
    press_and_wait(page)
    assert "/edit/" in page.url, page.url
    assert "บันทึก" in page.locator("[role=status]").inner_text()

    # 6. Attachments: the file chooser opens from the keyboard. The save came back to the budget.
    next_section(page, "budget")
    pdf = tmp_path / "ขอบเขตงาน.pdf"
    pdf.write_bytes(PDF_BYTES)
    tab_to(page, "#id_attachment-file")
    assert_focus_visible(page)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(pdf))
    type_into(page, "#id_attachment-description", "ขอบเขตของงาน (TOR)")
    tab_to(page, "button[value='attachments']")
    press_and_wait(page)
    assert page.locator(".attachment-list li").count() == 1

    # Submit: Shift+Tab back from the end of the page to the submit button.
    tab_to(page, "#submit-proposal")
    page.keyboard.press("Tab")
    tab_to(page, "#submit-proposal", backwards=True)
    assert_focus_visible(page)
    press_and_wait(page)
    assert page.locator("h1").inner_text() == TITLE

    # Back to the list through the main navigation, backwards from the top of the page.
    tab_to(page, ".mainnav a[href='/proposals/']", backwards=True)
    assert_focus_visible(page)
    press_and_wait(page)
    row = page.locator("table.proposal-list tr", has_text=TITLE)
    assert row.locator(".badge-submitted").count() == 1
    assert "1,750,000.50" in row.inner_text()

    proposal = Proposal.objects.get(title_th=TITLE)
    assert proposal.status == Status.SUBMITTED
    assert proposal.requested_amount == Decimal("1750000.50")
    assert proposal.versions.count() == 1 and proposal.attachments.count() == 1
    assert proposal.budget_lines.get(fiscal_year=second).amount == Decimal("300000")
