"""/plans/<BE year>/datapackage.zip: the published plan as a Fiscal Data Package, validated with
the ``frictionless`` package, its totals those of the plan page, the same bytes for ever."""

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from frictionless import Package

from core.models import AuditEvent
from plans.datapackage import DEFAULT_MAINTAINER_EMAIL
from plans.services import publish_plan
from tests.factories import make_agency
from tests.plans.factories import (
    APPROVED_TOTAL,
    REQUESTED_TOTAL,
    add_approved_projects,
    make_plan,
    set_lines,
)

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://127.0.0.1/x","คลิก")\n+1, "quoted", ไทย\t@sum'


def url(plan_round, **query):
    path = reverse("plans:datapackage", args=[plan_round.fiscal_year])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def download(client, plan_round, **query):
    response = client.get(url(plan_round, **query))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    return response


def unpack(content, target):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        archive.extractall(target)
        return archive.infolist()


def rows(target, name):
    with open(target / "data" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def total(budget_rows, phase, fiscal_year):
    return sum(
        (
            Decimal(row["amount"])
            for row in budget_rows
            if row["phase"] == phase and int(row["fiscal_year"]) == fiscal_year
        ),
        Decimal("0.00"),
    )


def validate(target):
    report = Package(str(target / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.stats["errors"] == 0
    return report


@pytest.fixture
def reader(client, budget_officer):
    client.force_login(budget_officer)
    return client


def test_the_fy2568_package_validates_and_totals_the_plan_page(client, settings, tmp_path):
    """The acceptance figures of the news item, from the demo's published FY2568 plan."""
    from budgetscreen.demo import load_demo
    from directory.models import User

    settings.DEMO_DATA = True
    load_demo(now=datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC))
    client.force_login(User.objects.get(username="budget"))
    page = client.get(reverse("plans:detail", args=[2568]))
    summary = page.context["summary"]
    response = client.get(reverse("plans:datapackage", args=[2568]))
    assert response.status_code == 200
    unpack(response.content, tmp_path)
    report = validate(tmp_path)
    assert len(report.tasks) == 8
    budget = rows(tmp_path, "budget")
    assert total(budget, "approved", 2568) == summary.totals.approved == Decimal("7964000000.00")
    assert total(budget, "requested", 2568) == summary.totals.requested
    assert summary.totals.requested == Decimal("8369658900.00")
    projects = rows(tmp_path, "projects")
    assert len(projects) == 140
    assert sum(p["in_plan"] == "true" for p in projects) == 110
    assert len({p["agency_code"] for p in projects if p["in_plan"] == "true"}) == 75
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["fiscalYear"] == 2568
    assert descriptor["fiscalPeriod"] == {"start": "2024-10-01", "end": "2025-09-30"}
    assert descriptor["totals"]["approved"] == "7964000000.00"


def test_descriptor_carries_fdp_and_catalogue_metadata(reader, published, tmp_path):
    content = download(reader, published.round).content
    unpack(content, tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["planVersion"] == 1
    assert descriptor["planChecksum"] == f"sha256:{published.checksum}"
    assert descriptor["version"] == "1.0.0"
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["countryCode"] == "TH"
    names = [resource["name"] for resource in descriptor["resources"]]
    assert names == [
        "budget", "projects", "ministries", "agencies", "expense_categories", "stages",
        "benefits", "phases",
    ]  # fmt: skip
    budget = descriptor["resources"][0]["schema"]
    column_types = {f["name"]: f.get("columnType") for f in budget["fields"]}
    assert column_types["amount"] == "value"
    assert column_types["agency_code"] == "administrative-classification:generic:level2:code"
    assert column_types["ministry_code"] == "administrative-classification:generic:level1:code"
    assert column_types["expense_category"] == ("economic-classification:generic:level1:code")
    assert column_types["phase"] == "phase:id"
    assert column_types["fiscal_year"] == "date:fiscal-year"
    assert budget["primaryKey"] == ["project_code", "fiscal_year", "expense_category", "phase"]
    assert {fk["reference"]["resource"] for fk in budget["foreignKeys"]} == {
        "projects", "ministries", "agencies", "expense_categories", "phases",
    }  # fmt: skip
    ckan = descriptor["ckan"]
    for key in (
        "title",
        "notes",
        "maintainer",
        "maintainer_email",
        "update_frequency_unit",
        "geo_coverage",
        "license_id",
        "data_category",
        "data_language",
        "tag_string",
        "objective",
        "data_source",
        "first_year_of_data",
        "last_year_of_data",
    ):
        assert ckan[key], key  # fmt: skip
    assert ckan["maintainer_email"] == DEFAULT_MAINTAINER_EMAIL
    assert ckan["last_year_of_data"] == "2569"  # project 1 runs into FY2569


def test_small_plan_validates_and_adds_up(reader, plan, secretary, tmp_path):
    reduced = plan.approved[1]
    reduced.recommended_amount = Decimal("1750000.00")
    reduced.save(update_fields=["recommended_amount"])
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    unpack(download(reader, plan.plan_round).content, tmp_path)
    validate(tmp_path)
    budget = rows(tmp_path, "budget")
    assert total(budget, "approved", 2568) == APPROVED_TOTAL
    # Every submitted proposal's request, not only the plan's: rejected and pending ones too.
    assert total(budget, "requested", 2568) == REQUESTED_TOTAL
    assert total(budget, "approved", 2569) == Decimal("500000.00")
    codes = {row["project_code"] for row in budget}
    assert plan.others[2].code not in codes  # a draft was never submitted
    assert plan.others[3].code not in codes  # withdrawn
    assert {row["phase"] for row in budget} == {"requested", "recommended", "approved"}
    recommended = [row for row in budget if row["phase"] == "recommended"]
    assert [(r["project_code"], r["fiscal_year"], r["expense_category"], r["amount"])
            for r in recommended] == [(reduced.code, "2568", "", "1750000.00")]  # fmt: skip
    categories = rows(tmp_path, "expense_categories")
    assert [c["code"] for c in categories] == [
        "personnel", "operating", "investment", "subsidy", "other",
    ]  # fmt: skip
    assert categories[0]["name_th"] == "งบบุคลากร"
    agencies = {a["code"]: a for a in rows(tmp_path, "agencies")}
    assert agencies[plan.agencies[2].code]["ministry_code"] == ""


def test_hostile_text_survives_exactly(client, budget_officer, secretary, tmp_path):
    plan = make_plan(titles={1: HOSTILE})
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    client.force_login(budget_officer)
    unpack(download(client, plan.plan_round).content, tmp_path)
    validate(tmp_path)
    titles = {p["code"]: p["title_th"] for p in rows(tmp_path, "projects")}
    assert titles[plan.approved[0].code] == HOSTILE
    raw = (tmp_path / "data" / "projects.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without a BOM
    assert "ไทย".encode() in raw


def test_same_version_same_bytes_and_etag(reader, published):
    first = download(reader, published.round)
    second = download(reader, published.round, version=1)
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    infos = zipfile.ZipFile(io.BytesIO(first.content)).infolist()
    moment = published.published_at.astimezone(datetime.UTC)
    # ZIP keeps times to two seconds.
    assert {info.date_time for info in infos} == {
        (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second // 2 * 2)
    }
    assert [info.filename for info in infos][0] == "datapackage.json"
    not_modified = reader.get(url(published.round), HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert AuditEvent.objects.filter(code="plan.downloaded").count() == 2


def test_an_older_version_keeps_its_package(reader, plan, published, secretary, tmp_path):
    before = download(reader, published.round).content
    set_lines(plan.approved[2], [(2568, "subsidy", "3000000.01", "2000000.00")])
    plan.approved[2].approved_amount = Decimal("2000000.00")
    plan.approved[2].save(update_fields=["approved_amount"])
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    assert download(reader, published.round, version=1).content == before
    latest = download(reader, published.round)
    assert latest.content != before
    unpack(latest.content, tmp_path)
    validate(tmp_path)
    assert total(rows(tmp_path, "budget"), "approved", 2568) == APPROVED_TOTAL - Decimal(
        "1000000.01"
    )


def test_a_tampered_file_fails_validation(reader, published, tmp_path):
    unpack(download(reader, published.round).content, tmp_path)
    budget = tmp_path / "data" / "budget.csv"
    budget.write_bytes(budget.read_bytes().replace(b",approved,", b",approved,9", 1))
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert not report.valid
    assert {"hash-count", "byte-count"} & {row[0] for row in report.flatten(["type"])}


@pytest.mark.parametrize(
    "fixture", ["budget_officer", "screener", "secretary", "member", "admin_user"]
)
def test_plan_readers_download_and_it_is_audited(client, published, fixture, request):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    response = download(client, published.round)
    assert 'filename="plan-2568-v1-datapackage.zip"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(code="plan.downloaded")
    assert event.actor_id == user.pk
    assert event.extra == {"fiscal_year": 2568, "version": 1, "format": "datapackage"}


def test_submitters_get_403_and_anonymous_the_login(client, published, submitter):
    response = client.get(url(published.round))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(submitter)
    assert client.get(url(published.round)).status_code == 403
    assert not AuditEvent.objects.filter(code="plan.downloaded").exists()


def test_unpublished_or_unknown_is_404(reader, plan, secretary):
    response = reader.get(url(plan.plan_round))
    assert response.status_code == 404
    assert plan.plan_round.name_th in response.content.decode()
    assert reader.get(reverse("plans:datapackage", args=[2999])).status_code == 404
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    assert reader.get(url(plan.plan_round, version=2)).status_code == 404
    assert reader.get(url(plan.plan_round, version="x")).status_code == 404
    assert not AuditEvent.objects.filter(code="plan.downloaded").exists()


def test_query_count_does_not_grow_with_the_plan(
    reader, plan, published, secretary, django_assert_num_queries
):
    # The package is made from the version's snapshot alone, whatever the plan's size.
    with CaptureQueriesContext(connection) as small:
        download(reader, published.round)
    add_approved_projects(plan.plan_round, make_agency(), 30)
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    with django_assert_num_queries(len(small.captured_queries)):
        download(reader, published.round)
    assert len(small.captured_queries) <= 12
