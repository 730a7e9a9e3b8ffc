"""Who may download which version, and what happens when there is nothing to download."""

import json

import pytest
from django.urls import reverse

from core.models import AuditEvent
from plans.models import PlanExport
from plans.services import publish_plan

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "pdf", "csv", "json"]
# The same, with the PDF case (WeasyPrint renders it) marked slow.
RENDERED = ["xlsx", pytest.param("pdf", marks=pytest.mark.slow), "csv", "json"]


def url(plan_round, file_format):
    return reverse(f"plans:download_{file_format}", args=[plan_round.fiscal_year])


@pytest.mark.parametrize("file_format", RENDERED)
@pytest.mark.parametrize(
    "fixture", ["budget_officer", "screener", "secretary", "member", "admin_user"]
)
def test_plan_readers_download_and_it_is_audited(client, published, file_format, fixture, request):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    response = client.get(url(published.round, file_format))
    assert response.status_code == 200
    assert f'filename="plan-2568-v1.{file_format}"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(code="plan.downloaded")
    assert event.actor_id == user.pk
    assert event.target_id == str(published.pk)
    assert event.extra == {"fiscal_year": 2568, "version": 1, "format": file_format}


@pytest.mark.parametrize("file_format", FORMATS)
def test_submitters_get_403(client, published, submitter, file_format):
    client.force_login(submitter)
    assert client.get(url(published.round, file_format)).status_code == 403
    assert not AuditEvent.objects.filter(code="plan.downloaded").exists()


@pytest.mark.parametrize("file_format", FORMATS)
def test_anonymous_is_sent_to_login(client, published, file_format):
    response = client.get(url(published.round, file_format))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("file_format", FORMATS)
def test_nothing_published_is_a_clear_404(client, plan, budget_officer, file_format):
    client.force_login(budget_officer)
    response = client.get(url(plan.plan_round, file_format))
    assert response.status_code == 404
    assert plan.plan_round.name_th in response.content.decode()
    assert not AuditEvent.objects.filter(code="plan.downloaded").exists()


def test_version_parameter(client, plan, published, secretary, budget_officer):
    project = plan.approved[0]
    project.title_th = "เปลี่ยนชื่อ"
    project.save(update_fields=["title_th"])
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    client.force_login(budget_officer)
    json_url = url(plan.plan_round, "json")
    assert json.loads(client.get(json_url).content)["version"] == 2
    assert json.loads(client.get(json_url, {"version": 1}).content)["version"] == 1
    response = client.get(json_url, {"version": 1})
    assert 'filename="plan-2568-v1.json"' in response["Content-Disposition"]
    for bad in ["3", "0", "abc", "-1", ""]:
        assert client.get(json_url, {"version": bad}).status_code == 404, bad


def test_unknown_round_is_404(client, budget_officer):
    client.force_login(budget_officer)
    assert client.get(reverse("plans:download_pdf", args=[2400])).status_code == 404


@pytest.mark.parametrize("file_format", ["xlsx", pytest.param("pdf", marks=pytest.mark.slow)])
def test_a_small_plans_file_is_made_once_then_kept(
    client, published, budget_officer, file_format, monkeypatch
):
    from plans import services

    builder = services.EXPORT_BUILDERS[file_format]
    made = []
    monkeypatch.setitem(
        services.EXPORT_BUILDERS, file_format, lambda doc: made.append(1) or builder(doc)
    )
    client.force_login(budget_officer)
    link = url(published.round, file_format)
    first, second = client.get(link).content, client.get(link).content
    assert made == [1] and first == second
    # In English it is another file, made once too.
    english = client.get(link, HTTP_ACCEPT_LANGUAGE="en").content
    assert made == [1, 1] and english != first
    # Every download is audited; a kept file gone from storage is made again.
    assert AuditEvent.objects.filter(code="plan.downloaded").count() == 3
    for export in PlanExport.objects.all():
        export.file.storage.delete(export.file.name)
    assert client.get(link).content == first and made == [1, 1, 1]


def test_a_file_that_cannot_be_kept_is_still_downloaded(
    client, published, budget_officer, monkeypatch, caplog
):
    from django.core.files.storage import FileSystemStorage

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    client.force_login(budget_officer)
    response = client.get(url(published.round, "xlsx"))
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert not PlanExport.objects.exists()
    assert "Could not keep plan file" in caplog.text
