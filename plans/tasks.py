"""Background tasks of the plans app, run by ``manage.py db_worker`` (see docs/EXPORTS.md)."""

from django_tasks import task

from .services import run_plan_export


@task(queue_name="exports")
def make_plan_export(export_id: int) -> int:
    """Make one requested plan download (XLSX or PDF) and keep its file; returns its size."""
    export = run_plan_export(export_id=export_id)
    return export.size or 0
