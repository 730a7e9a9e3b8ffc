"""Large plans' XLSX and PDF are made by a task worker: queue, progress, kept file, reuse,
failures, permissions, and worker processes that are recycled.

The tests keep the database task backend of the settings: a request only queues the task, and
the queue is then run by django-tasks-db's own worker (in process here, as `make worker`'s
recycled subprocesses in the last test).
"""

import datetime
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from core.models import AuditEvent
from directory.roles import Role
from plans import services
from plans.exports import xlsx as xlsx_module
from plans.exports.document import plan_document
from plans.exports.pdf import build_plan_pdf
from plans.exports.xlsx import build_plan_xlsx
from plans.models import PlanExport
from plans.services import publish_plan, request_plan_export
from tests.factories import make_user

from .factories import make_plan

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@pytest.fixture(autouse=True)
def small_sync_limit(settings, tmp_path):
    """Five approved projects count as a large plan; files go to a throwaway media folder."""
    settings.PLAN_EXPORT_SYNC_LIMIT = 3
    settings.MEDIA_ROOT = tmp_path / "media"


def run_worker(*, batch=True, max_tasks=None):
    """Run the exports queue with the worker that `manage.py db_worker` runs, in this process.

    The worker closes connections that are inside a transaction, as each test's is; the
    connection must stay open for the test, so that check is left out here.
    """
    worker = Worker(
        queue_names=["exports"],
        interval=0,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        worker.run()


def run_queue():
    run_worker()


def download_url(version, file_format):
    return (
        reverse(f"plans:download_{file_format}", args=[version.round.fiscal_year])
        + f"?version={version.number}"
    )


def export_urls(export):
    args = [export.version.round.fiscal_year, export.pk]
    return {
        "status": reverse("plans:export_status", args=args),
        "progress": reverse("plans:export_progress", args=args),
        "download": reverse("plans:export_download", args=args),
    }


def stored_bytes(export):
    with export.file.storage.open(export.file.name, "rb") as handle:
        return handle.read()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("file_format", ["xlsx", pytest.param("pdf", marks=pytest.mark.slow)])
def test_large_plan_is_queued_made_by_the_worker_and_kept(
    client, published, budget_officer, file_format, settings
):
    client.force_login(budget_officer)
    response = client.get(download_url(published, file_format))

    export = PlanExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == export_urls(export)["status"]
    assert (export.status, export.progress, export.language) == ("queued", 0, "th")
    task = DBTaskResult.objects.get()
    assert str(task.id) == export.task_id
    assert (task.queue_name, task.status) == ("exports", TaskResultStatus.READY)
    assert task.task_path == "plans.tasks.make_plan_export"
    requested = AuditEvent.objects.get(code="plan.export_requested")
    assert requested.actor_id == budget_officer.pk
    assert requested.extra["format"] == file_format
    assert not AuditEvent.objects.filter(code="plan.downloaded").exists()

    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and "plans-export-progress.js" in page

    run_queue()

    export.refresh_from_db()
    task.refresh_from_db()
    assert (export.status, export.progress) == ("done", 100)
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert export.size == export.file.size > 0
    assert export.file.name.startswith("plan-exports/2568/")
    assert export.file.name.endswith(f".{file_format}")
    assert "plan-2568" not in export.file.name  # a generated name, never the download's
    assert export.started_at <= export.finished_at

    page = client.get(export_urls(export)["status"]).content.decode()
    assert export_urls(export)["download"] in page
    assert "plans-export-progress.js" not in page

    kept = client.get(export_urls(export)["download"])
    assert kept.status_code == 200
    assert kept["Content-Type"] == CONTENT_TYPES[file_format]
    assert kept["Content-Disposition"] == f'attachment; filename="plan-2568-v1.{file_format}"'
    kept_bytes = body(kept)
    event = AuditEvent.objects.get(code="plan.downloaded")
    assert event.actor_id == budget_officer.pk
    assert event.extra == {"fiscal_year": 2568, "version": 1, "format": file_format}

    # The same bytes as the synchronous export of that version.
    settings.PLAN_EXPORT_SYNC_LIMIT = 1000
    direct = client.get(download_url(published, file_format))
    assert direct.status_code == 200
    assert body(direct) == kept_bytes
    assert PlanExport.objects.count() == 1


def test_a_finished_export_is_reused_and_served_at_once(
    client, published, budget_officer, screener
):
    client.force_login(budget_officer)
    client.get(download_url(published, "xlsx"))
    # Asked again while queued: the same export, no second task.
    again = client.get(download_url(published, "xlsx"))
    export = PlanExport.objects.get()
    assert again["Location"] == export_urls(export)["status"]
    assert DBTaskResult.objects.count() == 1
    run_queue()

    client.force_login(screener)
    response = client.get(download_url(published, "xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="plan-2568-v1.xlsx"'
    export.refresh_from_db()
    assert body(response) == stored_bytes(export)
    assert PlanExport.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    assert AuditEvent.objects.filter(code="plan.downloaded", actor=screener).count() == 1


def test_each_language_has_its_own_file(published, budget_officer):
    thai = request_plan_export(
        version=published, file_format="xlsx", actor=budget_officer, language="th"
    )
    english = request_plan_export(
        version=published, file_format="xlsx", actor=budget_officer, language="en"
    )
    assert thai.pk != english.pk
    run_queue()
    thai.refresh_from_db()
    english.refresh_from_db()
    with translation.override("en"):
        expected = build_plan_xlsx(plan_document(published))
    assert stored_bytes(english) == expected
    assert stored_bytes(thai) != expected


def test_progress_json(client, published, budget_officer, monkeypatch):
    client.force_login(budget_officer)
    client.get(download_url(published, "xlsx"))
    export = PlanExport.objects.get()
    urls = export_urls(export)

    response = client.get(urls["progress"])
    assert response["Content-Type"] == "application/json"
    # Its own no-store, made private by core's PrivateCacheControlMiddleware (for a signed-in user).
    assert set(response["Cache-Control"].split(", ")) == {"no-store", "private"}
    assert response.json() == {
        "status": "queued",
        "status_label": "อยู่ในคิว",
        "progress": 0,
        "finished": False,
        "download_url": None,
    }

    seen = []

    def slow_build(doc, *, progress):
        progress(0.42)
        seen.append(client.get(urls["progress"]).json())
        return b"made"

    monkeypatch.setitem(services.EXPORT_BUILDERS, "xlsx", slow_build)
    run_queue()
    assert seen[0]["status"] == "running"
    assert seen[0]["progress"] == 42
    assert seen[0]["finished"] is False

    done = client.get(urls["progress"]).json()
    assert done["status"] == "done"
    assert done["progress"] == 100
    assert done["finished"] is True
    assert done["download_url"] == urls["download"]


@pytest.mark.slow  # the retry renders the PDF
def test_a_failure_is_recorded_and_the_page_says_so(client, published, budget_officer, monkeypatch):
    def broken(doc, *, progress):
        progress(0.3)
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(services.EXPORT_BUILDERS, "pdf", broken)
    client.force_login(budget_officer)
    client.get(download_url(published, "pdf"))
    run_queue()

    export = PlanExport.objects.get()
    assert export.status == "failed"
    assert export.error == "RuntimeError: the disk is full"
    assert not export.file
    assert export.finished_at is not None
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED

    urls = export_urls(export)
    page = client.get(urls["status"]).content.decode()
    assert "ไม่สามารถจัดทำแฟ้มได้" in page
    assert "the disk is full" in page
    assert download_url(published, "pdf") in page.replace("&amp;", "&")
    state = client.get(urls["progress"]).json()
    assert (state["status"], state["finished"], state["download_url"]) == ("failed", True, None)
    # The download view of a failed export goes back to its page.
    assert client.get(urls["download"])["Location"] == urls["status"]

    # Trying again starts a new export, which now works.
    monkeypatch.undo()
    retry = client.get(download_url(published, "pdf"))
    new = PlanExport.objects.exclude(pk=export.pk).get()
    assert retry["Location"] == export_urls(new)["status"]
    run_queue()
    new.refresh_from_db()
    assert new.status == "done"


def test_a_stalled_export_is_started_again(published, budget_officer):
    export = request_plan_export(
        version=published, file_format="xlsx", actor=budget_officer, language="th"
    )
    PlanExport.objects.filter(pk=export.pk).update(
        status="running", updated_at=timezone.now() - datetime.timedelta(hours=1)
    )
    again = request_plan_export(
        version=published, file_format="xlsx", actor=budget_officer, language="th"
    )
    assert again.pk != export.pk
    export.refresh_from_db()
    assert export.status == "failed"
    assert "worker stopped" in export.error
    # The stalled export's task, if it ever runs, leaves it alone.
    run_queue()
    export.refresh_from_db()
    again.refresh_from_db()
    assert (export.status, again.status) == ("failed", "done")


def test_a_lost_file_is_made_again(client, published, budget_officer):
    client.force_login(budget_officer)
    client.get(download_url(published, "xlsx"))
    run_queue()
    export = PlanExport.objects.get()
    export.file.storage.delete(export.file.name)

    response = client.get(export_urls(export)["download"])
    assert response["Location"] == download_url(published, "xlsx")
    response = client.get(download_url(published, "xlsx"))
    export.refresh_from_db()
    assert export.status == "failed"
    new = PlanExport.objects.exclude(pk=export.pk).get()
    assert response["Location"] == export_urls(new)["status"]


def test_small_plans_still_download_at_once(client, published, budget_officer, settings):
    settings.PLAN_EXPORT_SYNC_LIMIT = 5
    client.force_login(budget_officer)
    response = client.get(download_url(published, "xlsx"))
    assert response.status_code == 200
    assert response.content.startswith(b"PK")  # the workbook itself, made in the request
    # Nothing queued: the file made in the request is kept, done, for the next reader.
    assert list(PlanExport.objects.values_list("status", "task_id")) == [("done", "")]
    page = client.get(reverse("plans:detail", args=[2568])).content.decode()
    assert re.search(r'plan\.xlsx"\s+download>', page)

    settings.PLAN_EXPORT_SYNC_LIMIT = 4
    page = client.get(reverse("plans:detail", args=[2568])).content.decode()
    # No download attribute: the browser must follow the link to the status page.
    assert re.search(r'plan\.xlsx">', page)
    assert 'plan.csv" download>' in page


@pytest.mark.parametrize("name", ["status", "progress", "download"])
def test_submitters_get_403_and_readers_get_in(
    client, published, budget_officer, submitter, member, name
):
    export = request_plan_export(
        version=published, file_format="xlsx", actor=budget_officer, language="th"
    )
    run_queue()
    url = export_urls(export)[name]
    client.force_login(submitter)
    assert client.get(url).status_code == 403
    assert client.get(download_url(published, "xlsx")).status_code == 403
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    body(response)  # a download streams its file: read it to the end, which closes it
    client.logout()
    assert client.get(url)["Location"].startswith("/accounts/login/")
    downloads = AuditEvent.objects.filter(code="plan.downloaded")
    assert [e.actor_id for e in downloads] == ([member.pk] if name == "download" else [])


def test_an_export_is_found_only_under_its_own_year(client, published, budget_officer):
    export = request_plan_export(
        version=published, file_format="xlsx", actor=budget_officer, language="th"
    )
    client.force_login(budget_officer)
    assert client.get(reverse("plans:export_status", args=[2599, export.pk])).status_code == 404
    assert client.get(reverse("plans:export_status", args=[2568, export.pk + 1])).status_code == 404


def test_only_plan_readers_may_request(published, submitter):
    with pytest.raises(services.PlanError):
        request_plan_export(version=published, file_format="xlsx", actor=submitter, language="th")
    assert not PlanExport.objects.exists()


def test_the_status_page_has_no_inline_script(client, published, budget_officer):
    client.force_login(budget_officer)
    page = client.get(client.get(download_url(published, "xlsx"))["Location"]).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and " onclick=" not in page
    assert "http-equiv" not in page  # no meta refresh: a link reloads the page
    assert 'data-export-finished="false"' in page


@pytest.mark.slow  # renders the PDF twice
def test_exporters_report_progress_without_changing_the_bytes(published, monkeypatch):
    monkeypatch.setattr(xlsx_module, "PROGRESS_EVERY", 2)
    doc = plan_document(published)
    steps = []
    assert build_plan_xlsx(doc, progress=steps.append) == build_plan_xlsx(doc)
    assert steps == [pytest.approx(0.36), pytest.approx(0.72), 0.9, 1.0]
    steps.clear()
    assert build_plan_pdf(doc, progress=steps.append) == build_plan_pdf(doc)
    assert steps == [0.1, 0.9, 1.0]


def test_the_worker_exits_after_max_tasks(published, budget_officer):
    for language in ["th", "en"]:
        request_plan_export(
            version=published, file_format="xlsx", actor=budget_officer, language=language
        )
    run_worker(batch=False, max_tasks=1)  # without max_tasks it would wait for ever
    assert sorted(PlanExport.objects.values_list("status", flat=True)) == ["done", "queued"]


def test_make_worker_runs_the_recycling_loop():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^worker: .*\n\t.*bash scripts/worker\.sh", makefile, re.MULTILINE)
    script = (ROOT / "scripts" / "worker.sh").read_text()
    assert "while true" in script
    assert 'manage.py db_worker --queue-name "$queues" --max-tasks "$max_tasks"' in script


@pytest.mark.slow  # three worker subprocesses, one of them renders a PDF
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"),
    reason="worker subprocesses need a database they can share (PostgreSQL)",
)
def test_worker_processes_are_recycled(tmp_path, settings):
    """`make worker`'s loop with one task per process: four tasks, four processes."""
    settings.MEDIA_ROOT = ROOT / "var" / "test-media"  # where the subprocesses write
    plan = make_plan()
    secretary = make_user(Role.SECRETARY)
    version = publish_plan(plan_round=plan.plan_round, actor=secretary)
    exports = [
        request_plan_export(version=version, file_format=fmt, actor=secretary, language=lang)
        for fmt, lang in [("xlsx", "th"), ("xlsx", "en"), ("pdf", "th")]
    ]
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "budgetscreen.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "WORKER_PYTHON": sys.executable,
        "WORKER_MAX_TASKS": "1",
        "WORKER_INTERVAL": "0.2",
    }
    log = (tmp_path / "worker.log").open("w+")
    loop = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "worker.sh")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            states = set(PlanExport.objects.values_list("status", flat=True))
            if states <= {"done", "failed"}:
                break
            time.sleep(0.5)
    finally:
        os.killpg(loop.pid, signal.SIGTERM)
        loop.wait(timeout=60)
        log.seek(0)
        output = log.read()
        log.close()
    try:
        assert set(PlanExport.objects.values_list("status", flat=True)) == {"done"}, output
        # The three requested exports, and the publication's own task (issue 20), which made
        # the one file nobody had asked for yet (the English PDF).
        workers = [task.worker_ids for task in DBTaskResult.objects.all()]
        assert len(workers) == 4
        assert all(len(ids) == 1 for ids in workers)
        assert len({ids[0] for ids in workers}) == 4, "each task ran in a fresh process"
        assert output.count("Run maximum tasks (1)") >= 4, output
        assert PlanExport.objects.filter(file_format="pdf", language="en").exists()
        for export in exports:
            export.refresh_from_db()
            assert export.file.size == export.size > 0
    finally:
        for export in PlanExport.objects.all():
            export.file.delete(save=False)
