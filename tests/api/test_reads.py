"""Reads: the API shows exactly what the pages show to the same user, by the same selectors and
FilterSet; cursor pages, ETags, money as decimal strings, constant query counts."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from directory.roles import Role
from plans.services import publish_plan
from proposals.models import Proposal
from proposals.workflow import Status
from tests.api.factories import api_client
from tests.factories import make_agency, make_proposal, make_reference_data, make_round, make_user
from tests.plans.factories import make_plan

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/proposals/"


@pytest.fixture
def world(submitter, other_submitter):
    """Two agencies, each with a draft, a withdrawn-unsent draft and sent proposals."""
    plan_round = make_round()
    stages, _benefits = make_reference_data()
    for user in (submitter, other_submitter):
        make_proposal(plan_round=plan_round, agency=user.agency, status=Status.DRAFT)
        make_proposal(
            plan_round=plan_round, agency=user.agency, status=Status.WITHDRAWN, submitted_at=None
        )
        make_proposal(plan_round=plan_round, agency=user.agency, status=Status.SUBMITTED)
        make_proposal(
            plan_round=plan_round, agency=user.agency, status=Status.RETURNED, stage=stages[1]
        )
    return plan_round


def all_pages(client, url):
    """Every row of a cursor-paginated list, following ``next``."""
    rows, seen_pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows.extend(body["results"])
        url = body["next"]
        seen_pages += 1
        assert seen_pages < 50
    return rows


@pytest.mark.parametrize("role", ["submitter", "other", "screener", "member", "budget", "admin"])
def test_the_api_shows_what_the_pages_show(world, submitter, other_submitter, role):
    user = {
        "submitter": submitter,
        "other": other_submitter,
        "screener": make_user(Role.SCREENER),
        "member": make_user(Role.COMMITTEE),
        "budget": make_user(Role.BUDGET_OFFICE),
        "admin": make_user(Role.ADMIN),
    }[role]
    page = Client()
    page.force_login(user)
    api = api_client(user)
    listed = {row["id"] for row in all_pages(api, PROPOSALS + "?page_size=2")}
    for proposal in Proposal.objects.all():
        on_page = page.get(f"/proposals/{proposal.pk}/").status_code
        through_api = api.get(f"{PROPOSALS}{proposal.pk}/").status_code
        assert on_page in (200, 404)
        assert through_api == on_page, (role, proposal.status, proposal.agency_id)
        assert (proposal.pk in listed) == (on_page == 200)


def test_the_filters_are_the_inboxs(world, screener):
    """The same query string gives the same proposals as the inbox's CSV download."""
    page = Client()
    page.force_login(screener)
    api = api_client(screener)
    for query in ["status=submitted", "stage=midstream", "min_amount=1000000", "q=ทดสอบ", ""]:
        download = page.get(f"/screening/export.csv?round=all&{query}")
        assert download.status_code == 200
        text = b"".join(download.streaming_content) if download.streaming else download.content
        rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
        codes = _codes()
        in_csv = {cell for row in rows for cell in row if cell in codes}
        through_api = {row["code"] for row in all_pages(api, f"{PROPOSALS}?{query}")}
        assert through_api == in_csv, query
        assert through_api


def _codes():
    return set(Proposal.objects.values_list("code", flat=True))


def test_unreadable_filters_are_named(world, screener):
    response = api_client(screener).get(PROPOSALS + "?min_amount=lots&status=nonsense")
    assert response.status_code == 400
    assert {"min_amount", "status"} <= set(response.json())


def test_money_is_a_decimal_string(world, submitter):
    row = api_client(submitter).get(PROPOSALS).json()["results"][0]
    assert row["requested_amount"] == "1000000.00"
    assert row["budget_lines"][0]["amount"] == "1000000.00"


def test_etag_and_if_none_match(world, screener):
    api = api_client(screener)
    first = api.get(PROPOSALS)
    etag = first["ETag"]
    assert etag.startswith('"')
    again = api.get(PROPOSALS, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    Proposal.objects.filter(status=Status.SUBMITTED).update(title_th="เปลี่ยนชื่อ")
    changed = api.get(PROPOSALS, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_api_answers_are_kept_out_of_shared_caches(world, screener):
    response = api_client(screener).get(PROPOSALS)
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def _audit_queries():
    # record_event takes PostgreSQL's advisory lock of the chain first.
    return 1 if connection.vendor == "postgresql" else 0


# The token with its user; a savepoint around last_used and the audit event (head, insert);
# then the view's own: the user's roles, the rows, their budget lines.
@pytest.mark.parametrize("count", [3, 12])
def test_the_proposal_list_takes_a_constant_number_of_queries(
    django_assert_num_queries, screener, count
):
    plan_round = make_round()
    for _ in range(count):
        make_proposal(plan_round=plan_round, agency=make_agency())
    api = api_client(screener)
    with django_assert_num_queries(10 + _audit_queries()):
        response = api.get(PROPOSALS + "?status=submitted&round=" + str(plan_round.fiscal_year))
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [2, 9])
def test_the_agency_list_takes_a_constant_number_of_queries(
    django_assert_num_queries, screener, count
):
    for _ in range(count):
        make_agency()
    api = api_client(screener)
    with django_assert_num_queries(7 + _audit_queries()):
        response = api.get("/api/v1/agencies/")
    assert len(response.json()["results"]) == count


def test_the_plan_version_list_takes_a_constant_number_of_queries(
    django_assert_num_queries, budget_officer, secretary
):
    plan = make_plan(2568)
    publish_plan(plan_round=plan.plan_round, actor=secretary, note="v1")
    Proposal.objects.filter(pk=plan.approved[0].pk).update(title_th="ชื่อใหม่")
    publish_plan(plan_round=plan.plan_round, actor=secretary, note="v2")
    api = api_client(budget_officer)
    with django_assert_num_queries(8 + _audit_queries()):
        response = api.get("/api/v1/plans/")
    assert [v["number"] for v in response.json()["results"]] == [1, 2]


def test_plans_are_for_the_plan_readers(secretary, submitter, budget_officer):
    plan = make_plan(2568)
    publish_plan(plan_round=plan.plan_round, actor=secretary, note="v1")
    for url in ["/api/v1/plans/", "/api/v1/plans/2568/", "/api/v1/plans/2568/progress/"]:
        assert api_client(submitter).get(url).status_code == 403
        assert api_client(budget_officer).get(url).status_code == 200
    assert api_client(budget_officer).get("/api/v1/plans/2599/").status_code == 404
    assert api_client(budget_officer).get("/api/v1/plans/2568/?version=9").status_code == 404
    assert api_client(budget_officer).get("/api/v1/plans/2568/?version=x").status_code == 404


def test_a_round_without_a_published_plan_has_no_progress(budget_officer):
    make_round(2590)
    response = api_client(budget_officer).get("/api/v1/plans/2590/progress/")
    assert response.status_code == 404


def test_rounds_reference_and_agencies(screener):
    make_round(2571)
    make_reference_data()
    api = api_client(screener)
    rounds = api.get("/api/v1/rounds/").json()
    assert rounds[0]["fiscal_year"] == 2571 and rounds[0]["is_open"] is True
    assert api.get("/api/v1/rounds/2571/").json()["budget_frame"] == "1000000000.00"
    assert api.get("/api/v1/rounds/2500/").status_code == 404
    reference = api.get("/api/v1/reference/").json()
    assert [c["code"] for c in reference["expense_categories"]] == [
        "personnel", "operating", "investment", "subsidy", "other",
    ]  # fmt: skip
    assert reference["stages"][0]["code"]
    english = api_client(screener, language="en").get("/api/v1/reference/").json()
    assert english["expense_categories"][0]["label"] == "Personnel"
    assert reference["expense_categories"][0]["label"] == "งบบุคลากร"


@pytest.fixture
def fy2568_demo(settings):
    from budgetscreen.demo import load_demo
    from tests.fixtures_data.test_demo_data import NOW

    settings.DEMO_DATA = True
    load_demo(now=NOW)


@pytest.mark.slow
def test_the_fy2568_plan_totals_7964_million_through_the_api(fy2568_demo):
    from directory.models import User

    budget = User.objects.get(username="budget")
    api = api_client(budget)
    plan = api.get("/api/v1/plans/2568/").json()
    assert plan["totals"]["approved"] == "7964000000.00"
    assert plan["totals"]["approved_projects"] == 110
    assert plan["totals"]["approved_agencies"] == 75
    assert plan["totals"]["requested"] == "8369658900.00"
    assert plan["totals"]["submitted_projects"] == 140
    approved = sum(Decimal(p["approved_amount"]) for p in plan["projects"])
    assert approved == Decimal("7964000000.00")
    listed = [v for v in api.get("/api/v1/plans/").json()["results"] if v["fiscal_year"] == 2568]
    assert listed and listed[0]["totals"]["approved"] == "7964000000.00"
    page = Client()
    page.force_login(budget)
    assert page.get("/plans/2568/plan.json").json()["totals"]["approved"] == "7964000000.00"
