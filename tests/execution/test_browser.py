"""In the browser: the agency files a quarterly report, DGA returns it, the agency corrects and
sends it again, DGA accepts it."""

import pytest
from django.db import connections
from django.urls import reverse

from execution.models import Project, QuarterlyReport
from execution.workflow import ReportStatus
from tests.execution.factories import make_projects
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(browser, live_server, user):
    context = browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return context, page


def test_file_return_resubmit_accept(chromium, live_server, submitter, screener):
    make_projects(agencies=[submitter.agency], screener=screener)
    project = Project.objects.get()
    agency_ctx, agency = login(chromium, live_server, submitter)
    dga_ctx, dga = login(chromium, live_server, screener)
    try:
        agency.goto(live_server.url + reverse("execution:projects"))
        agency.get_by_role("link", name=project.proposal.title).click()
        agency.locator("form:has(input[name=quarter][value='1']) button").click()
        agency.wait_for_url("**/edit/")
        agency.select_option("select[name=progress]", "at_risk")
        agency.fill("input[name=disbursed_operating]", "1,500,000")  # more than approved
        agency.fill("textarea[name=problems]", "ผู้รับจ้างส่งมอบล่าช้า")
        agency.locator("button[name=save]").click()
        agency.locator(".errorlist").first.wait_for()
        # refused, and nothing typed is lost
        assert agency.input_value("input[name=disbursed_operating]") == "1,500,000"
        assert agency.input_value("textarea[name=problems]") == "ผู้รับจ้างส่งมอบล่าช้า"
        agency.fill("input[name=disbursed_operating]", "400,000.25")
        agency.locator("button[name=submit]").click()
        agency.wait_for_url(lambda url: not url.endswith("/edit/"))
        report = QuarterlyReport.objects.get()
        assert report.status == ReportStatus.SUBMITTED

        dga.goto(live_server.url + reverse("execution:reviews"))
        dga.locator(f"a[href='{report.get_absolute_url()}']").click()
        dga.check("input[name=decision][value=return]")
        dga.fill("textarea[name=comment]", "โปรดแนบใบสั่งซื้อ")
        dga.locator("form[action$='/review/'] button").click()
        dga.wait_for_load_state()
        report.refresh_from_db()
        assert report.status == ReportStatus.RETURNED

        agency.goto(live_server.url + reverse("execution:report_edit", args=[report.pk]))
        assert "โปรดแนบใบสั่งซื้อ" in agency.content()
        agency.fill("input[name=committed_operating]", "100,000")
        agency.locator("button[name=submit]").click()
        agency.wait_for_url(lambda url: not url.endswith("/edit/"))

        dga.goto(live_server.url + report.get_absolute_url())
        dga.check("input[name=decision][value=accept]")
        dga.locator("form[action$='/review/'] button").click()
        dga.wait_for_load_state()
        report.refresh_from_db()
        assert report.status == ReportStatus.ACCEPTED
        assert report.versions.count() == 2
    finally:
        agency_ctx.close()
        dga_ctx.close()
        connections.close_all()
