# ruff: noqa: F811 (the shared fixture round_with_reports is imported from test_views)
"""The dashboard's breakdowns (ministry, agency, stage, expense category), KPI achievement, the
cumulative chart of plan against actual, and progress.pdf, whose totals are the page's."""

import json
import re
import subprocess
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.formatting import format_baht
from core.models import AuditEvent
from directory.roles import Role
from execution.charts import cumulative_chart_svg
from execution.models import ExecutionSettings, KPIActual, Project
from execution.selectors import get_progress, kpi_met
from proposals.models import Proposal, Stage
from tests.execution.test_views import _filed, round_with_reports  # noqa: F401 (a fixture)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("target", "actual", "met"),
    [
        ("1000", "1200", True),
        ("1,000", "๑,๐๐๐", True),  # commas and Thai digits read as numbers
        ("1000", "999.5", False),
        ("ร้อยละ 80", "85%", True),
        ("ไม่เกิน 3 วัน", "2 วัน", True),  # at most: lower is better
        ("≤ 3 days", "4 days", False),
        ("เปิดใช้งาน", "เปิดใช้งาน", True),  # text targets: the same words
        ("เปิดใช้งาน", "ยังไม่เปิด", False),
        ("1000", "", None),  # no actual: not assessed
        ("เปิดใช้งานครบ", "120", None),  # a number against words: cannot judge
    ],
)
def test_a_kpi_meets_its_target(target, actual, met):
    assert kpi_met(target, actual) is met


def _stage_the_projects(plan_round):
    """Two projects in the second stage, the others in the first (as the factory made them)."""
    second = Stage.objects.order_by("order")[1]
    codes = list(
        Project.objects.filter(round=plan_round)
        .order_by("proposal__code")
        .values_list("proposal_id", flat=True)[:2]
    )
    Proposal.objects.filter(pk__in=codes).update(stage=second)


def test_every_breakdown_total_is_the_sum_of_its_rows(round_with_reports):
    _stage_the_projects(round_with_reports)
    progress = get_progress(round_with_reports)
    totals = progress.totals
    assert len(progress.by_agency) == 3 and len(progress.by_stage) == 2
    for rows in (progress.by_ministry, progress.by_agency, progress.by_stage):
        assert sum(r.approved for r in rows) == totals.approved
        assert sum(r.projects for r in rows) == totals.projects == 6
        assert sum(r.kpis_assessed for r in rows) == totals.kpis_assessed
        for index, total in enumerate(totals.quarters):
            assert sum(r.quarters[index].disbursed for r in rows) == total.disbursed
            assert sum(r.quarters[index].committed for r in rows) == total.committed
    assert sorted(r.projects for r in progress.by_stage) == [2, 4]
    # expense categories: the year's baseline (1,000,000 operating + 500,000 investment each)
    categories = {r.code: r for r in progress.by_category}
    assert set(categories) == {"operating", "investment"}
    assert categories["operating"].approved == Decimal("6000000.00")
    assert categories["investment"].approved == Decimal("3000000.00")
    assert progress.category_totals.approved == sum(r.approved for r in progress.by_category)
    for index, total in enumerate(totals.quarters):
        # every reported baht is in one category: the categories add up to the overall total
        assert progress.category_totals.quarters[index].disbursed == total.disbursed
        assert progress.category_totals.quarters[index].committed == total.committed
    assert categories["operating"].quarters[0].disbursed == Decimal("1000.10") * 21
    assert categories["investment"].quarters[0].disbursed == 0


def test_kpi_achievement_per_project_and_overall(round_with_reports):
    """The latest counted report's KPIs: 1 of 1000 misses; 1,200 meets; a draft never counts."""
    projects = list(Project.objects.filter(round=round_with_reports).order_by("proposal__code"))
    counted = KPIActual.objects.filter(report__status__in=["submitted", "accepted"])
    # the first two projects' latest counted report meets its target
    for project in projects[:2]:
        latest = counted.filter(report__project=project).order_by("-report__quarter").first()
        KPIActual.objects.filter(pk=latest.pk).update(actual="1,200")
    # a draft that would meet it does not count
    KPIActual.objects.filter(report__status="draft").update(actual="5000")
    progress = get_progress(round_with_reports)
    rows = {row.code: row for row in progress.projects}
    first = rows[projects[0].proposal.code]
    assert (first.kpis_met, first.kpis_assessed, first.kpi_percent) == (1, 1, Decimal("100.00"))
    assert first.kpis[0].actual == "1,200" and first.kpis[0].target == "1000"
    last = rows[projects[-1].proposal.code]
    assert (last.kpis_met, last.kpis_assessed, last.kpi_percent) == (0, 1, Decimal("0.00"))
    assert (progress.totals.kpis_met, progress.totals.kpis_assessed) == (2, 6)
    assert progress.totals.kpi_percent == Decimal("33.33")
    assert progress.kpi_all_met == 2
    assert [row.code for row in progress.kpi_shortfalls] == [p.proposal.code for p in projects[2:]]


def test_the_chart_draws_the_plan_against_what_was_disbursed(round_with_reports):
    ExecutionSettings.objects.create(
        round=round_with_reports, target_q1=Decimal("30"), target_q2=Decimal("52.5"),
        target_q3=Decimal("75"), target_q4=Decimal("100"),
    )  # fmt: skip
    progress = get_progress(round_with_reports)
    plan = progress.plan_against_actual
    assert [p for _q, p, _a in plan] == [
        Decimal("2700000"), Decimal("4725000"), Decimal("6750000"), Decimal("9000000"),
    ]  # fmt: skip
    # Q1 and Q2 are reported; Q3 and Q4 have no point yet (not a fall to zero)
    assert [a for _q, _p, a in plan] == [Decimal("21002.10"), Decimal("6000.60"), None, None]
    svg = str(cumulative_chart_svg(progress))
    assert svg.startswith("<svg") and svg.count("<polyline") == 2
    assert svg.count("<circle") == 4 + 2
    assert "style=" not in svg and "<script" not in svg


def test_without_targets_the_chart_has_only_the_actual_line(round_with_reports):
    progress = get_progress(round_with_reports)
    assert not progress.has_targets
    svg = str(cumulative_chart_svg(progress))
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 2


def test_the_page_shows_the_breakdowns_and_their_totals(
    round_with_reports,
    budget_officer,
):
    _stage_the_projects(round_with_reports)
    year = round_with_reports.fiscal_year
    client = client_for(budget_officer)
    with translation.override("th"):
        page = client.get(reverse("progress:dashboard", args=[year]))
    text = page.content.decode()
    assert 'data-breakdown="agency"' in text and 'data-breakdown="category"' in text
    assert "<svg" in text and "style=" not in text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert reverse("progress:pdf", args=[year]) in text
    # every project misses its KPI (1 of 1000): all six are listed below target
    start = text.index('data-kpi="shortfalls"')
    shortfalls = text[start : text.index("</table>", start)]
    codes = Project.objects.filter(round=round_with_reports).values_list(
        "proposal__code", flat=True
    )
    assert len(codes) == 6 and all(f"<td>{code}</td>" in shortfalls for code in codes)
    sums = dict(re.findall(r'data-sum="([\w-]+)">([^<]+)<', text))
    document = json.loads(client.get(reverse("progress:json", args=[year])).content)
    for key, rows in (
        ("ministry", document["by_ministry"]), ("agency", document["by_agency"]),
        ("stage", document["by_stage"]), ("category", document["by_category"]),
    ):  # fmt: skip
        assert _baht(sums[f"{key}-approved"]) == sum(Decimal(r["approved"]) for r in rows)
        for n in (1, 2, 3, 4):
            for amount in ("disbursed", "committed"):
                shown = _baht(sums[f"{key}-{amount}-{n}"])
                assert shown == sum(Decimal(r["quarters"][n - 1][amount]) for r in rows)
                assert shown == Decimal(document["totals"]["quarters"][n - 1][amount])
    assert Decimal(document["category_totals"]["approved"]) == Decimal("9000000.00")
    assert document["totals"]["kpis_assessed"] == 6
    assert document["projects"][0]["kpis"][0]["target"] == "1000"
    assert document["projects"][0]["kpis"][0]["met"] is False


def _baht(text):
    return Decimal(text.strip().replace(",", ""))


@pytest.mark.slow
def test_the_pdf_report_prints_the_pages_totals_in_thai(
    round_with_reports,
    budget_officer,
):
    year = round_with_reports.fiscal_year
    client = client_for(budget_officer)
    with translation.override("th"):
        response = client.get(reverse("progress:pdf", args=[year]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="progress-{year}.pdf"' in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "ความก้าวหน้า" in text  # the Thai title, drawn in Sarabun
    progress = get_progress(round_with_reports)
    for figure in progress.totals.quarters:
        assert format_baht(figure.disbursed) in text
    assert format_baht(progress.totals.approved) in text
    fonts = subprocess.run(["pdffonts", "-"], input=content, capture_output=True).stdout
    assert b"Sarabun" in fonts
    event = AuditEvent.objects.get(code="progress.downloaded")
    assert event.extra["format"] == "pdf" and event.actor_id == budget_officer.pk


def test_the_pdf_is_refused_to_an_agency(round_with_reports, submitter):
    response = client_for(submitter).get(
        reverse("progress:pdf", args=[round_with_reports.fiscal_year])
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(code="progress.downloaded").exists()


def test_a_quarter_reported_at_zero_is_a_point_at_zero(round_with_reports, screener):
    """Nothing disbursed yet is a fact to draw; a quarter nobody has reported on is not."""
    project = Project.objects.filter(round=round_with_reports).order_by("pk").first()
    submitter = make_user(Role.SUBMITTER, agency=project.agency)
    _filed(project, submitter, screener, 3, Decimal("0"), Decimal("0"), accept=False)
    plan = get_progress(round_with_reports).plan_against_actual
    assert [a for _q, _p, a in plan][2:] == [Decimal("0"), None]
