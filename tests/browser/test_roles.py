"""Every demo account signs in through the real login form and lands on its own page."""

import re

import pytest
from django.utils import timezone

from budgetscreen.demo import demo_calendar, load_demo
from tests.browser_support import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The newest published plan: FY2570 on 30 November 2569, approved in January 2569.
NEWEST_PLAN = demo_calendar(timezone.localdate()).published[-1]
LANDINGS = [
    ("submitter", r"/proposals/$", "กรมการขนส่งทางบก"),
    ("submitter2", r"/proposals/$", "สำนักงานสถิติแห่งชาติ"),
    ("screener", r"/screening/$", None),
    ("secretary", r"/meetings/\d+/$", None),
    ("chair", r"/meetings/\d+/$", None),
    ("member1", r"/meetings/\d+/$", None),
    ("member5", r"/meetings/\d+/$", None),
    ("budget", rf"/plans/{NEWEST_PLAN}/$", None),  # the newest published plan
    ("admin", r"/admin/$", None),
]


@pytest.fixture
def demo(settings):
    settings.DEMO_DATA = True
    load_demo()
    settings.DEMO_DATA = False


@pytest.mark.parametrize(("username", "landing", "agency"), LANDINGS)
def test_demo_account_lands_on_its_page(demo, live_server, new_page, username, landing, agency):
    page = login(new_page(), live_server, username)
    assert re.search(landing, page.url), page.url
    assert page.locator("h1").first.is_visible()
    if agency:
        assert agency in page.locator(".whoami").inner_text()


def test_anonymous_visitor_is_sent_to_log_in(demo, live_server, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/plans/2568/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "เข้าสู่ระบบ"


def test_plan_2568_shows_the_figures_of_the_news_item(demo, live_server, new_page):
    page = login(new_page(), live_server, "budget")
    page.goto(f"{live_server.url}/plans/2568/")
    figure = lambda name: page.locator(f'[data-figure="{name}"]').first.inner_text()  # noqa: E731
    assert figure("submitted-projects") == "140"
    assert figure("submitted-agencies") == "95"
    assert figure("requested").startswith("8,369.6589")
    assert figure("approved-projects") == "110"
    assert figure("approved-agencies") == "75"
    assert figure("approved").startswith("7,964.0000")


def test_language_switch_to_english_and_back(demo, live_server, new_page):
    page = login(new_page(), live_server, "screener")
    page.click('.langswitch button[value="en"]')
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Log out" in page.locator(".topbar").inner_text()
    page.click('.langswitch button[value="th"]')
    page.wait_for_load_state("networkidle")
    assert "ออกจากระบบ" in page.locator(".topbar").inner_text()


def test_a_submitter_cannot_open_the_plan(demo, live_server, new_page):
    page = login(new_page(), live_server, "submitter")
    response = page.goto(f"{live_server.url}/plans/2568/")
    assert response.status == 403
    assert "8,369" not in page.content()
