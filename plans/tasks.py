"""Background tasks of the plans app, run by ``manage.py db_worker`` (see docs/EXPORTS.md)."""

from django_tasks import task

from . import services
from .services import run_plan_export


@task(queue_name="exports")
def make_plan_export(export_id: int) -> int:
    """Make one requested plan download (XLSX or PDF) and keep its file; returns its size."""
    export = run_plan_export(export_id=export_id)
    return export.size or 0


@task(queue_name="exports")
def make_version_files(version_id: int) -> int:
    """Make a newly published version's XLSX and PDF in every language; returns how many."""
    return len(services.make_version_files(version_id=version_id))
