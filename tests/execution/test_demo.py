"""The demo: publishing its plans started their projects; the submitter has a report to file
and the screener one to review."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from budgetscreen.demo import load_demo
from core.models import Notification
from directory.models import User
from execution.models import (
    Amendment,
    AmendmentStatus,
    BaselineLine,
    ExecutionSettings,
    Project,
    QuarterlyReport,
    ReportLine,
)
from execution.selectors import get_progress, list_unsent_quarters
from execution.services import send_report_reminders
from execution.workflow import ProgressStatus, ReportStatus
from plans.models import PlanVersion
from plans.selectors import get_plan_summary
from proposals.models import BudgetLine, PlanRound

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 11, 30, 9, 0))  # FY2570 Q1 (BE 2569)


def test_the_demo_has_reports_to_file_and_to_review(settings):
    settings.DEMO_DATA = True
    load_demo(now=NOW)
    submitter = User.objects.get(username="submitter")
    assert Project.objects.filter(round__fiscal_year=2570).count() > 1
    draft = QuarterlyReport.objects.get(project__agency=submitter.agency, status=ReportStatus.DRAFT)
    assert (draft.project.round.fiscal_year, draft.fiscal_year, draft.quarter) == (2570, 2570, 1)
    sent = QuarterlyReport.objects.get(
        project__agency=submitter.agency, status=ReportStatus.SUBMITTED
    )
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


def test_fy2568_carries_its_whole_year_of_execution(settings):
    """Four quarters of every project, cumulative, exact, never above the approved amount;
    some returned and resubmitted, some finished under budget."""
    settings.DEMO_DATA = True
    load_demo(now=NOW)
    projects = Project.objects.filter(round__fiscal_year=2568)
    reports = QuarterlyReport.objects.filter(project__in=projects, fiscal_year=2568)
    assert reports.count() == 4 * projects.count()
    # all accepted but the submitter's last one, sent today for the screener, and one project's
    # last one, returned and never sent again (overdue)
    assert sorted(
        reports.exclude(status=ReportStatus.ACCEPTED).values_list("status", flat=True)
    ) == [ReportStatus.RETURNED, ReportStatus.SUBMITTED]
    assert reports.filter(versions__number=2).exists()
    assert reports.filter(review_comment__gt="", status=ReportStatus.ACCEPTED).exists()
    limits = {
        (b.project_id, b.category): b.approved_amount
        for b in BaselineLine.objects.filter(project__in=projects, fiscal_year=2568)
    }
    last: dict = {}
    for line in ReportLine.objects.filter(report__in=reports).order_by("report__quarter"):
        key = (line.report.project_id, line.category)
        assert line.disbursed + line.committed <= limits[key]
        assert line.disbursed >= last.get(key, 0)
        last[key] = line.disbursed
    progress = get_progress(PlanRound.objects.get(fiscal_year=2568))
    q4 = [row.quarters[3].disbursed for row in progress.projects]
    under = [row for row, d in zip(progress.projects, q4, strict=True) if d < row.approved]
    assert len(under) >= 10
    assert progress.totals.quarters[3].disbursed == sum(q4)
    assert progress.totals.quarters[3].disbursed < progress.totals.approved


def test_the_plan_under_way_has_reports_in_every_state(settings):
    settings.DEMO_DATA = True
    load_demo(now=NOW)
    current = QuarterlyReport.objects.filter(project__round__fiscal_year=2570, fiscal_year=2570)
    assert set(current.values_list("status", flat=True)) == set(ReportStatus.values)
    assert current.filter(quarter=1).count() == current.count()
    returned = current.get(status=ReportStatus.RETURNED)
    assert returned.review_comment and returned.versions.count() == 1
    progress = get_progress(PlanRound.objects.get(fiscal_year=2570))
    assert [row.progress for row in progress.needing_attention] == [ProgressStatus.AT_RISK]
    # every date of the demo is in the past
    assert not current.filter(submitted_at__gt=NOW).exists()
    assert not current.filter(reviewed_at__gt=NOW).exists()


def test_a_quarter_past_its_due_date_is_overdue(settings):
    """Loaded on 10 February 2569, after the first quarter's reports of FY2569 were due on
    15 January: they are in but one (overdue), and the second quarter's are in every state.
    (The services the submitter's own reports go through take today's date, so the day is
    before it.)"""
    settings.DEMO_DATA = True
    february = timezone.make_aware(datetime.datetime(2026, 2, 10, 9, 0))
    load_demo(now=february)
    overdue = list_unsent_quarters(due_by=datetime.date(2026, 2, 9))
    others = [u for u in overdue if u.project.agency.code != "dlt"]
    assert [(u.project.round.fiscal_year, u.quarter, u.status) for u in others] == [
        (2568, 4, "returned"),  # FY2568's overdue report, whatever the day
        (2569, 1, ""),
    ]
    current = QuarterlyReport.objects.filter(project__round__fiscal_year=2569, quarter=2)
    assert set(current.values_list("status", flat=True)) == set(ReportStatus.values)
    assert not current.filter(submitted_at__gt=february).exists()


def test_a_few_days_after_a_quarter_no_report_is_dated_in_the_future(settings):
    """Loaded on 12 January 2569, in the reporting window of FY2569's first quarter: only the
    reports already sent and reviewed by then are there; none is overdue yet."""
    settings.DEMO_DATA = True
    january = timezone.make_aware(datetime.datetime(2026, 1, 12, 9, 0))
    load_demo(now=january)
    plan = QuarterlyReport.objects.filter(project__round__fiscal_year=2569)
    accepted = plan.filter(quarter=1, status=ReportStatus.ACCEPTED).count()
    assert 0 < accepted < Project.objects.filter(round__fiscal_year=2569).count() - 1
    # (the submitter's own draft goes through the services, which stamp the clock's time)
    written = plan.exclude(project__agency__code="dlt")
    for field in ("created_at", "submitted_at", "reviewed_at"):
        assert not written.filter(**{f"{field}__gt": january}).exists(), field
    overdue = list_unsent_quarters(due_by=datetime.date(2026, 1, 11))
    assert [(u.fiscal_year, u.quarter) for u in overdue] == [(2568, 4)]  # FY2568's, not FY2569's


def test_an_approved_amendment_made_fy2568_plan_version_2(settings):
    """The submitter's agency moved money between two categories of a FY2568 project, DGA
    approved it in the second quarter, and the secretary published version 2: the compare
    page shows the moved lines; the plan's figures are the article's still."""
    settings.DEMO_DATA = True
    load_demo(now=NOW)
    amendment = Amendment.objects.get(project__round__fiscal_year=2568)
    assert amendment.status == AmendmentStatus.APPROVED
    assert amendment.project.agency.code == "dlt"
    lines = list(amendment.lines.all())
    assert len(lines) == 2 and sum(line.change for line in lines) == 0
    assert amendment.requested_at < amendment.decided_at < NOW
    versions = PlanVersion.objects.filter(round__fiscal_year=2568).order_by("number")
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].published_at < amendment.decided_at < versions[1].published_at
    # the baseline and the proposal's approved lines carry the amounts after
    for line in lines:
        cell = {"fiscal_year": line.fiscal_year, "category": line.category}
        assert BaselineLine.objects.get(project=amendment.project, **cell).approved_amount == (
            line.after
        )
        assert BudgetLine.objects.get(
            proposal=amendment.project.proposal, **cell
        ).approved_amount == (line.after)
    totals = get_plan_summary(PlanRound.objects.get(fiscal_year=2568)).totals
    assert (totals.approved_projects, totals.approved_agencies, totals.approved) == (
        110,
        75,
        7964000000,
    )
    client = Client()
    client.force_login(User.objects.get(username="budget"))
    page = client.get(reverse("plans:compare", args=[2568]), {"a": 1, "b": 2})
    assert page.status_code == 200
    assert amendment.project.proposal.code in page.content.decode()


def test_an_amendment_of_the_plan_under_way_awaits_dga(settings):
    settings.DEMO_DATA = True
    load_demo(now=NOW)
    pending = Amendment.objects.get(project__round__fiscal_year=2570)
    assert pending.status == AmendmentStatus.PENDING and pending.requested_at < NOW
    assert pending.project.agency.code in ("dlt", "nso")
    client = Client()
    client.force_login(User.objects.get(username="screener"))
    assert (
        pending.get_absolute_url() in client.get(reverse("execution:amendments")).content.decode()
    )


def test_a_report_is_overdue_on_the_demo_day_and_escalated(settings):
    """Whatever the day, one FY2568 project's last report (returned, never sent again) is
    overdue: the screener's list shows it and the reminders escalate it to the responsible
    officer."""
    settings.DEMO_DATA = True
    load_demo(now=NOW)
    overdue = list_unsent_quarters(due_by=NOW.date())
    assert [(u.fiscal_year, u.quarter, u.status) for u in overdue] == [(2568, 4, "returned")]
    project = overdue[0].project
    assert project.agency.code not in ("dlt", "nso")
    screener = User.objects.get(username="screener")
    assert project.responsible_officer == screener
    client = Client()
    client.force_login(screener)
    assert project.get_absolute_url() in client.get(reverse("execution:reviews")).content.decode()
    # a week and a day after the due date (the daily command repeats every seven days)
    day = overdue[0].due + datetime.timedelta(days=8)
    assert send_report_reminders(today=day)["overdue"] == 1
    assert Notification.objects.filter(recipient=screener, subject__contains=project.proposal.code)
