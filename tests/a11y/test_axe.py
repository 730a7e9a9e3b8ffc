"""Every page of the app, in Thai, as the role that sees it, passes axe-core's WCAG 2.1 A and AA
rules with zero violations (axe-core from the npm registry, see package.json)."""

import pytest

from .conftest import axe_violations, describe, sign_in

# django_db: the test database exists and each test runs in a transaction rolled back after it;
# the demo itself is loaded once per module by demo_site (tests/a11y/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# (test id, account or None for a visitor, path with {placeholders} from demo_site)
PAGES = [
    ("login", None, "/accounts/login/"),
    ("landing-no-role", "a11y_norole", "/"),
    ("two-factor-setup", "submitter", "/accounts/two-factor/setup/"),
    ("error-403", "submitter", "/plans/2568/"),
    ("error-404", "submitter", "/proposals/999999/"),
    ("notifications-submitter", "submitter", "/notifications/"),
    ("notifications-screener", "screener", "/notifications/"),
    # proposals (the agency)
    ("landing-submitter", "submitter", "/"),
    ("proposal-list", "submitter", "/proposals/"),
    ("proposal-new", "submitter", "/proposals/new/"),
    ("proposal-edit-draft", "submitter", "/proposals/{draft}/edit/"),
    ("proposal-edit-returned", "submitter", "/proposals/{returned}/edit/"),
    ("proposal-detail-draft", "submitter", "/proposals/{draft}/"),
    ("proposal-detail-submitted", "submitter", "/proposals/{submitted}/"),
    ("proposal-detail-approved", "submitter", "/proposals/{fy2568}/"),
    ("proposal-versions-compare", "submitter", "/proposals/{returned}/versions/compare/"),
    ("proposal-withdraw", "submitter", "/proposals/{submitted}/withdraw/"),
    # screening (DGA)
    ("landing-screener", "screener", "/"),
    ("screening-inbox", "screener", "/screening/"),
    (
        "screening-inbox-filtered",
        "screener",
        "/screening/?round={open_round}&status=submitted&status=forwarded&sort=-requested",
    ),
    ("screening-inbox-2568", "screener", "/screening/?round=2568&page=2"),
    ("screening-my-queue", "screener", "/screening/mine/"),
    ("screening-form", "screener", "/screening/{submitted}/"),
    ("screening-detail-forwarded", "screener", "/screening/{forwarded}/"),
    ("screening-compare", "screener", "/screening/{forwarded}/compare/{other}/"),
    ("screening-duplicates", "screener", "/screening/duplicates/"),
    ("screening-dashboard", "screener", "/screening/dashboard/"),
    ("screening-dashboard-2568", "screener", "/screening/dashboard/?round=2568"),
    ("proposal-detail-staff", "screener", "/proposals/{forwarded}/"),
    ("proposal-history", "screener", "/proposals/{forwarded}/history/"),
    ("screening-inbox-secretary", "secretary", "/screening/?status=forwarded"),
    # committee
    ("meeting-list", "secretary", "/meetings/"),
    ("meeting-new", "secretary", "/meetings/new/"),
    ("meeting-secretary", "secretary", "/meetings/{open_meeting}/"),
    ("meeting-edit", "secretary", "/meetings/{open_meeting}/edit/"),
    ("meeting-agenda", "secretary", "/meetings/{open_meeting}/agenda/"),
    ("meeting-closed", "secretary", "/meetings/{closed_meeting}/"),
    ("meeting-chair", "chair", "/meetings/{open_meeting}/"),
    ("meeting-member", "member1", "/meetings/{open_meeting}/"),
    ("meeting-history", "secretary", "/meetings/{open_meeting}/history/"),
    ("meeting-frame", "secretary", "/meetings/frame/{open_round}/"),
    ("meeting-scenario", "secretary", "/meetings/{open_meeting}/scenario/"),
    ("meeting-scenario-chair", "chair", "/meetings/{open_meeting}/scenario/"),
    # plans
    ("plan-index", "budget", "/plans/"),
    ("plan-2568", "budget", "/plans/2568/"),
    ("plan-2568-compare", "budget", "/plans/2568/compare/"),
    ("plan-open-round-secretary", "secretary", "/plans/{open_round}/"),
    ("plan-export-progress", "budget", "/plans/2568/exports/{export}/"),
]


@pytest.mark.parametrize(("username", "path"), [p[1:] for p in PAGES], ids=[p[0] for p in PAGES])
def test_page_has_no_wcag_violations(demo_site, role_pages, axe_source, username, path):
    page = role_pages[username]
    page.goto(demo_site.url + path.format(**vars(demo_site)))  # waits for the load event
    assert page.locator("html").get_attribute("lang") == "th"
    assert username is None or "/accounts/login/" not in page.url, "signed out"
    violations = axe_violations(page, axe_source)
    assert not violations, f"{page.url}\n{describe(violations)}"
    assert not page.csp_refusals, page.csp_refusals


# Pages in the state a mistake leaves them: error messages must be as accessible as the rest.
def _wrong_password(page, site):
    page.goto(f"{site.url}/accounts/login/")
    page.fill("#id_username", "submitter")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit].primary")


def _incomplete_submission(page, site):
    page.goto(f"{site.url}/proposals/{site.draft}/edit/")
    page.click("#submit-proposal")


def _bad_amount(page, site):
    page.goto(f"{site.url}/proposals/{site.draft}/edit/#section-budget")  # the budget's step
    page.locator("#budget-grid tbody input").first.fill("หนึ่งล้าน")
    page.locator("#section-budget button[value=save]").click()


def _empty_screening(page, site):
    page.goto(f"{site.url}/screening/{site.submitted}/")
    page.click("#save-screening")


def _empty_meeting(page, site):
    page.goto(f"{site.url}/meetings/new/")
    page.click("main form button.primary")


def _two_factor_code(page, site):
    sign_in(page, site.url, "a11y_otp")  # lands on the code page
    page.fill("input[name=token]", "12")
    page.locator("main button[type=submit]").first.click()


STATES = [
    ("login-wrong-password", None, _wrong_password),
    ("proposal-submit-incomplete", "submitter", _incomplete_submission),
    ("proposal-bad-amount", "submitter", _bad_amount),
    ("screening-form-empty", "screener", _empty_screening),
    ("meeting-new-empty", "secretary", _empty_meeting),
    ("two-factor-wrong-code", "fresh", _two_factor_code),
]


@pytest.mark.parametrize(("username", "act"), [s[1:] for s in STATES], ids=[s[0] for s in STATES])
def test_page_with_errors_has_no_wcag_violations(
    demo_site, role_pages, chromium, axe_source, username, act
):
    if username == "fresh":
        context = chromium.new_context(locale="th-TH")
        page = context.new_page()
    else:
        context, page = None, role_pages[username]
    try:
        act(page, demo_site)
        page.wait_for_load_state("networkidle")
        assert page.locator(".errorlist, .errorbox, [role=alert]").count(), page.url
        violations = axe_violations(page, axe_source)
        assert not violations, f"{page.url}\n{describe(violations)}"
    finally:
        if context is not None:
            context.close()


# On a phone-sized screen (WCAG 1.4.10 reflow) wide tables scroll inside their frame, which
# must then be reachable with the keyboard.
NARROW = [
    "proposal-list",
    "proposal-edit-draft",
    "screening-inbox",
    "screening-form",
    "meeting-secretary",
    "plan-2568-compare",
]


@pytest.mark.parametrize(
    ("username", "path"),
    [p[1:] for p in PAGES if p[0] in NARROW],
    ids=[p[0] for p in PAGES if p[0] in NARROW],
)
def test_narrow_screen_has_no_wcag_violations(demo_site, role_pages, axe_source, username, path):
    page = role_pages[username]
    page.set_viewport_size({"width": 360, "height": 740})
    try:
        page.goto(demo_site.url + path.format(**vars(demo_site)))
        violations = axe_violations(page, axe_source)
        assert not violations, f"{page.url}\n{describe(violations)}"
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
