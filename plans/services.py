"""Every write of the plans app: publishing a version, recording who downloaded one, and making
the large downloads in the background."""

import hashlib
import logging
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.audit import anchor_on_commit, record_event
from core.errors import DomainError
from core.pdf import PDFUnavailable
from directory.models import User
from proposals.models import PlanRound

from .exports.document import PlanDocument, plan_document
from .exports.pdf import build_plan_pdf
from .exports.xlsx import build_plan_xlsx
from .models import PlanExport, PlanVersion, RoundSummary
from .permissions import can_download_plan, can_publish_plan
from .selectors import (
    KeptSummary,
    PlanSummary,
    agency_rows_json,
    approved_requested,
    build_plan_snapshot,
    get_kept_plan_summary,
    get_plan_summary,
    plan_order,
    snapshot_checksum,
    summary_json,
)
from .signals import plan_published


class PlanError(DomainError):
    """A plan action that the rules do not allow; the message is for the user."""


def publish_plan(*, plan_round: PlanRound, actor: User, note: str = "") -> PlanVersion:
    """Publish the round's plan as the next numbered version.

    Preconditions: ``actor`` is the committee secretary or an administrator; the round has at
    least one approved project; the content differs from the latest version.
    Effects: one ``PlanVersion`` holding the snapshot and its SHA-256 checksum, and the audit
    event ``plan.published``, in one transaction; after commit, that event is appended to the
    audit anchors file. Earlier versions are never changed.
    Raises ``PlanError`` when a precondition does not hold.
    """
    if not can_publish_plan(actor):
        raise PlanError(_("Only the committee secretary can publish the plan."))
    with transaction.atomic():
        # Locking the round serialises publishers, so that two never take the same number.
        plan_round = PlanRound.objects.select_for_update().get(pk=plan_round.pk)
        summary = get_plan_summary(plan_round)
        snapshot = build_plan_snapshot(plan_round, summary=summary)
        if not snapshot["projects"]:
            raise PlanError(_("The plan has no approved project yet: there is nothing to publish."))
        checksum = snapshot_checksum(snapshot)
        version = PlanVersion.objects.create(
            round=plan_round,
            number=_next_version_number(plan_round, checksum),
            snapshot=snapshot,
            checksum=checksum,
            published_by=actor,
            # Whole seconds: the files carry this time and must read the same every time.
            published_at=timezone.now().replace(microsecond=0),
            note=note.strip(),
            project_count=snapshot["totals"]["approved_projects"],
        )
        keep_round_summary(plan_round, summary)
        event = record_event(
            "plan.published",
            actor=actor,
            target=version,
            extra={
                "fiscal_year": plan_round.fiscal_year,
                "version": version.number,
                "checksum": checksum,
                "projects": snapshot["totals"]["approved_projects"],
                "approved": snapshot["totals"]["approved"],
            },
        )
        # The apps above (execution) start following the new version in this transaction.
        plan_published.send(sender=PlanVersion, version=version, actor=actor)
        # A published plan is a public fact: pin the audit chain as it stands (core/audit.py).
        anchor_on_commit(event)
        # Its XLSX and PDF are made by a worker, so that no reader waits for them.
        transaction.on_commit(partial(enqueue_version_files, version.pk))
    return version


def _next_version_number(plan_round: PlanRound, checksum: str) -> int:
    """The number of the round's next version; ``PlanError`` when nothing changed."""
    latest = (
        PlanVersion.objects.filter(round=plan_round)
        .order_by("-number")
        .values_list("number", "checksum")
        .first()
    )
    if latest and latest[1] == checksum:
        raise PlanError(
            _("Nothing has changed since version %(number)s: no new version is needed.")
            % {"number": latest[0]}
        )
    return (latest[0] + 1) if latest else 1


def record_plan_download(*, version: PlanVersion, actor: User, file_format: str) -> None:
    """Write the audit event ``plan.downloaded`` for one download of a published version.

    Raises ``PlanError`` when ``actor`` may not download the plan.
    """
    if not can_download_plan(actor):
        raise PlanError(_("You may not download this plan."))
    with transaction.atomic():
        record_event(
            "plan.downloaded",
            actor=actor,
            target=version,
            extra={
                "fiscal_year": version.round.fiscal_year,
                "version": version.number,
                "format": file_format,
            },
        )


logger = logging.getLogger("budgetscreen.plans")

# Called by an exporter with the fraction of the file done (0–1).
ProgressCallback = Callable[[float], None]


class ExportBuilder(Protocol):
    def __call__(self, doc: PlanDocument, *, progress: ProgressCallback | None = None) -> bytes: ...


EXPORT_BUILDERS: dict[str, ExportBuilder] = {
    PlanExport.Format.XLSX: build_plan_xlsx,
    PlanExport.Format.PDF: build_plan_pdf,
}
ERROR_MAX_LENGTH = 2000


def request_plan_export(
    *, version: PlanVersion, file_format: str, actor: User, language: str
) -> PlanExport:
    """The background export of ``version`` as ``file_format`` in ``language``, started if need be.

    Preconditions: ``actor`` may download the plan; ``file_format`` is xlsx or pdf.
    Effects: none when an export of the same version, format and language is ready (its file
    is reused: one version always gives the same bytes) or still under way. Otherwise a new
    ``PlanExport`` (queued), its task on the ``exports`` queue, and the audit event
    ``plan.export_requested``, in one transaction; a queued or running export that has not moved
    for ``PLAN_EXPORT_STALE_AFTER`` (its worker died) is marked failed first.
    Raises ``PlanError`` when a precondition does not hold.
    """
    if not can_download_plan(actor):
        raise PlanError(_("You may not download this plan."))
    if file_format not in PlanExport.Format.values:
        raise PlanError(_("This file format is not made in the background."))
    from .tasks import make_plan_export  # the task module imports this one

    with transaction.atomic():
        # Locking the version serialises requests, so that two never start the same export.
        version = PlanVersion.objects.select_for_update().defer("snapshot").get(pk=version.pk)
        existing = (
            PlanExport.objects.filter(version=version, file_format=file_format, language=language)
            .exclude(status=PlanExport.State.FAILED)
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            if existing.status == PlanExport.State.DONE:
                if existing.file_is_stored:
                    return existing
                _fail(existing, "The finished file is no longer in storage.")
            elif timezone.now() - existing.updated_at < settings.PLAN_EXPORT_STALE_AFTER:
                return existing
            else:
                _fail(existing, "No progress for too long: the worker stopped.")
        export = PlanExport.objects.create(
            version=version, file_format=file_format, language=language, requested_by=actor
        )
        result = make_plan_export.enqueue(export_id=export.pk)
        export.task_id = str(result.id)
        export.save(update_fields=["task_id"])
        record_event(
            "plan.export_requested",
            actor=actor,
            target=version,
            extra={
                "fiscal_year": version.round.fiscal_year,
                "version": version.number,
                "format": file_format,
                "export": export.pk,
            },
        )
    return export


def kept_plan_export(*, version: PlanVersion, file_format: str, language: str) -> PlanExport | None:
    """The finished export of ``version`` as ``file_format`` in ``language`` whose file is still
    in storage, or None."""
    export = (
        PlanExport.objects.filter(
            version=version,
            file_format=file_format,
            language=language,
            status=PlanExport.State.DONE,
        )
        .select_related("version__round")
        .defer("version__snapshot")
        .order_by("-created_at")
        .first()
    )
    return export if export is not None and export.file_is_stored else None


def plan_file_made_once(
    *, version: PlanVersion, file_format: str, language: str, actor: User
) -> bytes:
    """A small plan's XLSX or PDF, made in the request the first time and kept for the next
    reader of the same version, format and language (a version always gives the same bytes).

    Effects: when no kept file exists, one done ``PlanExport`` with the bytes saved through the
    default storage; if the storage refuses them (full, unwritable) the failure is logged and
    the bytes are still returned. Two first readers at the same moment may each keep a copy;
    either serves. Raises ``PDFUnavailable`` when WeasyPrint cannot run.
    """
    kept = kept_plan_export(version=version, file_format=file_format, language=language)
    if kept is not None:
        with kept.file.open("rb") as stored:
            return stored.read()
    content = EXPORT_BUILDERS[file_format](plan_document(version))
    now = timezone.now()
    export = PlanExport(
        version=version, file_format=file_format, language=language,
        status=PlanExport.State.DONE, progress=100, size=len(content), requested_by=actor,
        sha256=file_checksum(content),
        created_at=now, started_at=now, finished_at=now, updated_at=now,
    )  # fmt: skip
    try:
        export.file.save(export.filename, ContentFile(content), save=False)
        export.save()
    except OSError:
        logger.exception("Could not keep plan file %s of version %s", file_format, version.pk)
    return content


def run_plan_export(*, export_id: int) -> PlanExport:
    """Make the file of a queued export (the body of the background task).

    Preconditions: the export is queued; an export in any other state is left as it is (a
    request that took over from a stalled one may have been queued twice).
    Effects: the export runs with its progress (0–100) saved as the exporter reports it, then is
    done with its file saved through the default storage under a generated name, its size and
    the time it finished. Any error marks it failed with the error's text, then propagates so
    that the task is recorded as failed too.
    """
    with transaction.atomic():
        export = PlanExport.objects.select_for_update().get(pk=export_id)
        if export.status != PlanExport.State.QUEUED:
            return export
        now = timezone.now()
        export.status = PlanExport.State.RUNNING
        export.started_at = export.updated_at = now
        export.save(update_fields=["status", "started_at", "updated_at"])
    try:
        version = PlanVersion.objects.select_related("round").get(pk=export.version_id)
        with translation.override(export.language):
            content = EXPORT_BUILDERS[export.file_format](
                plan_document(version), progress=_progress_reporter(export.pk)
            )
        export.version = version
        export.file.save(export.filename, ContentFile(content), save=False)
    except Exception as error:
        _fail(export, _error_text(error))
        raise
    export.status = PlanExport.State.DONE
    export.progress = 100
    export.size = len(content)
    export.sha256 = file_checksum(content)
    export.finished_at = export.updated_at = timezone.now()
    export.save(
        update_fields=["file", "status", "progress", "size", "sha256", "finished_at", "updated_at"]
    )
    return export


def _progress_reporter(export_id: int) -> ProgressCallback:
    """A callback for the exporters: saves the percentage done whenever it moves on."""
    last = {"percent": 0}

    def report(fraction: float) -> None:
        # 100 is saved with the file; a running export shows at most 99.
        percent = max(0, min(99, int(fraction * 100)))
        if percent > last["percent"]:
            last["percent"] = percent
            PlanExport.objects.filter(pk=export_id, status=PlanExport.State.RUNNING).update(
                progress=percent, updated_at=timezone.now()
            )

    return report


def _error_text(error: Exception) -> str:
    if isinstance(error, PDFUnavailable):
        return str(error)
    logger.exception("Plan export failed")
    return f"{type(error).__name__}: {error}"


def _fail(export: PlanExport, message: str) -> None:
    export.status = PlanExport.State.FAILED
    export.error = message[:ERROR_MAX_LENGTH]
    export.finished_at = export.updated_at = timezone.now()
    export.save(update_fields=["status", "error", "finished_at", "updated_at"])


# --- the plan page's summary, kept per round -----------------------------------------------


def _summary_fields(plan_round: PlanRound, summary: PlanSummary) -> dict:
    assert summary.by_agency is not None  # computed whole: get_plan_summary without a limit
    return {
        "figures": summary_json(summary, approved_requested=approved_requested(plan_round)),
        "agencies": agency_rows_json(summary),
        "plan_order": plan_order(plan_round),
        "submitted_agencies": summary.totals.submitted_agencies,
        "refreshed_at": timezone.now(),
    }


def keep_round_summary(plan_round: PlanRound, summary: PlanSummary | None = None) -> None:
    """Keep the round's summary, up to date, in the caller's transaction (a publication, a
    meeting whose resolutions take effect): ``summary`` when the caller has just made it from
    the same data, else made here (nine grouped queries), with one sum and the plan order, then
    one upsert."""
    fields = _summary_fields(plan_round, summary or get_plan_summary(plan_round))
    RoundSummary.objects.update_or_create(
        round=plan_round, defaults={**fields, "state": RoundSummary.State.FRESH}
    )


def forget_round_summaries(**round_filter: object) -> None:
    """Drop the kept summaries of the rounds ``round_filter`` names (a proposal or budget line
    of theirs changed); one statement, which touches nothing when none is kept."""
    RoundSummary.objects.filter(**round_filter).delete()


def plan_summary_for_page(
    plan_round: PlanRound, *, agency_rows_up_to: int | None = None
) -> KeptSummary:
    """The round's summary for the plan page: the kept one (one query) when it is up to date,
    else made from the live data and kept for the next view.

    A save of a proposal or budget line of the round while this view groups the figures drops
    the row it marked ``refreshing``, so that figures that may miss that save are shown once but
    never kept as up to date.
    """
    kept = get_kept_plan_summary(plan_round, agency_rows_up_to=agency_rows_up_to)
    if kept is not None:
        return kept
    RoundSummary.objects.bulk_create(
        [RoundSummary(round=plan_round, state=RoundSummary.State.REFRESHING)],
        update_conflicts=True,
        unique_fields=["round"],
        update_fields=["state"],
    )
    summary = get_plan_summary(plan_round)
    fields = _summary_fields(plan_round, summary)
    RoundSummary.objects.filter(round=plan_round, state=RoundSummary.State.REFRESHING).update(
        **fields, state=RoundSummary.State.FRESH
    )
    if agency_rows_up_to is not None and summary.totals.submitted_agencies > agency_rows_up_to:
        summary.by_agency = None
    return KeptSummary(
        summary, Decimal(fields["figures"]["approved_requested"]), fields["plan_order"]
    )


# --- the files of a published version --------------------------------------------------------


def enqueue_version_files(version_id: int) -> None:
    """Queue the making of a published version's XLSX and PDF in every language (after the
    publication commits)."""
    from .tasks import make_version_files  # the task module imports this one

    make_version_files.enqueue(version_id=version_id)


def make_version_files(*, version_id: int) -> list[PlanExport]:
    """Make and keep the XLSX and PDF of a version in every language of the site, except those
    already kept or under way (a reader asked first). The body of the publication's task.

    Effects: per file, a ``PlanExport`` made through ``run_plan_export`` (its progress, its
    stored file and checksum). Raises the first error after trying the other files.
    """
    made, first_error = [], None
    for file_format in (PlanExport.Format.PDF, PlanExport.Format.XLSX):
        for language, _name in settings.LANGUAGES:
            with transaction.atomic():
                version = (
                    PlanVersion.objects.select_for_update().defer("snapshot").get(pk=version_id)
                )
                if _live_export(version, file_format, language) is not None:
                    continue
                export = PlanExport.objects.create(
                    version=version, file_format=file_format, language=language
                )
            try:
                made.append(run_plan_export(export_id=export.pk))
            except Exception as error:  # noqa: BLE001 (recorded on the export; raised below)
                first_error = first_error or error
    if first_error is not None:
        raise first_error
    return made


def _live_export(version: PlanVersion, file_format: str, language: str) -> PlanExport | None:
    """A kept, or queued or running, export of the version as the format in the language."""
    return (
        PlanExport.objects.filter(version=version, file_format=file_format, language=language)
        .exclude(status=PlanExport.State.FAILED)
        .first()
    )


def file_checksum(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
