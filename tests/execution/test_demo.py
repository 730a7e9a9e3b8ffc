"""The demo: publishing its plans started their projects; the submitter has a report to file
and the screener one to review."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from budgetscreen.demo import load_demo
from directory.models import User
from execution.models import ExecutionSettings, Project, QuarterlyReport
from execution.workflow import ReportStatus

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 11, 30, 9, 0))  # FY2570 Q1 (BE 2569)


def test_the_demo_has_reports_to_file_and_to_review(settings):
    settings.DEMO_DATA = True
    load_demo(now=NOW)
    submitter = User.objects.get(username="submitter")
    assert Project.objects.filter(round__fiscal_year=2570).count() > 1
    draft = QuarterlyReport.objects.get(project__agency=submitter.agency, status=ReportStatus.DRAFT)
    assert (draft.project.round.fiscal_year, draft.fiscal_year, draft.quarter) == (2570, 2570, 1)
    sent = QuarterlyReport.objects.get(status=ReportStatus.SUBMITTED)
    assert sent.project.agency == submitter.agency and sent.versions.count() == 1
    client = Client()
    client.force_login(User.objects.get(username="screener"))
    page = client.get(reverse("execution:reviews")).content.decode()
    assert sent.get_absolute_url() in page
    # the round's disbursement targets are there, and said to be illustrative
    rules = ExecutionSettings.objects.get(round__fiscal_year=2570)
    assert rules.target_q4 == 100 and "illustrative" in rules.targets_note
    # loading again adds nothing
    assert "quarterlyreport" not in load_demo(now=NOW)
