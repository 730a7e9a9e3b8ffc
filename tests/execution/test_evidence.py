"""KPI evidence as attached files: checked and stored as the proposals' attachments are, shown on
the report and its review, downloadable only by those who may see the report (another agency
gets 404), and kept in the submitted version."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.models import AuditEvent
from execution.models import KPIEvidence, Project
from execution.selectors import diff_snapshots
from execution.services import (
    ExecutionError,
    add_kpi_evidence,
    create_report,
    remove_kpi_evidence,
    review_report,
    submit_report,
)
from execution.workflow import ReportStatus
from proposals.models import KPI
from tests.execution.factories import make_projects

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield settings.MEDIA_ROOT


@pytest.fixture
def report(submitter, screener):
    make_projects(agencies=[submitter.agency], screener=screener)
    project = Project.objects.get(agency=submitter.agency)
    return create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def kpi_of(report):
    return KPI.objects.get(proposal=report.project.proposal)


def upload(name="ผลสำรวจ.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def edit_body(report, **extra):
    kpi = kpi_of(report)
    body = {
        "progress": "on_track", "milestones": "", "problems": "", "help_requested": "",
        "disbursed_operating": "0", "committed_operating": "0", "disbursed_investment": "0",
        "committed_investment": "0", f"kpi_{kpi.pk}": "250", f"kpinote_{kpi.pk}": "",
    }  # fmt: skip
    body.update(extra)
    return body


def test_the_agency_attaches_evidence_in_the_form_and_dga_downloads_it(report, submitter, screener):
    kpi = kpi_of(report)
    agency = client_for(submitter)
    url = reverse("execution:report_edit", args=[report.pk])
    response = agency.post(url, edit_body(report, **{f"evidence_{kpi.pk}": upload()}))
    assert response.status_code == 302
    evidence = KPIEvidence.objects.get(actual__report=report)
    assert (evidence.original_name, evidence.kind, evidence.size) == (
        "ผลสำรวจ.pdf",
        "pdf",
        len(PDF),
    )
    # stored under a generated name, never the user's
    assert "ผลสำรวจ" not in evidence.file.name and evidence.file.name.startswith("evidence/")
    assert AuditEvent.objects.filter(code="report.evidence_added").count() == 1
    # the form lists it, with a download link
    download = reverse("execution:evidence", args=[report.pk, evidence.pk])
    assert download in agency.get(url).content.decode()
    submit_report(report=report, actor=submitter)
    assert report.versions.get().snapshot["kpis"][0]["evidence"] == ["ผลสำรวจ.pdf"]
    # the screener reviews the report with the evidence on it and downloads it
    dga = client_for(screener)
    page = dga.get(report.get_absolute_url()).content.decode()
    assert download in page and "ผลสำรวจ.pdf" in page and 'name="decision"' in page
    response = dga.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(code="report.evidence_downloaded").count() == 1
    review_report(report=report, actor=screener, accept=True)


def test_another_agency_and_a_mismatched_report_get_404(
    report, submitter, other_submitter, screener
):
    evidence = add_kpi_evidence(
        report=report, kpi_id=kpi_of(report).pk, actor=submitter, upload=upload()
    )
    url = reverse("execution:evidence", args=[report.pk, evidence.pk])
    assert client_for(other_submitter).get(url).status_code == 404
    # a draft is the agency's own: DGA sees neither the report nor its evidence before it is sent
    assert client_for(screener).get(url).status_code == 404
    # the evidence of one report through another report's address
    make_projects(agencies=[other_submitter.agency], screener=screener, fiscal_year=2570)
    theirs = create_report(
        project=Project.objects.get(agency=other_submitter.agency), fiscal_year=2570, quarter=1,
        actor=other_submitter,
    )  # fmt: skip
    crossed = reverse("execution:evidence", args=[theirs.pk, evidence.pk])
    assert client_for(other_submitter).get(crossed).status_code == 404
    response = client_for(submitter).get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)  # read through (closing it by hand ends the DB connection)
    assert not AuditEvent.objects.filter(
        code="report.evidence_downloaded", actor=other_submitter
    ).exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        # the pages speak Thai
        ("evil.pdf", b"MZ\x90\x00 not a pdf", "รับเฉพาะเอกสาร PDF, Excel (XLSX) และ Word (DOCX)"),
        ("empty.pdf", b"", None),  # Django's own "the submitted file is empty"
        ("page.html", b"<html><script>alert(1)</script></html>", "รับเฉพาะเอกสาร PDF"),
    ],
)
def test_a_bad_file_is_refused_with_a_message_and_the_report_is_kept(
    report, submitter, name, content, message
):
    kpi = kpi_of(report)
    response = client_for(submitter).post(
        reverse("execution:report_edit", args=[report.pk]),
        edit_body(report, **{f"evidence_{kpi.pk}": SimpleUploadedFile(name, content)}),
    )
    assert response.status_code == 200
    assert message is None or message in response.content.decode()
    assert 'class="errorlist' in response.content.decode()
    assert not KPIEvidence.objects.exists()
    with pytest.raises(ExecutionError):
        add_kpi_evidence(
            report=report, kpi_id=kpi.pk, actor=submitter, upload=SimpleUploadedFile(name, content)
        )


def test_a_too_large_file_is_refused(report, submitter, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ExecutionError, match="too large|ใหญ่เกินไป"):
        add_kpi_evidence(
            report=report, kpi_id=kpi_of(report).pk, actor=submitter,
            upload=upload(content=PDF + b"x" * 200),
        )  # fmt: skip


def test_evidence_is_changed_only_while_the_agency_may_edit(
    report, submitter, other_submitter, screener, media, django_capture_on_commit_callbacks
):
    kpi = kpi_of(report)
    with pytest.raises(ExecutionError):
        add_kpi_evidence(report=report, kpi_id=kpi.pk, actor=other_submitter, upload=upload())
    with pytest.raises(ExecutionError):
        add_kpi_evidence(report=report, kpi_id=kpi.pk, actor=screener, upload=upload())
    evidence = add_kpi_evidence(report=report, kpi_id=kpi.pk, actor=submitter, upload=upload())
    path = evidence.file.path
    submit_report(report=report, actor=submitter)
    for actor in (submitter, screener):
        with pytest.raises(ExecutionError):
            add_kpi_evidence(report=report, kpi_id=kpi.pk, actor=actor, upload=upload())
        with pytest.raises(ExecutionError):
            remove_kpi_evidence(report=report, evidence_id=evidence.pk, actor=actor)
    # returned: the agency replaces it (the file goes with its row)
    review_report(report=report, actor=screener, accept=False, comment="แนบผลสำรวจฉบับลงนาม")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(submitter).post(
        reverse("execution:report_edit", args=[report.pk]),
        edit_body(
            report, remove_evidence=[str(evidence.pk)],
            **{f"evidence_{kpi.pk}": upload("ฉบับลงนาม.pdf")},
        ),
    )  # fmt: skip
    assert response.status_code == 302
    assert list(KPIEvidence.objects.values_list("original_name", flat=True)) == ["ฉบับลงนาม.pdf"]
    assert not os.path.exists(path)
    submit_report(report=report, actor=submitter)
    first, second = report.versions.order_by("number")
    changes = diff_snapshots(first.snapshot, second.snapshot)
    # "<indicator>: evidence" (in the language active after the request)
    assert [(b, a) for what, b, a in changes if what.startswith(f"{kpi.indicator}: ")] == [
        ("ผลสำรวจ.pdf", "ฉบับลงนาม.pdf")
    ]


def test_a_kpi_of_another_project_is_refused(report, submitter, other_submitter, screener):
    make_projects(agencies=[other_submitter.agency], screener=screener, fiscal_year=2570)
    foreign = KPI.objects.get(proposal__agency=other_submitter.agency)
    with pytest.raises(ExecutionError):
        add_kpi_evidence(report=report, kpi_id=foreign.pk, actor=submitter, upload=upload())
    assert not KPIEvidence.objects.exists()


def test_the_report_page_keeps_a_constant_number_of_queries(
    report, submitter, django_assert_max_num_queries
):
    kpi = kpi_of(report)
    for n in range(3):
        add_kpi_evidence(report=report, kpi_id=kpi.pk, actor=submitter, upload=upload(f"{n}.pdf"))
    client = client_for(submitter)
    url = report.get_absolute_url()
    client.get(url)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
