"""Hostile text typed into a quarterly report and a review comes out inert on every page that
shows it; invisible characters are removed when typed, with a notice."""

import pytest
from django.test import Client
from django.urls import reverse

from execution.models import Project, QuarterlyReport
from execution.services import create_report
from proposals.models import KPI
from tests.execution.factories import make_projects
from tests.security import hostile
from tests.security.checks import assert_inert_html, shows_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

VISIBLE = {k: v for k, v in hostile.INERT.items() if k not in ("rlo", "zero_width")}


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", sorted(VISIBLE))
def test_hostile_text_in_a_report_is_kept_and_inert(submitter, screener, name):
    value = VISIBLE[name]
    make_projects(agencies=[submitter.agency], screener=screener)
    project = Project.objects.get()
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    kpi = KPI.objects.get(proposal=project.proposal)
    agency, dga = client_for(submitter), client_for(screener)
    body = {
        "progress": "delayed", "milestones": value, "problems": value, "help_requested": value,
        "disbursed_operating": "1", "committed_operating": "0", "disbursed_investment": "0",
        "committed_investment": "0", f"kpi_{kpi.pk}": value[:100],
        f"kpinote_{kpi.pk}": value[:500], "submit": "1",
    }  # fmt: skip
    response = agency.post(reverse("execution:report_edit", args=[report.pk]), body)
    assert response.status_code == 302, response.content[:2000]
    report.refresh_from_db()
    assert report.problems == value.strip() or report.problems == value
    dga.post(
        reverse("execution:report_review", args=[report.pk]),
        {"decision": "return", "comment": value},
    )
    report.refresh_from_db()
    assert report.status == "returned"
    for client, url in (
        (dga, reverse("execution:report", args=[report.pk])),
        (agency, reverse("execution:report", args=[report.pk])),
        (agency, reverse("execution:report_edit", args=[report.pk])),
        (agency, reverse("execution:project", args=[project.pk])),
    ):
        html = client.get(url).content.decode()
        assert_inert_html(html)
    html = dga.get(reverse("execution:report", args=[report.pk])).content.decode()
    assert shows_text(html, value.strip().split("\n")[0])


def test_invisible_characters_are_removed_with_a_notice(submitter):
    make_projects(agencies=[submitter.agency])
    project = Project.objects.get()
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    response = client_for(submitter).post(
        reverse("execution:report_edit", args=[report.pk]),
        {"progress": "on_track", "problems": hostile.RLO, "milestones": hostile.ZERO_WIDTH},
        follow=True,
    )
    assert response.status_code == 200
    saved = QuarterlyReport.objects.get()
    assert "\u202e" not in saved.problems and "\u200b" not in saved.milestones
    assert saved.milestones == "ระบบข้อมูล"
    assert any(m.level_tag == "warning" for m in response.context["messages"])
