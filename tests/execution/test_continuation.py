"""The next round sees the last: a continuing proposal names the approved proposal it carries on,
and its screening page shows that project's approved, disbursed and KPI figures (rendered by
execution through the ``last_round`` tag; screening imports nothing of execution)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from execution.models import Project
from execution.selectors import get_continuation
from execution.services import create_report, review_report, save_report, submit_report
from proposals.models import KPI, Proposal
from proposals.services import ProposalContent, ProposalError, create_proposal, save_proposal
from proposals.workflow import Status
from tests.execution.factories import make_projects
from tests.factories import make_proposal, make_round
from tests.proposals.factories import form_payload

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def earlier(submitter, screener):
    """A project under way of FY2568 with Q1 accepted and Q2 submitted, and FY2569 open."""
    make_projects(agencies=[submitter.agency], fiscal_year=2568, screener=screener)
    project = Project.objects.get(agency=submitter.agency)
    kpi = KPI.objects.get(proposal=project.proposal)
    for quarter, disbursed, actual in ((1, "300000.00", "250"), (2, "600000.50", "700")):
        report = create_report(project=project, fiscal_year=2568, quarter=quarter, actor=submitter)
        save_report(
            report=report, actor=submitter, texts={}, progress="on_track",
            amounts={"operating": (Decimal(disbursed), Decimal("100000.00"))},
            kpi_actuals={kpi.pk: (actual, "")},
        )  # fmt: skip
        submit_report(report=report, actor=submitter)
        if quarter == 1:
            review_report(report=report, actor=screener, accept=True)
    # a draft of Q3 does not count
    create_report(project=project, fiscal_year=2568, quarter=3, actor=submitter)
    return project


def _content(continues, project_type="continuing"):
    return ProposalContent(
        fields={"title_th": "ระยะที่ 2", "project_type": project_type, "continues": continues}
    )


def test_a_continuing_proposal_links_to_its_agency_s_approved_proposal(earlier, submitter):
    plan_round = make_round(2569)
    proposal = create_proposal(
        actor=submitter, plan_round=plan_round, content=_content(earlier.proposal)
    )
    assert proposal.continues == earlier.proposal
    # a new project continues nothing, whatever is posted
    saved = save_proposal(
        proposal_id=proposal.pk, actor=submitter, lock_version=proposal.lock_version,
        content=_content(earlier.proposal, project_type="new"),
    )  # fmt: skip
    assert saved.continues is None


def test_another_agency_s_or_an_unapproved_or_a_later_proposal_is_refused(
    earlier, submitter, other_submitter
):
    plan_round = make_round(2569)
    theirs = make_proposal(
        plan_round=earlier.round, agency=other_submitter.agency, status=Status.APPROVED
    )
    rejected = make_proposal(
        plan_round=earlier.round, agency=submitter.agency, status=Status.REJECTED
    )
    same_round = make_proposal(
        plan_round=plan_round, agency=submitter.agency, status=Status.APPROVED
    )
    for wrong in (theirs, rejected, same_round):
        with pytest.raises(ProposalError):
            create_proposal(actor=submitter, plan_round=plan_round, content=_content(wrong))
    assert not Proposal.objects.filter(round=plan_round, title_th="ระยะที่ 2").exists()


def test_the_form_offers_only_the_agency_s_approved_proposals_of_earlier_rounds(
    earlier, submitter, other_submitter
):
    plan_round = make_round(2569)  # open now
    theirs = make_proposal(
        plan_round=earlier.round, agency=other_submitter.agency, status=Status.APPROVED
    )
    agency = client_for(submitter)
    page = agency.get(reverse("proposals:new")).content.decode()
    assert f'value="{earlier.proposal.pk}">{earlier.proposal.code}' in page
    assert theirs.code not in page
    # a forged choice of another agency's proposal is a form error; nothing is created
    body = form_payload(plan_round=plan_round)
    body.update({"general-project_type": "continuing", "general-continues": str(theirs.pk)})
    response = agency.post(reverse("proposals:new"), body)
    assert response.status_code == 200
    assert not Proposal.objects.filter(round=plan_round).exists()
    body["general-continues"] = str(earlier.proposal.pk)
    response = agency.post(reverse("proposals:new"), body)
    assert response.status_code == 302
    assert Proposal.objects.get(round=plan_round).continues == earlier.proposal


def test_continuation_figures_count_only_reports_dga_has(earlier):
    new = make_proposal(
        plan_round=make_round(2569), agency=earlier.agency, project_type="continuing",
        continues=earlier.proposal,
    )  # fmt: skip
    found = get_continuation(new)
    assert found is not None
    assert found.approved == Decimal("1500000.00")
    assert found.latest is not None and found.latest.quarter == 2  # submitted counts, draft not
    assert found.disbursed == Decimal("600000.50")
    assert found.committed == Decimal("100000.00")
    assert found.disbursed_percent == Decimal("40.00")
    assert [(k.indicator, k.target, k.actual) for k in found.kpis] == [("ผู้ใช้บริการ", "1000", "700")]
    assert get_continuation(make_proposal(agency=earlier.agency)) is None


def test_an_approved_proposal_not_yet_under_way_shows_its_approved_amount(submitter):
    approved = make_proposal(
        plan_round=make_round(2568, open_now=False), agency=submitter.agency,
        status=Status.APPROVED, approved=Decimal("750000.25"),
    )  # fmt: skip
    new = make_proposal(plan_round=make_round(2569), agency=submitter.agency, continues=approved)
    found = get_continuation(new)
    assert found is not None and found.project is None
    assert found.approved == Decimal("750000.25") and found.disbursed == 0


def test_the_screening_page_shows_last_year_beside_the_new_request(earlier, screener):
    new = make_proposal(
        plan_round=make_round(2569), agency=earlier.agency, project_type="continuing",
        continues=earlier.proposal, status=Status.SUBMITTED,
    )  # fmt: skip
    page = client_for(screener).get(reverse("screening:detail", args=[new.pk])).content.decode()
    assert 'data-testid="last-round"' in page
    assert earlier.proposal.code in page
    assert "1,500,000.00" in page and "600,000.50" in page and "700" in page
    plain = make_proposal(plan_round=new.round, agency=earlier.agency, status=Status.SUBMITTED)
    page = client_for(screener).get(reverse("screening:detail", args=[plain.pk])).content.decode()
    assert 'data-testid="last-round"' not in page
