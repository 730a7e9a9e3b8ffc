"""API tokens, attacked: revoked, expired, unknown, tampered, replayed, read-only writing."""

import datetime
import hashlib
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, TokenScope
from api.services import ApiTokenError, create_api_token, revoke_api_token
from core.models import AuditEvent
from directory.roles import Role
from tests.api.factories import api_client
from tests.factories import make_round, make_user

pytestmark = pytest.mark.django_db

ROUNDS = "/api/v1/rounds/"


def test_only_the_hash_is_stored_and_the_token_is_shown_once(screener):
    issued = create_api_token(actor=None, user=screener, scope=TokenScope.READ)
    row = ApiToken.objects.get()
    assert issued.secret.startswith(f"{row.prefix}.")
    assert row.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    secret_part = issued.secret.split(".", 1)[1]
    for value in ApiToken.objects.values_list(flat=False).get():
        assert secret_part not in str(value)
    event = AuditEvent.objects.get(code="api.token_created")
    assert secret_part not in str(event.extra)
    assert event.extra["prefix"] == row.prefix


def test_a_token_reads_and_every_use_is_audited(screener):
    client = api_client(screener)
    make_round()
    response = client.get(ROUNDS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    used = AuditEvent.objects.filter(code="api.token_used")
    assert used.count() == 1
    assert used.get().actor == screener
    assert used.get().extra["path"] == ROUNDS
    client.get(ROUNDS)
    assert used.count() == 2
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer nonsense",
        "Bearer abcd.efgh",
        "Bearer a b",
        "Token whatever",
        "Bearer ก.ข",
    ],
)
def test_no_usable_token_gets_401_json(screener, header):
    create_api_token(actor=None, user=screener, scope=TokenScope.READ)
    client = api_client()
    headers = {"Authorization": header} if header else {}
    response = client.get(ROUNDS, headers=headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert not AuditEvent.objects.filter(code="api.token_used").exists()


def test_a_tampered_secret_with_a_real_prefix_is_refused(screener):
    secret = create_api_token(actor=None, user=screener, scope=TokenScope.READ).secret
    prefix, rest = secret.split(".", 1)
    tampered = f"{prefix}.{rest[:-1]}{'A' if rest[-1] != 'A' else 'B'}"
    assert api_client(token=tampered).get(ROUNDS).status_code == 401
    assert api_client(token=prefix).get(ROUNDS).status_code == 401


def test_a_revoked_token_is_refused_and_its_replay_audited(screener, secretary):
    client = api_client(screener)
    assert client.get(ROUNDS).status_code == 200
    token = ApiToken.objects.get()
    revoke_api_token(token_id=token.pk, actor=secretary)
    response = client.get(ROUNDS)
    assert response.status_code == 401
    assert response.json()["detail"]
    refused = AuditEvent.objects.get(code="api.token_refused")
    assert refused.target_id == str(token.pk)
    assert AuditEvent.objects.filter(code="api.token_revoked", actor=secretary).count() == 1
    # Revoking again changes nothing, and the token stays refused.
    revoke_api_token(token_id=token.pk, actor=secretary)
    assert AuditEvent.objects.filter(code="api.token_revoked").count() == 1
    assert client.get(ROUNDS).status_code == 401


def test_an_expired_token_is_refused(screener):
    client = api_client(screener)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(ROUNDS).status_code == 401
    assert AuditEvent.objects.filter(code="api.token_refused").count() == 1


def test_a_token_of_a_deactivated_user_is_refused(screener):
    client = api_client(screener)
    screener.is_active = False
    screener.save(update_fields=["is_active"])
    assert client.get(ROUNDS).status_code == 401


def test_expiry_in_days(screener):
    issued = create_api_token(actor=None, user=screener, scope="read", expires_in_days=30)
    left = issued.token.expires_at - timezone.now()
    assert datetime.timedelta(days=29) < left <= datetime.timedelta(days=30)
    with pytest.raises(ApiTokenError):
        create_api_token(actor=None, user=screener, scope="read", expires_in_days=0)
    with pytest.raises(ApiTokenError):
        create_api_token(actor=None, user=screener, scope="admin")


def test_a_read_token_may_not_write(submitter):
    plan_round = make_round()
    client = api_client(submitter, TokenScope.READ)
    response = client.post(
        "/api/v1/proposals/",
        {"round": plan_round.fiscal_year, "title_th": "โครงการ"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "write" in response.json()["detail"]
    assert not submitter.agency.proposals.exists()


def test_a_session_is_no_way_into_the_data(client, screener):
    """The API's data answer tokens only: a signed-in browser session gets 401 (and so no
    cross-site request can use it)."""
    client.force_login(screener)
    assert client.get(ROUNDS).status_code == 401


def test_the_token_is_throttled(screener, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "3/minute"},
    }
    client = api_client(screener)
    other = api_client(make_user(Role.SCREENER))
    assert [client.get(ROUNDS).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert other.get(ROUNDS).status_code == 200  # counted per token


def test_create_api_token_command_prints_the_token_once(screener):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token", screener.username, "--scope", "write", "--expires", "7",
        stdout=out, stderr=err,
    )  # fmt: skip
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.scope == "write" and token.expires_at is not None
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in err.getvalue()
    assert api_client(token=secret).get(ROUNDS).status_code == 200


def test_admin_shows_the_token_once_and_revokes(client, screener):
    admin = make_user(Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:api_apitoken_add"),
        {"user": screener.pk, "name": "ระบบของกรม", "scope": "read", "expires_in_days": "90"},
    )
    assert response.status_code == 200, response.content[:500]
    token = ApiToken.objects.get()
    page = response.content.decode()
    secret = page.split('<code id="api-token">')[1].split("</code>")[0]
    assert secret.startswith(token.prefix + ".")
    assert token.created_by == admin and token.user == screener
    # Never again: neither the list nor the token's own page shows it.
    listing = client.get(reverse("admin:api_apitoken_changelist")).content.decode()
    detail = client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert secret not in listing and secret not in detail
    assert token.prefix in listing
    assert api_client(token=secret).get(ROUNDS).status_code == 200
    client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin
    assert api_client(token=secret).get(ROUNDS).status_code == 401


def test_the_command_refuses_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", "--scope", "read")
