"""The plan page's summary kept per round (``plans.models.RoundSummary``): made at publication
and when a meeting's resolutions take effect, dropped by any other change of the round's
proposals, equal to the figures grouped from the live rows, read in one query."""

import re
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from committee import services as committee_services
from committee.models import Outcome
from plans import services
from plans.models import RoundSummary
from plans.selectors import (
    agency_rows_json,
    approved_requested,
    get_kept_plan_summary,
    get_plan_summary,
    summary_json,
)
from plans.services import plan_summary_for_page, publish_plan
from proposals.models import BudgetLine, PlanRound
from proposals.workflow import Status
from tests.committee.factories import add_item, make_setup, mark_present
from tests.factories import make_agency, make_proposal, make_round

from .factories import add_approved_projects

pytestmark = pytest.mark.django_db


def grouped(plan_round):
    """The figures grouped from the live rows, as the kept summary holds them."""
    summary = get_plan_summary(plan_round)
    return (
        summary_json(summary, approved_requested=approved_requested(plan_round)),
        agency_rows_json(summary),
    )


def kept(plan_round):
    row = RoundSummary.objects.filter(round=plan_round, state=RoundSummary.State.FRESH).first()
    return None if row is None else (row.figures, row.agencies)


def page_url(plan_round):
    return reverse("plans:detail", args=[plan_round.fiscal_year])


def test_publication_keeps_the_summary_in_its_transaction(plan, secretary):
    assert kept(plan.plan_round) is None
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    assert kept(plan.plan_round) == grouped(plan.plan_round)
    figures = kept(plan.plan_round)[0]
    assert figures["totals"]["approved_projects"] == 5
    assert figures["totals"]["approved"] == "9623457.28"
    assert figures["approved_requested"] == "10790123.45"


def test_a_failed_publication_keeps_nothing(plan, secretary):
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    RoundSummary.objects.all().delete()
    with pytest.raises(services.PlanError):
        publish_plan(plan_round=plan.plan_round, actor=secretary)  # nothing changed
    assert not RoundSummary.objects.exists()


def test_a_save_drops_it_and_the_next_view_makes_it_again(client, budget_officer, plan, secretary):
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    project = plan.approved[0]
    project.approved_amount = Decimal("1000000.00")
    project.save(update_fields=["approved_amount"])
    assert not RoundSummary.objects.exists()
    client.force_login(budget_officer)
    html = client.get(page_url(plan.plan_round)).content.decode()
    assert 'data-figure="approved">9.3889 <' in html  # 9,388,889.39 baht
    assert kept(plan.plan_round) == grouped(plan.plan_round)


def test_a_budget_line_save_drops_it(plan, secretary):
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    line = BudgetLine.objects.filter(proposal=plan.approved[0]).first()
    line.approved_amount = Decimal("1.00")
    line.save(update_fields=["approved_amount"])
    assert not RoundSummary.objects.exists()


def test_another_rounds_save_leaves_it(plan, secretary):
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    make_proposal(plan_round=make_round(2570), agency=make_agency())
    assert kept(plan.plan_round) == grouped(plan.plan_round)


def test_resolutions_taking_effect_keep_it_in_the_closing_transaction(secretary):
    setup = make_setup()
    plan_round = setup.meeting.round
    mark_present(setup, setup.voters)
    approved = add_item(setup, requested=Decimal("2500000.00"))
    refused = add_item(setup, requested=Decimal("700000.00"))
    committee_services.record_resolution(
        item=approved, actor=setup.secretary, outcome=Outcome.APPROVED
    )
    committee_services.record_resolution(
        item=refused, actor=setup.secretary, outcome=Outcome.REJECTED
    )
    committee_services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    assert not RoundSummary.objects.filter(round=plan_round).exists()
    committee_services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    figures, _agencies = kept(plan_round)
    assert (figures, _agencies) == grouped(plan_round)
    assert figures["totals"]["approved_projects"] == 1
    assert figures["totals"]["approved"] == "2500000.00"


def test_a_failed_closing_keeps_nothing(monkeypatch):
    """The summary is made inside the closing transaction: an error after it undoes both."""
    setup = make_setup()
    mark_present(setup, setup.voters)
    item = add_item(setup)
    committee_services.record_resolution(item=item, actor=setup.secretary, outcome=Outcome.APPROVED)
    committee_services.open_meeting(meeting=setup.meeting, actor=setup.secretary)
    with (
        mock.patch.object(
            committee_services, "record_event", side_effect=RuntimeError("audit down")
        ),
        pytest.raises(RuntimeError),
    ):
        committee_services.close_meeting(meeting=setup.meeting, actor=setup.secretary)
    assert not RoundSummary.objects.exists()


def test_a_save_while_a_view_groups_the_figures_is_never_kept_as_fresh(plan):
    """The view marks the row ``refreshing``; a save in the meantime deletes it, so the view's
    figures (which may miss the save) are shown once but not kept."""
    real = services.get_plan_summary

    def grouped_while_an_agency_saves(plan_round, **kwargs):
        summary = real(plan_round, **kwargs)
        make_proposal(plan_round=plan_round, agency=make_agency(), status=Status.SUBMITTED)
        return summary

    with mock.patch.object(services, "get_plan_summary", grouped_while_an_agency_saves):
        page = plan_summary_for_page(plan.plan_round)
    assert page.summary.totals.submitted_projects == 7
    assert not RoundSummary.objects.exists()
    again = plan_summary_for_page(plan.plan_round)
    assert again.summary.totals.submitted_projects == 8
    assert kept(plan.plan_round) == grouped(plan.plan_round)


def test_the_kept_summary_reads_as_the_grouped_one_in_both_languages(plan, secretary):
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    for language in ("th", "en"):
        with translation.override(language):
            live = get_plan_summary(plan.plan_round)
            stored = get_kept_plan_summary(plan.plan_round)
        assert stored is not None
        assert stored.summary == live  # every row, label, description and figure


def test_many_agencies_are_left_out_as_get_plan_summary_does(plan, secretary):
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    assert get_kept_plan_summary(plan.plan_round, agency_rows_up_to=2).summary.by_agency is None
    assert len(get_kept_plan_summary(plan.plan_round, agency_rows_up_to=3).summary.by_agency) == 3


def _page_queries(client, plan_round):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page_url(plan_round)).status_code == 200
    return captured


def test_the_page_reads_the_kept_summary_in_one_query_at_any_size(
    client, budget_officer, plan, secretary, django_assert_num_queries
):
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    client.force_login(budget_officer)
    small = _page_queries(client, plan.plan_round)
    summary_reads = [q for q in small if "plans_roundsummary" in q["sql"]]
    assert len(summary_reads) == 1
    assert not any("GROUP BY" in q["sql"] for q in small)  # nothing grouped per request
    add_approved_projects(plan.plan_round, make_agency(), 40)
    for _ in range(5):
        make_proposal(plan_round=plan.plan_round, agency=make_agency(), status=Status.REJECTED)
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    with django_assert_num_queries(len(small)):
        html = client.get(page_url(plan.plan_round)).content.decode()
    assert 'data-figure="approved-projects">45<' in html


def test_a_view_that_makes_the_summary_costs_the_same_at_any_size(client, budget_officer, plan):
    client.force_login(budget_officer)
    first = len(_page_queries(client, plan.plan_round))
    add_approved_projects(plan.plan_round, make_agency(), 40)  # drops it
    assert len(_page_queries(client, plan.plan_round)) == first
    assert kept(plan.plan_round) == grouped(plan.plan_round)


@pytest.mark.slow
def test_the_demo_fy2568_plan_page_from_the_kept_summary(client, budget_officer, settings):
    """The real round: 110 approved projects of 75 agencies, 7,964 million baht."""
    import datetime
    import zoneinfo

    from budgetscreen.demo import load_demo

    settings.DEMO_DATA = True
    load_demo(now=datetime.datetime(2026, 11, 30, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Bangkok")))
    plan_round = PlanRound.objects.get(fiscal_year=2568)
    client.force_login(budget_officer)
    html = client.get(page_url(plan_round)).content.decode()
    assert kept(plan_round) == grouped(plan_round)
    totals = kept(plan_round)[0]["totals"]
    assert (totals["approved_projects"], totals["approved_agencies"]) == (110, 75)
    assert totals["approved"] == "7964000000.00"
    assert 'data-figure="approved-projects">110<' in html
    assert 'data-figure="approved-agencies">75<' in html
    assert 'data-figure="approved">7,964.0000 <' in html


def test_the_unfiltered_list_pages_in_plan_order_by_the_kept_ids(
    client, budget_officer, plan, secretary, monkeypatch
):
    """Each page reads its rows by id from the kept plan order; the pages together are the
    plan's order, as the filtered (sorted) list gives it."""
    from plans import views
    from plans.selectors import list_plan_projects

    monkeypatch.setattr(views, "PROJECTS_PER_PAGE", 2)
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    client.force_login(budget_officer)
    shown = []
    for number in (1, 2, 3):
        html = client.get(page_url(plan.plan_round), {"page": number}).content.decode()
        shown += re.findall(r"โครงการอนุมัติ \d", html.split('id="projects"')[1])
    expected = [p.title_th for p in list_plan_projects(plan.plan_round)]
    assert shown == expected and len(shown) == 5
    sorted_html = client.get(page_url(plan.plan_round), {"q": "อนุมัติ"}).content.decode()
    assert re.findall(r"โครงการอนุมัติ \d", sorted_html.split('id="projects"')[1]) == expected[:2]
