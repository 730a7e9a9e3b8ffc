"""The execution services: starting projects, the report's limits, workflow, versions, audit."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core.models import AuditEvent, Notification
from directory.roles import Role
from execution.models import (
    BaselineLine,
    ExecutionSettings,
    Project,
    QuarterlyReport,
    ReportLine,
    ReportVersion,
    quarter_bounds,
)
from execution.selectors import diff_snapshots, report_due_date, report_due_days
from execution.services import (
    ExecutionError,
    create_report,
    review_report,
    save_report,
    send_report_reminders,
    start_projects,
    submit_report,
)
from execution.workflow import ReportStatus
from plans.services import publish_plan
from proposals.models import KPI
from tests.execution.factories import make_projects
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db

M = Decimal("1000000.00")


@pytest.fixture(autouse=True)
def english():
    """The messages below are matched in English; Thai is checked where it matters most."""
    with translation.override("en"):
        yield


@pytest.fixture
def project(submitter, screener):
    make_projects(agencies=[submitter.agency], screener=screener)
    return Project.objects.get(agency=submitter.agency)


def amounts(operating=(Decimal("0"), Decimal("0")), investment=(Decimal("0"), Decimal("0"))):
    return {"operating": operating, "investment": investment}


def save(report, actor, **overrides):
    kpi = KPI.objects.get(proposal=report.project.proposal)
    arguments = {
        "texts": {"milestones": "ติดตั้งระบบแล้ว", "problems": "", "help_requested": ""},
        "progress": "on_track",
        "amounts": amounts((Decimal("250000.00"), Decimal("100000.50"))),
        "kpi_actuals": {kpi.pk: ("250", "รายงานการใช้งาน")},
    }
    arguments.update(overrides)
    return save_report(report=report, actor=actor, **arguments)


def test_dates_of_the_thai_fiscal_quarters():
    assert quarter_bounds(2569, 1) == (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
    assert quarter_bounds(2569, 2) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert quarter_bounds(2569, 3) == (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    assert quarter_bounds(2569, 4) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert report_due_date(2569, 1, 15) == datetime.date(2026, 1, 15)


def test_the_due_days_are_data_of_the_round(project):
    assert report_due_days(project.round) == 15
    ExecutionSettings.objects.create(round=project.round, report_due_days=30)
    assert report_due_days(project.round) == 30


def test_publishing_starts_the_projects_with_their_approved_lines(project, screener):
    assert project.approved_amount == Decimal("1500000.00")
    assert project.responsible_officer == screener
    assert project.plan_version.number == 1
    baseline = BaselineLine.objects.filter(project=project)
    assert dict(baseline.values_list("category", "approved_amount")) == {
        "operating": M, "investment": Decimal("500000.00")
    }  # fmt: skip
    event = AuditEvent.objects.get(code="execution.projects_started")
    assert event.extra["projects"] == 1 and event.extra["codes"] == [project.proposal.code]


def test_starting_again_adds_nothing_and_is_refused_to_others(project, submitter):
    secretary = make_user(Role.SECRETARY)
    assert start_projects(plan_round=project.round, actor=secretary) == []
    assert Project.objects.count() == 1
    with pytest.raises(ExecutionError):
        start_projects(plan_round=project.round, actor=submitter)


def test_a_failing_start_undoes_the_publication(project, monkeypatch):
    """The projects start in the publishing transaction: both happen or neither."""
    from plans.models import PlanVersion
    from proposals.models import Proposal

    Proposal.objects.filter(pk=project.proposal_id).update(title_th="เปลี่ยนชื่อ")

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("execution.services._start_from_version", broken)
    with pytest.raises(RuntimeError):
        publish_plan(plan_round=project.round, actor=make_user(Role.SECRETARY))
    assert PlanVersion.objects.filter(round=project.round).count() == 1


def test_the_agency_opens_a_report_with_its_lines_and_kpis(project, submitter):
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    assert report.status == ReportStatus.DRAFT
    assert sorted(report.lines.values_list("category", flat=True)) == ["investment", "operating"]
    assert report.kpi_actuals.count() == 1
    assert AuditEvent.objects.filter(code="report.created").count() == 1
    with pytest.raises(ExecutionError, match="already"):
        create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)


def test_a_later_quarter_carries_the_cumulative_amounts(project, submitter):
    first = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    save(first, submitter)
    second = create_report(project=project, fiscal_year=2569, quarter=2, actor=submitter)
    line = second.lines.get(category="operating")
    assert (line.disbursed, line.committed) == (Decimal("250000.00"), Decimal("100000.50"))


@pytest.mark.parametrize(
    ("year", "quarter", "message"),
    [(2569, 5, "four quarters"), (2571, 1, "not begun"), (2568, 1, "no approved budget")],
)
def test_a_report_on_a_quarter_outside_the_project_is_refused(
    project, submitter, year, quarter, message
):
    with pytest.raises(ExecutionError, match=message):
        create_report(project=project, fiscal_year=year, quarter=quarter, actor=submitter)
    assert not QuarterlyReport.objects.exists()


def test_another_agency_and_dga_cannot_open_a_report(project, other_submitter, screener):
    for actor in (other_submitter, screener):
        with pytest.raises(ExecutionError):
            create_report(project=project, fiscal_year=2569, quarter=1, actor=actor)


def test_saving_keeps_exact_amounts_and_audits(project, submitter):
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    save(report, submitter)
    line = ReportLine.objects.get(report=report, category="operating")
    assert line.committed == Decimal("100000.50")
    report.refresh_from_db()
    assert report.milestones == "ติดตั้งระบบแล้ว"
    assert report.kpi_actuals.get().actual == "250"
    event = AuditEvent.objects.filter(code="report.saved").get()
    assert "operating" in event.extra["changed"] and "milestones" in event.extra["changed"]
    save(report, submitter)  # the same again: nothing changed, nothing audited
    assert AuditEvent.objects.filter(code="report.saved").count() == 1


def test_more_than_approved_is_refused_and_nothing_is_lost(project, submitter):
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    save(report, submitter)
    too_much = amounts(
        (Decimal("900000.00"), Decimal("100000.01")), (Decimal("1.00"), Decimal("0"))
    )
    with pytest.raises(ExecutionError, match="exceed") as refused:
        save(report, submitter, amounts=too_much, texts={"milestones": "ใหม่"})
    assert refused.value.field == "disbursed_operating"
    line = ReportLine.objects.get(report=report, category="operating")
    assert (line.disbursed, line.committed) == (Decimal("250000.00"), Decimal("100000.50"))
    assert ReportLine.objects.get(report=report, category="investment").disbursed == 0
    report.refresh_from_db()
    assert report.milestones == "ติดตั้งระบบแล้ว"
    with translation.override("th"), pytest.raises(ExecutionError, match="เกินวงเงินที่อนุมัติ"):
        save(report, submitter, amounts=too_much)
    # exactly the approved amount is allowed
    save(report, submitter, amounts=amounts((Decimal("900000.00"), Decimal("100000.00"))))


def test_a_category_or_kpi_not_of_the_project_is_refused(project, submitter):
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    with pytest.raises(ExecutionError):
        save(report, submitter, amounts={"personnel": (Decimal("1"), Decimal("0"))})
    with pytest.raises(ExecutionError):
        save(report, submitter, kpi_actuals={999999: ("1", "")})
    with pytest.raises(ExecutionError):
        save(report, submitter, progress="finished")


def test_the_whole_workflow_keeps_every_version(project, submitter, screener):
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    save(report, submitter)
    submit_report(report=report, actor=submitter)
    assert Notification.objects.filter(recipient=screener).count() == 1
    # the agency cannot change a submitted report, nor submit it twice
    with pytest.raises(ExecutionError):
        save(report, submitter)
    with pytest.raises(ExecutionError):
        submit_report(report=report, actor=submitter)
    with pytest.raises(ExecutionError, match="correct"):
        review_report(report=report, actor=screener, accept=False, comment="  ")
    review_report(report=report, actor=screener, accept=False, comment="แนบหลักฐาน")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.review_comment == "แนบหลักฐาน"
    assert Notification.objects.filter(recipient=submitter).count() == 1
    # a returned report cannot be accepted until it is resubmitted
    with pytest.raises(ExecutionError):
        review_report(report=report, actor=screener, accept=True)
    save(report, submitter, amounts=amounts((Decimal("300000.00"), Decimal("0"))))
    submit_report(report=report, actor=submitter)
    review_report(report=report, actor=screener, accept=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.reviewed_by == screener
    versions = list(ReportVersion.objects.filter(report=report).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    changes = diff_snapshots(versions[0].snapshot, versions[1].snapshot)
    assert ("operating.disbursed", "250000.00", "300000.00") in changes
    assert ("operating.committed", "100000.50", "0.00") in changes
    codes = list(
        AuditEvent.objects.filter(code__startswith="report.")
        .order_by("seq")
        .values_list("code", flat=True)
    )
    assert codes == [
        "report.created", "report.saved", "report.submitted", "report.returned",
        "report.saved", "report.resubmitted", "report.accepted",
    ]  # fmt: skip
    # accepted is final
    for actor, call in ((submitter, submit_report), (screener, review_report)):
        with pytest.raises(ExecutionError):
            call(report=report, actor=actor, **({"accept": True} if call is review_report else {}))


def test_only_reviewers_review_and_only_the_agency_submits(project, submitter, other_submitter):
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    with pytest.raises(ExecutionError):
        submit_report(report=report, actor=other_submitter)
    with pytest.raises(ExecutionError):
        save(report, other_submitter)
    submit_report(report=report, actor=submitter)
    for role in (Role.SECRETARY, Role.COMMITTEE, Role.BUDGET_OFFICE):
        with pytest.raises(ExecutionError):
            review_report(report=report, actor=make_user(role), accept=True)
    with pytest.raises(ExecutionError):
        review_report(report=report, actor=submitter, accept=True)
    assert QuarterlyReport.objects.get().status == ReportStatus.SUBMITTED


def test_reminders_before_the_due_date_and_escalation_when_overdue(project, submitter, screener):
    # Q1 of 2569 is due on 15 January 2026: a week before, the agency is reminded.
    counts = send_report_reminders(today=datetime.date(2026, 1, 8))
    assert counts == {"reminders": 1, "overdue": 0}
    assert Notification.objects.filter(recipient=submitter).count() == 1
    assert not Notification.objects.filter(recipient=screener).exists()
    # the day after the due date: the agency and the responsible officer
    counts = send_report_reminders(today=datetime.date(2026, 1, 16))
    assert counts["overdue"] == 1
    assert Notification.objects.filter(recipient=screener).count() == 1
    # not every day: the next notice is a week later
    assert send_report_reminders(today=datetime.date(2026, 1, 17))["overdue"] == 0
    # a submitted report stops the reminders for its quarter
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    submit_report(report=report, actor=submitter)
    assert send_report_reminders(today=datetime.date(2026, 1, 23))["overdue"] == 0
    assert AuditEvent.objects.filter(code="report.reminders_sent").count() == 2


def test_the_command_runs(project, submitter):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("send_report_reminders", "--date", "2026-01-08", stdout=out)
    assert "reminders: 1" in out.getvalue()


def test_projects_of_two_agencies_stay_apart(submitter):
    other = make_agency()
    make_projects(agencies=[submitter.agency, other])
    assert Project.objects.filter(agency=submitter.agency).count() == 1
    assert Project.objects.filter(agency=other).count() == 1


def test_starting_projects_takes_the_same_queries_for_a_big_plan(django_assert_num_queries):
    """Bulk writes: publishing a plan of 10,000 projects must not make 20,000 queries."""
    secretary = make_user(Role.SECRETARY)
    small, _s = make_projects(agencies=[make_agency()], fiscal_year=2567)
    big, _s = make_projects(agencies=[make_agency() for _ in range(3)], per_agency=3)
    Project.objects.all().delete()
    assert secretary.has_role(Role.SECRETARY)  # its roles are read once, before counting
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert len(start_projects(plan_round=small, actor=secretary)) == 1
    with django_assert_num_queries(len(captured)):
        assert len(start_projects(plan_round=big, actor=secretary)) == 9
    assert BaselineLine.objects.filter(project__round=big).count() == 18
