"""The secretary puts the quarterly progress report on a meeting's agenda for information, from
the dashboard: execution calls the committee's service with the figures frozen in the text."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from committee.models import InformationItem, MeetingStatus
from execution.models import Project
from execution.services import create_report, review_report, save_report, submit_report
from proposals.models import KPI
from tests.execution.factories import make_projects
from tests.factories import make_agency
from tests.screening.factories import make_meeting

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def _file(project, submitter, screener, quarter, disbursed, accept):
    report = create_report(project=project, fiscal_year=2569, quarter=quarter, actor=submitter)
    kpi = KPI.objects.get(proposal=project.proposal)
    save_report(
        report=report, actor=submitter, texts={}, progress="at_risk",
        amounts={"operating": (Decimal(disbursed), Decimal("50000.00"))},
        kpi_actuals={kpi.pk: ("1", "")},
    )  # fmt: skip
    submit_report(report=report, actor=submitter)
    if accept:
        review_report(report=report, actor=screener, accept=True)
    return report


@pytest.fixture
def world(submitter, screener):
    plan_round, secretary = make_projects(agencies=[submitter.agency, make_agency()])
    project = Project.objects.get(agency=submitter.agency)
    _file(project, submitter, screener, 1, "300000.00", accept=True)
    meeting = make_meeting(plan_round)
    return plan_round, secretary, project, meeting


def test_the_secretary_adds_the_report_with_its_figures_frozen(world, submitter, screener):
    plan_round, secretary, project, meeting = world
    secretary_client = client_for(secretary)
    dashboard = reverse("progress:dashboard", args=[2569])
    assert f'<option value="{meeting.pk}">' in secretary_client.get(dashboard).content.decode()
    response = secretary_client.post(
        reverse("progress:to_agenda", args=[2569]), {"meeting": meeting.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("committee:agenda", args=[meeting.pk])
    item = InformationItem.objects.get(meeting=meeting)
    assert "2569" in item.title and item.link == dashboard
    # 2 projects of 1,500,000.00; Q1: 300,000.00 disbursed = 10.00% of 3,000,000.00
    assert "3,000,000.00" in item.body and "300,000.00" in item.body and "ร้อยละ 10.00" in item.body
    assert "ไตรมาสที่ 1" in item.body and "มีความเสี่ยง 1" in item.body
    frozen = item.body
    _file(project, submitter, screener, 2, "900000.00", accept=True)
    item.refresh_from_db()
    assert item.body == frozen  # what the meeting was told stays as it was


def test_other_roles_a_closed_or_unknown_meeting_and_a_get_are_refused(
    world, budget_officer, screener
):
    plan_round, secretary, project, meeting = world
    url = reverse("progress:to_agenda", args=[2569])
    for user in (budget_officer, screener):
        assert client_for(user).post(url, {"meeting": meeting.pk}).status_code == 403
    assert client_for(secretary).get(url).status_code == 405
    closed = make_meeting(plan_round, number=2, status=MeetingStatus.CLOSED)
    for bad in (closed.pk, "abc", "", meeting.pk + 1000):
        response = client_for(secretary).post(url, {"meeting": bad})
        assert response.status_code == 302
        assert response["Location"] == reverse("progress:dashboard", args=[2569])
    assert not InformationItem.objects.exists()
    # the budget office reads the dashboard but is offered no meeting
    page = client_for(budget_officer).get(reverse("progress:dashboard", args=[2569]))
    assert b"to-agenda-meeting" not in page.content
