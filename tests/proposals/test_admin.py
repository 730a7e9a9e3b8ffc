import pytest

from proposals.models import Benefit, DGStrategy, NationalStrategy, PlanRound, Stage
from tests.factories import make_agency, make_user

from .factories import make_complete_draft


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_lists_and_reference_forms(admin_client, submitter, media_root):
    proposal = make_complete_draft(agency=submitter.agency, actor=submitter)
    for model in [PlanRound, Stage, Benefit, DGStrategy, NationalStrategy]:
        opts = model._meta
        assert admin_client.get(f"/admin/{opts.app_label}/{opts.model_name}/").status_code == 200
        assert (
            admin_client.get(f"/admin/{opts.app_label}/{opts.model_name}/add/").status_code == 200
        )
    assert admin_client.get("/admin/proposals/proposal/").status_code == 200
    page = admin_client.get(f"/admin/proposals/proposal/{proposal.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "จำนวนบริการ" in text and "ขอบเขตงาน (TOR)" in text
    # Proposals change only through the services: no add, no save in the admin.
    assert admin_client.get("/admin/proposals/proposal/add/").status_code == 403
    assert 'name="_save"' not in text


def test_admin_search_and_filters(admin_client):
    make_complete_draft(agency=make_agency())
    response = admin_client.get("/admin/proposals/proposal/?q=โครงการ&status__exact=draft")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
