"""Published versions of a round's plan, and the files made from them in the background."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.models import PlanRound


class PlanVersion(models.Model):
    """An immutable snapshot of the approved projects, with a checksum of its content."""

    round = models.ForeignKey(
        PlanRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="plan_versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    # The snapshot's approved project count, kept beside it so that a page need not read the
    # (megabytes of) snapshot to know whether the version's files are made in the background.
    project_count = models.PositiveIntegerField(_("approved projects"), default=0)

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["round", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="plan_version_unique")
        ]

    def __str__(self):
        return f"{self.round.fiscal_year} v{self.number}"


def _export_file_name(instance, filename):
    """A generated name under MEDIA_ROOT: nothing guessable, nothing the user typed."""
    year = instance.version.round.fiscal_year
    return f"plan-exports/{year}/{uuid.uuid4().hex}.{instance.file_format}"


class PlanExport(models.Model):
    """A plan download made in the background, with its progress and, once done, its file.

    One version always gives the same bytes in one language, so a finished export is reused by
    everyone who asks for the same version, format and language.
    """

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        PDF = "pdf", "PDF"

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    version = models.ForeignKey(
        PlanVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="exports"
    )
    file_format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    language = models.CharField(_("language"), max_length=8)
    status = models.CharField(
        _("status"), max_length=8, choices=State.choices, default=State.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to=_export_file_name, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    # SHA-256 of the file's bytes: the download's ETag (a kept file never changes).
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last progress"), default=timezone.now)

    class Meta:
        verbose_name = _("plan export")
        verbose_name_plural = _("plan exports")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["version", "file_format", "language", "status"],
                name="plan_export_lookup",
            )
        ]

    def __str__(self):
        return f"{self.version} {self.file_format} ({self.status})"

    def get_absolute_url(self):
        return reverse("plans:export_status", args=[self.version.round.fiscal_year, self.pk])

    @property
    def filename(self) -> str:
        return f"plan-{self.version.round.fiscal_year}-v{self.version.number}.{self.file_format}"

    @property
    def file_is_stored(self) -> bool:
        """The export has a file and the storage still holds it."""
        return bool(self.file) and self.file.storage.exists(self.file.name)

    @property
    def is_finished(self) -> bool:
        return self.status in {self.State.DONE, self.State.FAILED}


class RoundSummary(models.Model):
    """The plan page's figures of one round, kept so that a page view reads one row instead of
    grouping every proposal of the round.

    Made fresh in the transaction of each publication and of each meeting whose resolutions
    take effect (``plans.receivers``); any other save of a proposal or budget line of the round
    deletes it, and the next page view makes it again (``plans.services.plan_summary_for_page``).
    ``state`` is ``refreshing`` while a page view is making it: a save in the meantime deletes the
    row, so that the view's figures are never kept as fresh if they may miss that save.
    """

    class State(models.TextChoices):
        FRESH = "fresh", _("Up to date")
        REFRESHING = "refreshing", _("Being made")

    round = models.OneToOneField(
        PlanRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="summary"
    )
    state = models.CharField(_("status"), max_length=10, choices=State.choices)
    # How many agencies submitted: the page decides from it whether to read the agency rows.
    submitted_agencies = models.PositiveIntegerField(_("submitting agencies"), default=0)
    figures = models.JSONField(_("figures"), default=dict)
    agencies = models.JSONField(_("figures by agency"), default=list)
    # The approved projects' ids in plan order: a page of the list is read by id, not sorted.
    plan_order = models.JSONField(_("plan order"), default=list)
    refreshed_at = models.DateTimeField(_("made"), default=timezone.now)

    class Meta:
        verbose_name = _("plan summary of a round")
        verbose_name_plural = _("plan summaries of rounds")

    def __str__(self):
        return f"{self.round} ({self.state})"
