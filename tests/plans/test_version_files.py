"""A published version's XLSX and PDF are made by the task worker after publication (and on the
first download if the worker has not yet), kept, and served as the stored bytes with their
SHA-256 as ETag."""

import hashlib
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from core.models import AuditEvent
from plans import services
from plans.exports.document import plan_document
from plans.exports.pdf import build_plan_pdf
from plans.exports.xlsx import build_plan_xlsx
from plans.models import PlanExport
from plans.services import publish_plan

pytestmark = pytest.mark.django_db

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run_queue():
    """The exports queue, run by django-tasks-db's own worker in this process."""
    worker = Worker(
        queue_names=["exports"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    )  # fmt: skip
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        worker.run()


def publish(plan, secretary, django_capture_on_commit_callbacks):
    """Publish, running what the publication does after its commit (queueing the files)."""
    with django_capture_on_commit_callbacks(execute=True):
        return publish_plan(plan_round=plan.plan_round, actor=secretary)


def url(version, file_format):
    return reverse(f"plans:download_{file_format}", args=[version.round.fiscal_year])


def stored(export):
    with export.file.storage.open(export.file.name, "rb") as handle:
        return handle.read()


@pytest.fixture
def cheap_pdf(monkeypatch):
    """The XLSX is made for real; the PDF by a stand-in (WeasyPrint is the slow tests' part)."""

    def pdf(doc, *, progress=None):
        language = translation.get_language()
        return f"%PDF-stand-in {doc.fiscal_year} v{doc.version} {language}".encode()

    monkeypatch.setitem(services.EXPORT_BUILDERS, "pdf", pdf)


def test_publication_queues_the_files_and_the_worker_makes_them(
    plan, secretary, cheap_pdf, django_capture_on_commit_callbacks
):
    version = publish(plan, secretary, django_capture_on_commit_callbacks)
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.queue_name) == ("plans.tasks.make_version_files", "exports")
    assert not PlanExport.objects.exists()  # nobody waits: the worker makes them

    run_queue()

    exports = {(e.file_format, e.language): e for e in PlanExport.objects.all()}
    assert set(exports) == {("xlsx", "th"), ("xlsx", "en"), ("pdf", "th"), ("pdf", "en")}
    for (file_format, language), export in exports.items():
        content = stored(export)
        assert export.status == PlanExport.State.DONE
        assert export.sha256 == hashlib.sha256(content).hexdigest()
        assert export.size == len(content)
        if file_format == "xlsx":
            with translation.override(language):
                assert content == build_plan_xlsx(plan_document(version))


def test_the_download_serves_the_stored_bytes_with_an_etag(
    client, plan, secretary, budget_officer, cheap_pdf, django_capture_on_commit_callbacks,
    monkeypatch,
):  # fmt: skip
    version = publish(plan, secretary, django_capture_on_commit_callbacks)
    run_queue()
    client.force_login(budget_officer)

    def never(doc, **kwargs):
        raise AssertionError("a stored file is never made again")

    for file_format in ("xlsx", "pdf"):
        monkeypatch.setitem(services.EXPORT_BUILDERS, file_format, never)
        export = PlanExport.objects.get(file_format=file_format, language="th")
        first = client.get(url(version, file_format))
        second = client.get(url(version, file_format))
        assert first.status_code == second.status_code == 200
        assert first.content == second.content == stored(export)
        assert first["Content-Type"] == CONTENT_TYPES[file_format]
        assert first["Content-Disposition"] == f'attachment; filename="plan-2568-v1.{file_format}"'
        assert first["ETag"] == second["ETag"] == f'"{export.sha256}"'
        assert first["X-Content-Type-Options"] == "nosniff"
        english = client.get(url(version, file_format), HTTP_ACCEPT_LANGUAGE="en")
        en_export = PlanExport.objects.get(file_format=file_format, language="en")
        assert english.content == stored(en_export)
        assert english["ETag"] == f'"{en_export.sha256}"' != first["ETag"]
    assert AuditEvent.objects.filter(code="plan.downloaded").count() == 6


def test_a_reader_who_has_the_file_gets_304(
    client, plan, secretary, budget_officer, cheap_pdf, django_capture_on_commit_callbacks
):
    version = publish(plan, secretary, django_capture_on_commit_callbacks)
    run_queue()
    client.force_login(budget_officer)
    etag = client.get(url(version, "xlsx"))["ETag"]
    audited = AuditEvent.objects.filter(code="plan.downloaded").count()
    response = client.get(url(version, "xlsx"), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response["ETag"] == etag
    assert AuditEvent.objects.filter(code="plan.downloaded").count() == audited
    # Another ETag (an older file) gets the file.
    assert client.get(url(version, "xlsx"), HTTP_IF_NONE_MATCH='"0"').status_code == 200


def test_the_first_reader_makes_it_when_the_worker_has_not_yet(
    client, plan, secretary, budget_officer, cheap_pdf, django_capture_on_commit_callbacks,
    monkeypatch,
):  # fmt: skip
    version = publish(plan, secretary, django_capture_on_commit_callbacks)
    builder = services.EXPORT_BUILDERS["xlsx"]
    made = []
    monkeypatch.setitem(
        services.EXPORT_BUILDERS, "xlsx", lambda doc, **kw: made.append(1) or builder(doc, **kw)
    )
    client.force_login(budget_officer)
    first = client.get(url(version, "xlsx"))
    kept = PlanExport.objects.get(file_format="xlsx", language="th")
    assert first.content == stored(kept) and first["ETag"] == f'"{kept.sha256}"'
    assert client.get(url(version, "xlsx")).content == first.content
    assert made == [1]
    # The worker comes later: it leaves the kept file alone and makes the others.
    run_queue()
    assert made == [1, 1]  # the English workbook
    assert PlanExport.objects.filter(file_format="xlsx", language="th").count() == 1
    assert PlanExport.objects.filter(status=PlanExport.State.DONE).count() == 4


def test_a_failed_file_is_recorded_and_the_others_are_still_made(
    plan, secretary, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(doc, *, progress=None):
        raise RuntimeError("no Pango")

    monkeypatch.setitem(services.EXPORT_BUILDERS, "pdf", broken)
    publish(plan, secretary, django_capture_on_commit_callbacks)
    run_queue()
    failed = PlanExport.objects.filter(status=PlanExport.State.FAILED)
    assert {e.file_format for e in failed} == {"pdf"} and failed.count() == 2
    assert "no Pango" in failed.first().error
    assert PlanExport.objects.filter(status=PlanExport.State.DONE, file_format="xlsx").count() == 2
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED


def test_the_version_keeps_its_project_count(plan, secretary):
    version = publish_plan(plan_round=plan.plan_round, actor=secretary)
    version.refresh_from_db()
    assert version.project_count == version.snapshot["totals"]["approved_projects"] == 5


@pytest.mark.slow
def test_the_stored_pdf_is_the_rendered_pdf_and_is_served_as_stored(
    client, plan, secretary, budget_officer, django_capture_on_commit_callbacks, monkeypatch
):
    version = publish(plan, secretary, django_capture_on_commit_callbacks)
    run_queue()
    export = PlanExport.objects.get(file_format="pdf", language="th")
    content = stored(export)
    assert content.startswith(b"%PDF")
    with translation.override("th"):
        assert content == build_plan_pdf(plan_document(version))  # one version, one PDF

    def never(doc, **kwargs):
        raise AssertionError("a stored file is never made again")

    monkeypatch.setitem(services.EXPORT_BUILDERS, "pdf", never)
    client.force_login(budget_officer)
    first, second = client.get(url(version, "pdf")), client.get(url(version, "pdf"))
    assert first.content == second.content == content
    assert first["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'
