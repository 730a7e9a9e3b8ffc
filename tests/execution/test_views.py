"""The execution pages: the agency files a report in the browser's way (forms), DGA reviews it,
the dashboard's totals and the files agree, and the lists keep a constant number of queries."""

import csv
import io
import json
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.models import AuditEvent
from directory.roles import Role
from execution.models import ExecutionSettings, Project, QuarterlyReport, ReportLine
from execution.selectors import get_progress
from execution.services import create_report, review_report, save_report, submit_report
from execution.workflow import ReportStatus
from proposals.models import KPI
from tests.execution.factories import make_projects
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def project(submitter, screener):
    make_projects(agencies=[submitter.agency], screener=screener)
    return Project.objects.get(agency=submitter.agency)


def form_body(project, **overrides):
    kpi = KPI.objects.get(proposal=project.proposal)
    body = {
        "progress": "at_risk",
        "milestones": "จัดซื้อแล้ว",
        "problems": "ผู้รับจ้างส่งมอบล่าช้า",
        "help_requested": "",
        "disbursed_operating": "๑๒๓,๔๕๖.๗๘",  # Thai digits and commas are read exactly
        "committed_operating": "100000",
        "disbursed_investment": "",
        "committed_investment": "0",
        f"kpi_{kpi.pk}": "300",
        f"kpinote_{kpi.pk}": "สถิติการใช้งาน",
    }
    body.update(overrides)
    return body


def test_the_agency_files_dga_returns_and_accepts_the_resubmission(project, submitter, screener):
    agency = client_for(submitter)
    page = agency.get(reverse("execution:project", args=[project.pk]))
    assert page.status_code == 200
    assert b'name="quarter" value="1"' in page.content  # Q1 of 2569 is open to report on
    response = agency.post(
        reverse("execution:report_create", args=[project.pk]), {"fiscal_year": 2569, "quarter": 1}
    )
    report = QuarterlyReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("execution:report_edit", args=[report.pk])
    response = agency.post(reverse("execution:report_edit", args=[report.pk]), form_body(project))
    assert response.status_code == 302
    line = ReportLine.objects.get(report=report, category="operating")
    assert line.disbursed == Decimal("123456.78")
    response = agency.post(
        reverse("execution:report_edit", args=[report.pk]), {**form_body(project), "submit": "1"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    dga = client_for(screener)
    assert report.project.proposal.code in dga.get(reverse("execution:reviews")).content.decode()
    page = dga.get(reverse("execution:report", args=[report.pk]))
    assert b'name="decision"' in page.content
    # returning without a comment is refused with a message; nothing changes
    dga.post(reverse("execution:report_review", args=[report.pk]), {"decision": "return"})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    dga.post(
        reverse("execution:report_review", args=[report.pk]),
        {"decision": "return", "comment": "แนบใบสั่งซื้อ"},
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert (
        "แนบใบสั่งซื้อ"
        in agency.get(reverse("execution:report_edit", args=[report.pk])).content.decode()
    )
    agency.post(
        reverse("execution:report_edit", args=[report.pk]),
        {**form_body(project, committed_operating="200000"), "submit": "1"},
    )
    dga.post(reverse("execution:report_review", args=[report.pk]), {"decision": "accept"})
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    page = agency.get(reverse("execution:report", args=[report.pk])).content.decode()
    assert "operating.committed" in page  # the second version shows what changed


def test_too_much_money_is_refused_with_a_message_and_the_form_keeps_what_was_typed(
    project, submitter
):
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    agency = client_for(submitter)
    body = form_body(project, disbursed_operating="999,999.99", committed_operating="0.02")
    with translation.override("en"):
        response = agency.post(
            reverse("execution:report_edit", args=[report.pk]), body, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "exceed" in page or "เกิน" in page
    assert "999,999.99" in page and "ผู้รับจ้างส่งมอบล่าช้า" in page
    assert ReportLine.objects.get(report=report, category="operating").disbursed == 0


@pytest.mark.parametrize("bad", ["abc", "-5", "1.001", "1e400"])
def test_bad_amounts_are_form_errors(project, submitter, bad):
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    response = client_for(submitter).post(
        reverse("execution:report_edit", args=[report.pk]),
        form_body(project, disbursed_operating=bad),
    )
    assert response.status_code == 200
    assert ReportLine.objects.get(report=report, category="operating").disbursed == 0


def test_another_agency_gets_404_everywhere(project, submitter, other_submitter):
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    other = client_for(other_submitter)
    for url in (
        reverse("execution:project", args=[project.pk]),
        reverse("execution:report", args=[report.pk]),
        reverse("execution:report_edit", args=[report.pk]),
    ):
        assert other.get(url).status_code == 404
        assert other.post(url, form_body(project)).status_code in (404, 405)
    assert (
        other.post(
            reverse("execution:report_create", args=[project.pk]),
            {"fiscal_year": 2569, "quarter": 2},
        ).status_code
        == 404
    )
    assert QuarterlyReport.objects.count() == 1
    assert project.proposal.code not in other.get(reverse("execution:projects")).content.decode()


def test_a_replayed_submit_and_a_review_of_a_draft_are_refused(project, submitter, screener):
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    agency, dga = client_for(submitter), client_for(screener)
    # DGA cannot see, let alone accept, a draft that was never sent
    assert (
        dga.post(
            reverse("execution:report_review", args=[report.pk]), {"decision": "accept"}
        ).status_code
        == 404
    )
    agency.post(
        reverse("execution:report_edit", args=[report.pk]), {**form_body(project), "submit": "1"}
    )
    replay = agency.post(
        reverse("execution:report_edit", args=[report.pk]), {**form_body(project), "submit": "1"}
    )
    assert replay.status_code == 403
    assert QuarterlyReport.objects.get().versions.count() == 1
    # the agency cannot accept its own report
    agency.post(reverse("execution:report_review", args=[report.pk]), {"decision": "accept"})
    assert QuarterlyReport.objects.get().status == ReportStatus.SUBMITTED


def _filed(project, submitter, screener, quarter, disbursed, committed, accept=True):
    year = project.round.fiscal_year
    report = create_report(project=project, fiscal_year=year, quarter=quarter, actor=submitter)
    kpi = KPI.objects.get(proposal=project.proposal)
    save_report(
        report=report, actor=submitter, texts={}, progress="on_track",
        amounts={"operating": (disbursed, committed)}, kpi_actuals={kpi.pk: ("1", "")},
    )  # fmt: skip
    submit_report(report=report, actor=submitter)
    if accept:
        review_report(report=report, actor=screener, accept=True)
    return report


@pytest.fixture
def round_with_reports(screener):
    agencies = [make_agency() for _ in range(3)]
    plan_round, _secretary = make_projects(agencies=agencies, per_agency=2, screener=screener)
    for index, project in enumerate(Project.objects.order_by("pk")):
        submitter = make_user(Role.SUBMITTER, agency=project.agency)
        _filed(project, submitter, screener, 1, Decimal("1000.10") * (index + 1), Decimal("5.05"))
        if index % 2:
            _filed(project, submitter, screener, 2, Decimal("2000.20"), Decimal("0"), accept=False)
        else:  # a draft does not count
            create_report(project=project, fiscal_year=2569, quarter=2, actor=submitter)
    return plan_round


def test_the_progress_totals_are_the_sums_of_the_projects(round_with_reports):
    progress = get_progress(round_with_reports)
    assert progress.totals.projects == 6
    assert progress.totals.approved == Decimal("9000000.00")
    q1, q2 = progress.totals.quarters[0], progress.totals.quarters[1]
    assert q1.disbursed == Decimal("1000.10") * 21 and q1.committed == Decimal("30.30")
    assert q2.disbursed == Decimal("6000.60")  # the three submitted, not the three drafts
    assert sum(r.approved for r in progress.by_ministry) == progress.totals.approved


def test_the_dashboard_csv_and_json_agree(round_with_reports, budget_officer):
    client = client_for(budget_officer)
    year = round_with_reports.fiscal_year
    with translation.override("th"):
        page = client.get(reverse("progress:dashboard", args=[year])).content.decode()
    shown = dict(re.findall(r'data-total="([\w-]+)">([^<]+)<', page))
    document = json.loads(client.get(reverse("progress:json", args=[year])).content)
    content = client.get(reverse("progress:csv", args=[year])).content
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    total_row = rows[-1]
    project_rows = rows[1:-1]
    assert len(project_rows) == len(document["projects"]) == 6
    totals = document["totals"]
    assert Decimal(totals["approved"]) == sum(Decimal(p["approved"]) for p in document["projects"])
    assert Decimal(total_row[3]) == Decimal(totals["approved"])
    for q in totals["quarters"]:
        n = q["quarter"]
        column = 5 + 2 * (n - 1)
        assert Decimal(total_row[column]) == Decimal(q["disbursed"])
        assert Decimal(total_row[column + 1]) == Decimal(q["committed"])
        assert Decimal(q["disbursed"]) == sum(
            Decimal(p["quarters"][n - 1]["disbursed"]) for p in document["projects"]
        )
        assert _baht(shown[f"disbursed-{n}"]) == Decimal(q["disbursed"])
        assert _baht(shown[f"committed-{n}"]) == Decimal(q["committed"])
    assert _baht(shown["approved"]) == Decimal(totals["approved"])
    # each download is in the audit trail, as the plan's are
    downloads = AuditEvent.objects.filter(code="progress.downloaded")
    assert sorted(downloads.values_list("extra__format", flat=True)) == ["csv", "json"]
    assert {e.actor_id for e in downloads} == {budget_officer.pk}
    # the XLSX: the same rows and the same totals, as numbers
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("progress:xlsx", args=[year])).content)
    )
    sheet = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(sheet) == 1 + 6 + 1
    footer = sheet[-1]
    assert Decimal(str(footer[3])) == Decimal(totals["approved"])
    for q in totals["quarters"]:
        column = 5 + 2 * (q["quarter"] - 1)
        assert Decimal(str(footer[column])) == Decimal(q["disbursed"])
        assert Decimal(str(footer[column + 1])) == Decimal(q["committed"])
    by_ministry = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert Decimal(str(by_ministry[-1][2])) == Decimal(totals["approved"])
    # the KPI columns: the totals' are the page's and the sums of the projects'
    assert int(total_row[-1]) == totals["kpis_assessed"] == int(footer[-1]) == 6
    assert int(total_row[-2]) == totals["kpis_met"] == sum(int(r[-2]) for r in project_rows)
    # ministry, agency, stage: each sheet's total row is the sum of its rows and the page's
    for sheet in workbook.worksheets[1:4]:
        cells = list(sheet.iter_rows(values_only=True))
        body, last = cells[1:-1], cells[-1]
        for column in range(2, 11):
            assert Decimal(str(last[column])) == sum(Decimal(str(r[column])) for r in body)
        assert Decimal(str(last[2])) == Decimal(totals["approved"])
        assert Decimal(str(last[3])) == Decimal(totals["quarters"][0]["disbursed"])
        assert Decimal(str(last[4])) == Decimal(totals["quarters"][0]["committed"])
    # expense categories: reported amounts add up to the overall totals
    categories = list(workbook.worksheets[4].iter_rows(values_only=True))
    assert Decimal(str(categories[-1][1])) == Decimal("9000000.00")  # the year's baseline
    assert Decimal(str(categories[-1][2])) == Decimal(totals["quarters"][0]["disbursed"])
    assert Decimal(str(categories[-1][3])) == Decimal(totals["quarters"][0]["committed"])
    assert len(workbook.sheetnames) == 5


def _baht(text):
    return Decimal(text.strip().replace(",", ""))


def _count(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_dashboard_and_lists_use_a_constant_number_of_queries(
    round_with_reports, budget_officer, screener, django_assert_num_queries
):
    """A round of one project and a round of six with reports: the same number of queries."""
    client = client_for(budget_officer)
    small_agency = make_agency()
    small_round, _secretary = make_projects(agencies=[small_agency], fiscal_year=2568)
    small = Project.objects.get(round=small_round)
    _filed(small, make_user(Role.SUBMITTER, agency=small_agency), screener, 1, Decimal("1"),
           Decimal("0"))  # fmt: skip
    for name in ("progress:dashboard", "progress:json", "progress:csv"):
        expected = _count(client, reverse(name, args=[small_round.fiscal_year]))
        with django_assert_num_queries(expected):
            client.get(reverse(name, args=[round_with_reports.fiscal_year]))
    url = reverse("execution:projects")
    expected = _count(client, url)
    make_projects(agencies=[make_agency() for _ in range(3)], fiscal_year=2567)
    with django_assert_num_queries(expected):
        client.get(url)


def test_the_review_list_uses_a_constant_number_of_queries(
    round_with_reports, screener, django_assert_num_queries
):
    client = client_for(screener)
    url = reverse("execution:reviews")
    expected = _count(client, url)
    project = Project.objects.filter(reports__status=ReportStatus.DRAFT).first()
    submitter = make_user(Role.SUBMITTER, agency=project.agency)
    submit_report(report=project.reports.get(quarter=2), actor=submitter)
    code = project.proposal.code
    with django_assert_num_queries(expected):
        assert code in client.get(url).content.decode()


def test_the_overdue_reports_are_listed_for_the_screener(round_with_reports, screener):
    """FY2569 is over: of its 6 × 4 quarters, 6 (Q1) were accepted and 3 (Q2) submitted."""
    page = client_for(screener).get(reverse("execution:reviews"))
    assert len(page.context["overdue"]) == page.context["overdue_count"] == 15
    statuses = [u.status for u in page.context["overdue"]]
    assert statuses.count("draft") == 3 and statuses.count("") == 12


def test_the_project_list_links_to_the_work_of_each_role(
    round_with_reports, screener, budget_officer
):
    year = round_with_reports.fiscal_year
    reviews, dashboard = reverse("execution:reviews"), reverse("progress:dashboard", args=[year])
    page = client_for(screener).get(reverse("execution:projects")).content.decode()
    assert reviews in page and dashboard in page
    page = client_for(budget_officer).get(reverse("execution:projects")).content.decode()
    assert reviews not in page and dashboard in page
    agency = Project.objects.filter(round=round_with_reports).first().agency
    page = client_for(make_user(Role.SUBMITTER, agency=agency)).get(reverse("execution:projects"))
    text = page.content.decode()
    assert reviews not in text and dashboard not in text
    assert len(page.context["page"]) == 2  # its own two projects only


def test_the_dashboard_shows_the_projects_at_risk(round_with_reports, budget_officer):
    """The latest counted report decides a project's status; a draft does not count."""
    project = Project.objects.filter(round=round_with_reports).order_by("pk").first()
    QuarterlyReport.objects.filter(project=project, quarter=1).update(progress="delayed")
    QuarterlyReport.objects.filter(project=project, quarter=2).update(progress="at_risk")
    page = client_for(budget_officer).get(
        reverse("progress:dashboard", args=[round_with_reports.fiscal_year])
    )
    progress = page.context["progress"]
    # project 0 has a draft on Q2: its Q1 report (delayed) is its latest counted one
    assert [row.code for row in progress.needing_attention] == [project.proposal.code]
    assert progress.needing_attention[0].progress == "delayed"
    assert [c for _s, _l, c in progress.status_counts] == [5, 0, 1, 0]
    assert project.proposal.code in page.content.decode()


def test_the_dashboard_and_json_show_the_rounds_disbursement_targets(
    round_with_reports, budget_officer
):
    ExecutionSettings.objects.create(
        round=round_with_reports, target_q1=Decimal("30"), target_q2=Decimal("52.5"),
        targets_note="ตัวเลขสมมติ",
    )  # fmt: skip
    client = client_for(budget_officer)
    year = round_with_reports.fiscal_year
    page = client.get(reverse("progress:dashboard", args=[year]))
    quarters = page.context["progress"].totals.quarters
    assert [q.target for q in quarters] == [Decimal("30"), Decimal("52.5"), None, None]
    # 21,002.10 disbursed of 9,000,000 approved at the end of Q1
    assert quarters[0].percent == Decimal("0.23")
    assert "ตัวเลขสมมติ" in page.content.decode()
    document = json.loads(client.get(reverse("progress:json", args=[year])).content)
    targets = [q["disbursement_target_percent"] for q in document["totals"]["quarters"]]
    assert targets == ["30.00", "52.50", None, None]
    assert document["targets_note"] == "ตัวเลขสมมติ"


def _four_quarters(plan_round):
    """A year of reports on every project of the round, written in bulk: accepted, submitted,
    returned and draft ones (the last two do not count), each with its lines."""
    states = [ReportStatus.ACCEPTED, ReportStatus.ACCEPTED, ReportStatus.SUBMITTED]
    last = [ReportStatus.DRAFT, ReportStatus.RETURNED]
    reports = QuarterlyReport.objects.bulk_create(
        QuarterlyReport(
            project=project, fiscal_year=plan_round.fiscal_year, quarter=quarter,
            status=(states + [last[index % 2]])[quarter - 1],
            progress="at_risk" if index % 3 == 0 else "on_track",
        )
        for index, project in enumerate(Project.objects.filter(round=plan_round))
        for quarter in (1, 2, 3, 4)
    )  # fmt: skip
    ReportLine.objects.bulk_create(
        ReportLine(report=report, category=category, disbursed=Decimal("1000.00") * report.quarter,
                   committed=Decimal("10.00"))
        for report in reports
        for category in ("operating", "investment")
    )  # fmt: skip
    return len(reports)


def test_the_dashboard_and_json_queries_do_not_grow_with_projects_and_quarters(
    budget_officer, django_assert_num_queries
):
    """3 and 30 projects, each reported on all four quarters: the same number of queries, and
    the totals count each quarter of each project once."""
    client = client_for(budget_officer)
    small, _secretary = make_projects(agencies=[make_agency()], per_agency=3, fiscal_year=2566)
    large, _secretary = make_projects(
        agencies=[make_agency() for _ in range(3)], per_agency=10, fiscal_year=2567
    )
    assert (_four_quarters(small), _four_quarters(large)) == (12, 120)
    for name in ("progress:dashboard", "progress:json"):
        expected = _count(client, reverse(name, args=[small.fiscal_year]))
        with django_assert_num_queries(expected):
            response = client.get(reverse(name, args=[large.fiscal_year]))
        assert response.status_code == 200
    document = json.loads(client.get(reverse("progress:json", args=[large.fiscal_year])).content)
    assert len(document["projects"]) == 30
    disbursed = [Decimal(q["disbursed"]) for q in document["totals"]["quarters"]]
    # Q1–Q3 count for all 30 projects (2 lines each); Q4 is draft or returned: it does not
    assert disbursed == [Decimal("60000.00"), Decimal("120000.00"), Decimal("180000.00"), 0]
