"""An administrator links and unlinks identities in Django admin; both are audited."""

import pytest
from django.urls import reverse

from core.models import AuditEvent, ExternalIdentity
from directory.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(Role.ADMIN, username="it_admin", is_staff=True, is_superuser=True))
    return client


def test_an_admin_links_an_identity_and_it_is_audited(admin_client, settings):
    settings.OIDC_ISSUER = "https://id.example.go.th"
    settings.OIDC_IDENTITY_CLAIM = "email"
    user = make_user(Role.SUBMITTER, username="somchai")
    add = reverse("admin:core_externalidentity_add")
    form = admin_client.get(add)
    assert form.context["adminform"].form.initial["issuer"] == "https://id.example.go.th"
    assert form.context["adminform"].form.initial["claim"] == "email"
    data = {"user": user.pk, "issuer": "https://id.example.go.th", "claim": "email"}
    response = admin_client.post(add, {**data, "value": " Somchai@Agency.go.th "})
    assert response.status_code == 302
    link = ExternalIdentity.objects.get(user=user)
    assert link.value == "somchai@agency.go.th"
    event = AuditEvent.objects.get(code="auth.sso_identity_linked")
    assert event.actor.username == "it_admin" and event.target_id == str(user.pk)
    # The same identity cannot be linked to a second user.
    other = make_user(Role.SUBMITTER, username="somsri")
    again = admin_client.post(add, {**data, "user": other.pk, "value": "somchai@agency.go.th"})
    assert again.status_code == 200 and ExternalIdentity.objects.count() == 1


def test_an_admin_unlinks_an_identity_and_it_is_audited(admin_client):
    user = make_user(Role.SUBMITTER, username="somchai")
    link = ExternalIdentity.objects.create(user=user, issuer="https://id.example", value="abc")
    delete = reverse("admin:core_externalidentity_delete", args=[link.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not ExternalIdentity.objects.exists()
    event = AuditEvent.objects.get(code="auth.sso_identity_unlinked")
    assert event.extra == {"issuer": "https://id.example", "claim": "sub", "value": "abc"}


def test_a_link_is_never_edited_in_place(admin_client):
    user = make_user(Role.SUBMITTER, username="somchai")
    link = ExternalIdentity.objects.create(user=user, issuer="https://id.example", value="abc")
    change = reverse("admin:core_externalidentity_change", args=[link.pk])
    admin_client.post(change, {"user": user.pk, "issuer": "x", "claim": "sub", "value": "zzz"})
    assert ExternalIdentity.objects.get().value == "abc"


def test_the_sign_in_page_costs_no_query_with_sso_on(client, settings, django_assert_num_queries):
    settings.OIDC_ISSUER = "https://id.example.go.th"
    settings.OIDC_RP_CLIENT_ID = "client"
    settings.OIDC_PROVIDER_NAME = "ThaID"
    with django_assert_num_queries(0):
        page = client.get(reverse("login"))
    assert "ThaID" in page.content.decode()
