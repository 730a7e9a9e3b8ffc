"""/plans/<BE year>/: headline figures from the database, in a fixed number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.selectors import get_plan_summary
from proposals.workflow import Status
from tests.factories import make_agency, make_proposal, make_reference_data, make_round

pytestmark = pytest.mark.django_db


def _round_with(n_agencies):
    stages, benefits = make_reference_data()
    plan_round = make_round(2568, open_now=False, budget_frame=Decimal("10000000.00"))
    agencies = [make_agency() for _ in range(n_agencies)]
    for i, agency in enumerate(agencies):
        make_proposal(
            plan_round=plan_round,
            agency=agency,
            status=Status.APPROVED,
            requested=Decimal("1000.50"),
            stage=stages[i % 3],
            benefit=benefits[0],
        )
        make_proposal(
            plan_round=plan_round,
            agency=agency,
            status=Status.REJECTED,
            requested=Decimal("99.99"),
            stage=stages[1],
            benefit=benefits[1],
        )
    # Neither drafts nor withdrawn proposals count as submitted.
    make_proposal(plan_round=plan_round, agency=agencies[0], status=Status.DRAFT)
    make_proposal(plan_round=plan_round, agency=agencies[0], status=Status.WITHDRAWN)
    return plan_round  # fmt: skip


def test_summary_counts_and_sums():
    plan_round = _round_with(3)
    summary = get_plan_summary(plan_round)
    totals = summary.totals
    assert (totals.submitted_projects, totals.submitted_agencies) == (6, 3)
    assert totals.requested == Decimal("3301.47")
    assert (totals.approved_projects, totals.approved_agencies) == (3, 3)
    assert totals.approved == Decimal("3001.50")
    assert summary.frame_left == Decimal("9996998.50")
    for rows in (summary.by_stage, summary.by_benefit):
        assert sum(r.figures.requested for r in rows) == totals.requested
        assert sum(r.figures.approved for r in rows) == totals.approved
        assert sum(r.figures.submitted_projects for r in rows) == totals.submitted_projects
    assert [r.key for r in summary.by_stage] == ["upstream", "midstream", "downstream"]


def _queries_for_plan_page(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/plans/2568/")
    assert response.status_code == 200
    return len(captured)


def test_plan_page_runs_a_fixed_number_of_queries(client, budget_officer):
    """The count does not grow with the data (the page's own tests pin the exact number)."""
    plan_round = _round_with(2)
    small = _queries_for_plan_page(client, budget_officer)
    stages, benefits = make_reference_data()
    for _ in range(10):
        make_proposal(
            plan_round=plan_round,
            agency=make_agency(),
            status=Status.APPROVED_REDUCED,
            requested=Decimal("10.00"),
            approved=Decimal("5.00"),
            stage=stages[2],
        )
    assert _queries_for_plan_page(client, budget_officer) == small  # fmt: skip


def test_plan_page_shows_the_figures(client, budget_officer):
    _round_with(3)
    client.force_login(budget_officer)
    html = client.get("/plans/2568/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert 'data-figure="submitted-projects">6<' in html
    assert 'data-figure="approved-agencies">3<' in html
    assert "0.0033" in html  # 3,301.47 baht in million baht


def test_unknown_year_is_404(client, budget_officer):
    client.force_login(budget_officer)
    assert client.get("/plans/2400/").status_code == 404


def test_submitter_may_not_open_the_plan(client, submitter):
    client.force_login(submitter)
    assert client.get("/plans/").status_code == 403
