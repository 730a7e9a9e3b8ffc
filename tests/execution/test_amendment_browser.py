"""In the browser: the agency asks to move money between its project's budget lines (refused
over the committee's total, nothing typed lost), DGA approves it, the secretary publishes a new
plan version and the compare page shows the moved money."""

import re
from decimal import Decimal

import pytest
from django.db import connections
from django.urls import reverse

from directory.roles import Role
from execution.models import Amendment, AmendmentStatus, BaselineLine, Project
from plans.models import PlanVersion
from tests.execution.test_amendments import INV, OP, Y, make_amendable
from tests.execution.test_browser import login
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ask_approve_publish(chromium, live_server, submitter, screener):
    plan_round, _secretary = make_amendable(submitter.agency, screener)
    secretary = make_user(Role.SECRETARY, username="t_secretary_browser")
    project = Project.objects.get()
    agency_ctx, agency = login(chromium, live_server, submitter)
    dga_ctx, dga = login(chromium, live_server, screener)
    sec_ctx, sec = login(chromium, live_server, secretary)
    try:
        agency.goto(live_server.url + project.get_absolute_url())
        agency.locator(
            f"a[href='{reverse('execution:amendment_create', args=[project.pk])}']"
        ).click()
        agency.fill(f"input[name=amount_{Y}_{OP}]", "1,100,000")  # over the committee's total
        agency.fill("textarea[name=reason]", "ราคาครุภัณฑ์สูงขึ้น")
        agency.locator("form:has(textarea[name=reason]) button[type=submit]").click()
        agency.locator(".errorlist").first.wait_for()
        assert agency.input_value(f"input[name=amount_{Y}_{OP}]") == "1,100,000"
        assert agency.input_value("textarea[name=reason]") == "ราคาครุภัณฑ์สูงขึ้น"
        assert not Amendment.objects.exists()
        agency.fill(f"input[name=amount_{Y}_{OP}]", "900,000.50")
        agency.fill(f"input[name=amount_{Y}_{INV}]", "599,999.50")
        agency.locator("form:has(textarea[name=reason]) button[type=submit]").click()
        agency.wait_for_url(re.compile(r"/execution/amendments/\d+/$"))
        amendment = Amendment.objects.get()

        dga.goto(live_server.url + reverse("execution:amendments"))
        dga.locator(f"a[href='{amendment.get_absolute_url()}']").click()
        dga.check("input[name=decision][value=approve]")
        dga.locator("form[action$='/decide/'] button").click()
        dga.wait_for_load_state()
        amendment.refresh_from_db()
        assert amendment.status == AmendmentStatus.APPROVED
        assert BaselineLine.objects.get(project=project, category=INV).approved_amount == Decimal(
            "599999.50"
        )

        sec.goto(live_server.url + plan_round.get_absolute_url())
        sec.locator("form.publish-form button").click()
        sec.wait_for_load_state()
        assert PlanVersion.objects.filter(round=plan_round).count() == 2
        sec.goto(live_server.url + reverse("plans:compare", args=[Y]))
        moved = sec.locator("tr[data-list=line-changes]").inner_text()
        assert "900,000.50" in moved and "599,999.50" in moved
    finally:
        for context in (agency_ctx, dga_ctx, sec_ctx):
            context.close()
        connections.close_all()
