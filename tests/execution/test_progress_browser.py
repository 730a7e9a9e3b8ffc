# ruff: noqa: F811 (the shared fixture round_with_reports is imported from test_views)
"""In the browser: the budget office reads the progress dashboard (the chart drawn, no Content
Security Policy violation) and downloads progress.pdf from it."""

import os
from decimal import Decimal

import pytest
from django.urls import reverse

from execution.models import ExecutionSettings
from tests.execution.test_browser import login
from tests.execution.test_views import round_with_reports  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_draws_its_chart_and_offers_the_pdf(
    chromium, live_server, round_with_reports, budget_officer
):
    ExecutionSettings.objects.create(
        round=round_with_reports, target_q1=Decimal("20"), target_q2=Decimal("45"),
        target_q3=Decimal("70"), target_q4=Decimal("100"), targets_note="ตัวเลขสมมติ",
    )  # fmt: skip
    context, page = login(chromium, live_server, budget_officer)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(live_server.url + reverse("progress:dashboard", args=[2569]))
        chart = page.locator("svg.chart")
        assert chart.count() == 1 and chart.bounding_box()["width"] > 300
        assert chart.locator("polyline").count() == 2
        assert page.locator("table[data-breakdown=agency] tbody tr").count() == 3
        if os.environ.get("SCREENSHOT_DIR"):  # for a person to look at
            page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/progress.png", full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="PDF").click()
        assert download.value.suggested_filename == "progress-2569.pdf"
        assert not problems, problems
    finally:
        context.close()
