"""The read-only page of an approved project, for every reader of the plan (the budget office and
the committee included, who may not open an agency's proposal page)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def project_url(plan, project):
    return reverse("plans:project", args=[plan.plan_round.fiscal_year, project.code])


def test_the_budget_office_opens_an_approved_project_from_the_plan_page(
    client, budget_officer, plan
):
    client.force_login(budget_officer)
    plan_page = client.get(reverse("plans:detail", args=[plan.plan_round.fiscal_year]))
    project = plan.approved[0]
    assert project_url(plan, project) in plan_page.content.decode()
    assert project.get_absolute_url() not in plan_page.content.decode()

    response = client.get(project_url(plan, project))
    assert response.status_code == 200
    html = response.content.decode()
    assert project.title_th in html and project.code in html
    assert project.agency.name_th in html
    # What the readers of the plan may not open is not linked: the agency's files and versions.
    assert (
        "/attachments/" not in html and reverse("proposals:compare", args=[project.pk]) not in html
    )


def test_only_approved_projects_of_that_round_open(client, budget_officer, plan):
    client.force_login(budget_officer)
    for other in plan.others:
        assert client.get(project_url(plan, other)).status_code == 404
    wrong_year = reverse(
        "plans:project", args=[plan.plan_round.fiscal_year + 1, plan.approved[0].code]
    )
    assert client.get(wrong_year).status_code == 404


def test_the_project_page_reads_a_fixed_number_of_queries(
    client, budget_officer, plan, django_assert_num_queries
):
    client.force_login(budget_officer)
    client.get(project_url(plan, plan.approved[0]))  # warm the session
    with django_assert_num_queries(7):
        client.get(project_url(plan, plan.approved[1]))
