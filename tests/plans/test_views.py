import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import PlanVersion
from plans.services import publish_plan
from proposals.workflow import Status
from tests.factories import make_agency, make_proposal

from .factories import add_approved_projects

pytestmark = pytest.mark.django_db


def figure(html, name):
    match = re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def detail_url(plan):
    return reverse("plans:detail", args=[plan.plan_round.fiscal_year])


def test_page_shows_the_headline_figures(client, budget_officer, plan):
    client.force_login(budget_officer)
    response = client.get(detail_url(plan))
    assert response.status_code == 200
    html = response.content.decode()
    assert figure(html, "approved") == "9.6235"
    assert figure(html, "approved-projects") == "5"
    assert figure(html, "approved-agencies") == "3"
    assert figure(html, "submitted-projects") == "7"
    assert figure(html, "submitted-agencies") == "3"
    assert figure(html, "requested") == "20.7902"
    assert "9,623,457.28" in html  # the approved projects' total, in baht
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 4
    for project in plan.approved:
        assert project.title_th in html
    for project in plan.others:
        assert project.title_th not in html


def test_page_filters_the_projects(client, budget_officer, plan):
    client.force_login(budget_officer)
    html = client.get(detail_url(plan), {"stage": "upstream"}).content.decode()
    assert "โครงการอนุมัติ 1<" in html and "โครงการอนุมัติ 4<" in html
    assert "โครงการอนุมัติ 3<" not in html
    assert "4,567,901.22" in html  # the filtered subtotal
    html = client.get(detail_url(plan), {"q": "อนุมัติ 2"}).content.decode()
    assert "โครงการอนุมัติ 2<" in html and "โครงการอนุมัติ 5<" not in html
    html = client.get(detail_url(plan), {"agency": plan.agencies[2].code}).content.decode()
    assert "โครงการอนุมัติ 4<" in html and "โครงการอนุมัติ 1<" not in html
    html = client.get(detail_url(plan), {"agency": plan.agencies[2].name_th}).content.decode()
    assert "โครงการอนุมัติ 4<" in html and "โครงการอนุมัติ 1<" not in html
    html = client.get(detail_url(plan), {"agency": "ไม่มีหน่วยงานนี้"}).content.decode()
    assert "ไม่พบหน่วยงานเดียวที่ชื่อ “ไม่มีหน่วยงานนี้”" in html
    # an unknown choice is a form error, never a server error
    response = client.get(detail_url(plan), {"stage": "nowhere", "ministry": "x"})
    assert response.status_code == 200


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"stage": "upstream"}).status_code == 200
    return len(captured)


def test_page_query_count_does_not_grow_with_the_data(
    client, budget_officer, plan, secretary, django_assert_num_queries
):
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    client.force_login(budget_officer)
    url = detail_url(plan)
    small = _count_queries(client, url)
    agency = make_agency()
    add_approved_projects(plan.plan_round, agency, 30)
    for _ in range(5):
        make_proposal(plan_round=plan.plan_round, agency=make_agency(), status=Status.REJECTED)
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    assert _count_queries(client, url) == small
    with django_assert_num_queries(small):
        client.get(url, {"stage": "upstream"})


@pytest.mark.parametrize("fixture", ["budget_officer", "screener", "secretary", "member"])
def test_readers_see_the_page(client, plan, fixture, request):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(detail_url(plan)).status_code == 200
    assert client.get(reverse("plans:index")).status_code == 200


def test_submitters_do_not(client, plan, submitter):
    client.force_login(submitter)
    assert client.get(detail_url(plan)).status_code == 403
    assert client.get(reverse("plans:index")).status_code == 403


def test_anonymous_goes_to_login(client, plan):
    response = client.get(detail_url(plan))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_unknown_year_is_404(client, budget_officer):
    client.force_login(budget_officer)
    assert client.get(reverse("plans:detail", args=[2400])).status_code == 404


def test_secretary_publishes_from_the_page(client, secretary, plan):
    client.force_login(secretary)
    page = client.get(detail_url(plan)).content.decode()
    assert reverse("plans:publish", args=[plan.plan_round.fiscal_year]) in page
    url = reverse("plans:publish", args=[plan.plan_round.fiscal_year])
    response = client.post(url, {"note": "เสนอสำนักงบประมาณ"}, follow=True)
    assert response.status_code == 200
    version = PlanVersion.objects.get()
    assert version.note == "เสนอสำนักงบประมาณ"
    # publishing again without a change is refused with a message, not an error page
    response = client.post(url, {"note": ""}, follow=True)
    assert response.status_code == 200
    assert PlanVersion.objects.count() == 1
    assert list(response.context["messages"])


@pytest.mark.parametrize("fixture", ["budget_officer", "screener", "member", "submitter"])
def test_others_cannot_publish(client, plan, fixture, request):
    client.force_login(request.getfixturevalue(fixture))
    response = client.post(reverse("plans:publish", args=[plan.plan_round.fiscal_year]))
    assert response.status_code == 403
    assert not PlanVersion.objects.exists()
    if fixture == "budget_officer":
        page = client.get(detail_url(plan)).content.decode()
        assert reverse("plans:publish", args=[plan.plan_round.fiscal_year]) not in page


def test_compare_lists_added_removed_and_changed(client, budget_officer, secretary, plan):
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    changed, removed = plan.approved[1], plan.approved[4]
    changed.approved_amount = Decimal("1000000.00")
    changed.save(update_fields=["approved_amount"])
    removed.status = Status.REJECTED
    removed.save(update_fields=["status"])
    added = make_proposal(
        plan_round=plan.plan_round, status=Status.APPROVED, requested=Decimal("42.00"),
        title_th="โครงการใหม่ที่เพิ่มเข้ามา",
    )  # fmt: skip
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    client.force_login(budget_officer)
    url = reverse("plans:compare", args=[plan.plan_round.fiscal_year])
    response = client.get(url, {"a": 1, "b": 2})
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert [p["id"] for p in comparison.added] == [added.pk]
    assert [p["id"] for p in comparison.removed] == [removed.pk]
    assert [c.project["id"] for c in comparison.changed] == [changed.pk]
    expected = Decimal("42.00") - Decimal("500000.50") - Decimal("555555.55")
    assert comparison.approved_difference == expected
    html = response.content.decode()
    assert "โครงการใหม่ที่เพิ่มเข้ามา" in html
    # the versions may be given in either order; the same version twice is a form error
    assert client.get(url, {"a": 2, "b": 1}).context["comparison"].older.number == 1
    assert client.get(url, {"a": 1, "b": 1}).context["comparison"] is None
    assert client.get(url, {"a": "x", "b": 9}).status_code == 200
    assert client.get(url).context["comparison"].newer.number == 2


def test_compare_needs_two_versions(client, budget_officer, published):
    client.force_login(budget_officer)
    response = client.get(reverse("plans:compare", args=[published.round.fiscal_year]))
    assert response.status_code == 200
    assert response.context["comparison"] is None


def test_submitter_cannot_compare(client, submitter, published):
    client.force_login(submitter)
    url = reverse("plans:compare", args=[published.round.fiscal_year])
    assert client.get(url).status_code == 403


def test_many_agencies_have_a_page_of_their_own(client, budget_officer, plan, monkeypatch):
    from plans import views

    client.force_login(budget_officer)
    agencies_url = reverse("plans:agencies", args=[plan.plan_round.fiscal_year])
    html = client.get(detail_url(plan)).content.decode()
    assert agencies_url not in html and plan.agencies[0].name_th in html  # a few: inline
    monkeypatch.setattr(views, "AGENCY_ROWS_ON_PLAN_PAGE", 1)
    response = client.get(detail_url(plan))
    assert response.context["summary"].by_agency is None
    assert agencies_url in response.content.decode()
    page = client.get(agencies_url)
    assert page.status_code == 200
    rows, totals = page.context["rows"], page.context["totals"]
    assert len(rows) == totals.submitted_agencies >= 2
    assert sum(r.figures.approved for r in rows) == totals.approved
    assert sum(r.figures.requested for r in rows) == totals.requested
    for row in rows:
        assert row.label in page.content.decode()
