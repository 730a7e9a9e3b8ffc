from decimal import Decimal

import pytest

from plans.selectors import build_plan_snapshot, get_plan_summary, snapshot_checksum
from proposals.models import ExpenseCategory

from .factories import (
    APPROVED_AGENCIES,
    APPROVED_PROJECTS,
    APPROVED_TOTAL,
    REQUESTED_TOTAL,
)

pytestmark = pytest.mark.django_db


def test_totals_match_to_the_satang(plan):
    summary = get_plan_summary(plan.plan_round)
    totals = summary.totals
    assert totals.approved == APPROVED_TOTAL
    assert totals.approved_projects == APPROVED_PROJECTS
    assert totals.approved_agencies == APPROVED_AGENCIES
    assert totals.requested == REQUESTED_TOTAL
    assert totals.submitted_projects == 7  # not the draft, not the withdrawn
    assert totals.submitted_agencies == 3
    assert summary.frame_left == Decimal("20000000.00") - APPROVED_TOTAL


def test_every_breakdown_adds_up_to_the_totals(plan):
    summary = get_plan_summary(plan.plan_round)
    for rows in [summary.by_stage, summary.by_benefit, summary.by_ministry, summary.by_agency]:
        assert sum((r.figures.approved for r in rows), Decimal(0)) == APPROVED_TOTAL
        assert sum((r.figures.requested for r in rows), Decimal(0)) == REQUESTED_TOTAL
        assert sum(r.figures.approved_projects for r in rows) == APPROVED_PROJECTS
    assert summary.category_total.approved == APPROVED_TOTAL
    assert summary.lines_agree


def test_breakdown_rows(plan):
    summary = get_plan_summary(plan.plan_round)
    stage = {r.key: r.figures.approved for r in summary.by_stage}
    assert stage == {
        "upstream": Decimal("4567901.22"),
        "midstream": Decimal("2055556.05"),
        "downstream": Decimal("3000000.01"),
    }
    ministries = [(r.key != "", r.figures.approved_projects) for r in summary.by_ministry]
    assert ministries == [(True, 4), (False, 1)]  # the agency outside a ministry comes last
    category = {r.key: r.approved for r in summary.by_category}
    assert [r.key for r in summary.by_category] == [c.value for c in ExpenseCategory]
    assert category["personnel"] == Decimal("600000.25")
    assert category["operating"] == Decimal("2455555.80")
    years = {r.key: r.approved for r in summary.by_fiscal_year}
    assert years == {"2568": APPROVED_TOTAL, "2569": Decimal("500000.00")}


def test_summary_query_count_is_fixed(plan, django_assert_num_queries):
    with django_assert_num_queries(9):
        get_plan_summary(plan.plan_round)


def test_snapshot_is_plain_json_and_stable(plan):
    first = build_plan_snapshot(plan.plan_round)
    second = build_plan_snapshot(plan.plan_round)
    assert snapshot_checksum(first) == snapshot_checksum(second)
    assert first["totals"]["approved"] == "9623457.28"
    assert len(first["projects"]) == APPROVED_PROJECTS
    project = first["projects"][0]
    assert set(project) >= {
        "id", "code", "title_th", "title_en", "agency", "ministry", "stage", "benefit",
        "requested_amount", "approved_amount", "budget_lines",
    }  # fmt: skip
