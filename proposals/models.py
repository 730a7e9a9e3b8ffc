"""Plan rounds, their reference lists, and the proposals agencies send to DGA."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.formatting import fiscal_year_bounds
from directory.models import Agency, BilingualName

from .workflow import EDITABLE, Status

STATUS_LABELS = dict(Status.choices)

# Proposals the agency has never sent to DGA: its drafts, and drafts it withdrew unsent. They
# are the agency's own business; nobody else reads them (Django's admin aside).
UNSENT = Q(status=Status.DRAFT) | Q(status=Status.WITHDRAWN, submitted_at__isnull=True)

MONEY = {"max_digits": 15, "decimal_places": 2}
ZERO = Decimal("0.00")


class BilingualDescription(models.Model):
    description_th = models.TextField(_("description (Thai)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        abstract = True

    @property
    def description(self):
        if self.description_en and (get_language() or "th").startswith("en"):
            return self.description_en
        return self.description_th


class Stage(BilingualName, BilingualDescription):  # noqa: DJ008 (__str__ inherited)
    """Value-chain stage: upstream, midstream, downstream (codes are URL parameters)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("value-chain stage")
        verbose_name_plural = _("value-chain stages")
        ordering = ["order"]


class Benefit(BilingualName, BilingualDescription):  # noqa: DJ008 (__str__ inherited)
    """An expected benefit of the plan (ประโยชน์ที่คาดว่าจะได้รับ)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("expected benefit")
        verbose_name_plural = _("expected benefits")
        ordering = ["order"]


class DGStrategy(BilingualName, BilingualDescription):  # noqa: DJ008 (__str__ inherited)
    """A strategy of the Digital Government Development Plan of Thailand 2566–2570."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)

    class Meta:
        verbose_name = _("digital government plan strategy")
        verbose_name_plural = _("digital government plan strategies")
        ordering = ["number"]


class NationalStrategy(BilingualName, BilingualDescription):  # noqa: DJ008 (__str__ inherited)
    """An area of the 20-year National Strategy."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)

    class Meta:
        verbose_name = _("national strategy area")
        verbose_name_plural = _("national strategy areas")
        ordering = ["number"]


class ExpenseCategory(models.TextChoices):
    """The five budget expense categories (งบรายจ่าย); fixed by the budget law, not data."""

    PERSONNEL = "personnel", _("Personnel")
    OPERATING = "operating", _("Operating")
    INVESTMENT = "investment", _("Investment")
    SUBSIDY = "subsidy", _("Subsidy")
    OTHER = "other", _("Other expenses")


class PlanRound(models.Model):
    """One fiscal year's integrated plan round: submission window and budget frame."""

    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year (BE)"),
        unique=True,
        validators=[MinValueValidator(2500), MaxValueValidator(2700)],
    )
    name_th = models.CharField(_("name (Thai)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    submission_opens_at = models.DateTimeField(_("submissions open"))
    submission_closes_at = models.DateTimeField(_("submissions close"))
    budget_frame = models.DecimalField(_("budget frame (baht)"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("plan round")
        verbose_name_plural = _("plan rounds")
        ordering = ["-fiscal_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(submission_closes_at__gt=F("submission_opens_at")),
                name="round_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(budget_frame__gte=0), name="round_frame_non_negative"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("plans:detail", args=[self.fiscal_year])

    @property
    def name(self):
        if self.name_en and (get_language() or "th").startswith("en"):
            return self.name_en
        return self.name_th

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.submission_opens_at <= now < self.submission_closes_at

    def days_left(self, now=None) -> int:
        now = now or timezone.now()
        return max(0, (self.submission_closes_at - now).days)

    @property
    def fiscal_year_start(self) -> datetime.date:
        return fiscal_year_bounds(self.fiscal_year)[0]


class ProjectType(models.TextChoices):
    NEW = "new", _("New project")
    CONTINUING = "continuing", _("Continuing project")


# One reference scheme for every proposal (new, demo and fixtures): the round's fiscal year in
# the Buddhist era, a hyphen and four digits, e.g. ``2569-0001`` (a 10,000th proposal in one
# round would simply take five).
PROPOSAL_CODE_PATTERN = r"^\d{4}-\d{4,}$"


def proposal_code(fiscal_year: int, number: int) -> str:
    """The reference of the ``number``-th proposal of the fiscal year ``fiscal_year``."""
    return f"{fiscal_year}-{number:04d}"


class Proposal(models.Model):
    """A project proposal of one agency in one round, through its whole life.

    The three amounts are kept apart and never overwrite one another:
    ``requested_amount`` (the agency's request for the round's fiscal year, the sum of that
    year's budget lines), ``recommended_amount`` (DGA's screener) and ``approved_amount``
    (the committee's resolution).
    """

    round = models.ForeignKey(
        PlanRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="proposals"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="proposals"
    )
    code = models.CharField(_("reference"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )

    # 1. general
    title_th = models.CharField(_("title (Thai)"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    project_type = models.CharField(
        _("project type"), max_length=16, choices=ProjectType.choices, default=ProjectType.NEW
    )
    # A continuing project names the approved proposal of an earlier round it carries on; the
    # screening page then shows how that one is going (execution renders it).
    continues = models.ForeignKey(
        "self", verbose_name=_("continues"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="continued_by",
    )  # fmt: skip
    duration_years = models.PositiveSmallIntegerField(
        _("duration (fiscal years)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    official_name = models.CharField(_("responsible official"), max_length=255, blank=True)
    official_position = models.CharField(_("official's position"), max_length=255, blank=True)
    official_phone = models.CharField(_("official's phone"), max_length=64, blank=True)
    official_email = models.EmailField(_("official's e-mail"), blank=True)

    # 2. alignment
    stage = models.ForeignKey(
        Stage, verbose_name=_("value-chain stage"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="proposals",
    )  # fmt: skip
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("expected benefit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="proposals",
    )  # fmt: skip
    dg_strategy = models.ForeignKey(
        DGStrategy, verbose_name=_("digital government plan strategy"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="proposals",
    )  # fmt: skip
    national_strategy = models.ForeignKey(
        NationalStrategy, verbose_name=_("national strategy area"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="proposals",
    )  # fmt: skip
    alignment_justification = models.TextField(_("how the project fits the plan"), blank=True)

    # 3. content
    summary = models.TextField(_("summary"), blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    target_group = models.TextField(_("target group"), blank=True)
    outputs = models.TextField(_("outputs"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)

    # amounts (baht)
    requested_amount = models.DecimalField(_("requested (baht)"), **MONEY, default=ZERO)
    recommended_amount = models.DecimalField(
        _("recommended (baht)"), **MONEY, null=True, blank=True
    )
    approved_amount = models.DecimalField(_("approved (baht)"), **MONEY, null=True, blank=True)

    assigned_screener = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned screener"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="screening_queue",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # Optimistic locking: every save of the content increments it; a form carries the value
    # it was opened with, and a stale value means somebody else saved in between.
    lock_version = models.PositiveIntegerField(default=0)

    # The long texts no list shows: lists defer them (less to read, sort and send).
    LONG_TEXTS = (
        "alignment_justification", "summary", "rationale", "objectives", "target_group",
        "outputs", "outcomes",
    )  # fmt: skip

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["round", "status"]),
            # The inbox's default order within a round.
            models.Index(fields=["round", "code"], name="proposal_round_code"),
            # The inbox's totals read only the index on PostgreSQL (an index-only scan instead
            # of visiting 100,000 rows); other databases skip an index with included columns.
            # ``submitted_at`` is there for ``UNSENT``, which every list for DGA leaves out.
            models.Index(
                fields=["round", "status", "stage"],
                include=["requested_amount", "recommended_amount", "id", "submitted_at"],
                name="proposal_round_totals",
            ),
            models.Index(fields=["round", "stage"]),
            models.Index(fields=["round", "agency"]),
            models.Index(fields=["round", "requested_amount"]),
            models.Index(fields=["agency", "-updated_at"]),
            models.Index(fields=["assigned_screener", "status"]),
            # The screening inbox's expected-benefit filter, and "my queue" with the workload
            # figures (named when screening's migration made them with raw SQL; see 0004).
            models.Index(fields=["round", "benefit"], name="screening_prop_round_benefit"),
            models.Index(
                fields=["round", "assigned_screener", "status"],
                name="screening_prop_round_screener",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gte=0), name="proposal_requested_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(recommended_amount__isnull=True)
                | (Q(recommended_amount__gte=0) & Q(recommended_amount__lte=F("requested_amount"))),
                name="proposal_recommended_within_request",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gte=0) & Q(approved_amount__lte=F("requested_amount"))),
                name="proposal_approved_within_request",
            ),
            models.CheckConstraint(
                condition=Q(duration_years__gte=1) & Q(duration_years__lte=5),
                name="proposal_duration_1_to_5_years",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="proposal_status_known"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title_th}"

    def get_absolute_url(self):
        return reverse("proposals:detail", args=[self.pk])

    @property
    def status_label(self):
        """The status's label, as get_status_display gives it, for lists: that one rebuilds a
        dict of every status on each call (fifty times for a page of the inbox)."""
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def title(self):
        if self.title_en and (get_language() or "th").startswith("en"):
            return self.title_en
        return self.title_th

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def is_unsent(self) -> bool:
        """Never sent to DGA (see ``UNSENT``): a returned proposal was sent, so it is not."""
        return self.status == Status.DRAFT or (
            self.status == Status.WITHDRAWN and self.submitted_at is None
        )

    @property
    def fiscal_years(self) -> list[int]:
        """The BE fiscal years the project spans, starting with the round's."""
        return [self.round.fiscal_year + i for i in range(self.duration_years)]


class BudgetLine(models.Model):
    """The amount asked for one fiscal year in one expense category.

    ``approved_amount`` is that line's share of the committee's approved amount (set when the
    resolution takes effect), so that the plan can be broken down by category exactly.
    """

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"))
    category = models.CharField(
        _("expense category"), max_length=16, choices=ExpenseCategory.choices
    )
    amount = models.DecimalField(_("amount (baht)"), **MONEY)
    approved_amount = models.DecimalField(_("approved (baht)"), **MONEY, null=True, blank=True)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["fiscal_year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "fiscal_year", "category"], name="budget_line_unique_cell"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_non_negative"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gte=0) & Q(approved_amount__lte=F("amount"))),
                name="budget_line_approved_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(category__in=ExpenseCategory.values), name="budget_line_category_known"
            ),
        ]

    def __str__(self):
        return f"{self.fiscal_year} {self.get_category_display()} {self.amount}"


class KPI(models.Model):
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="kpis"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    indicator = models.CharField(_("indicator"), max_length=500)
    unit = models.CharField(_("unit"), max_length=100)
    target = models.CharField(_("target"), max_length=100)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["order", "id"]

    def __str__(self):
        return self.indicator


def attachment_path(instance, filename):
    # Generated names only: the name the user gave is kept in original_name, never on disk.
    return f"attachments/{instance.proposal_id}/{instance.storage_key}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "XLSX"
        DOCX = "docx", "DOCX"

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    storage_key = models.CharField(max_length=64, unique=True)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    description = models.CharField(_("description"), max_length=500)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class ProposalVersion(models.Model):
    """A frozen copy of the proposal as it was submitted (one per submission)."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("proposal version")
        verbose_name_plural = _("proposal versions")
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="proposal_version_unique")
        ]

    def __str__(self):
        return f"{self.proposal.code} v{self.number}"


class StatusChange(models.Model):
    """One step of the proposal's timeline: who moved it, when, and why."""

    proposal = models.ForeignKey(
        Proposal,
        verbose_name=_("proposal"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["proposal", "created_at"])]

    def __str__(self):
        return f"{self.proposal_id}: {self.from_status} → {self.to_status}"


class Fingerprint(models.Model):
    """What the duplicate search compares of a proposal, as it was last saved, and the
    meeting's duplicate hints for it (``proposals.fingerprints``).

    ``digest`` is the SHA-256 of the compared texts (``duplicates.FIELDS``, their first
    ``FIELD_CHARS`` characters) and ``counted`` whether the round's comparisons count the
    proposal (sent to DGA, not withdrawn); the services that save a proposal's text or move it
    in or out of the counted states keep both current and, when either changes for a counted
    proposal, bump its round's ``DuplicateState.version``. ``hints`` are its most similar
    proposals in the round (``[[proposal id, score], …]``, best first) as found at round
    version ``hints_version``; stale once the version moves on.
    """

    proposal = models.OneToOneField(
        Proposal, primary_key=True, on_delete=models.CASCADE, related_name="fingerprint"
    )
    round = models.ForeignKey(PlanRound, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    counted = models.BooleanField(default=False)
    hints = models.JSONField(default=list, blank=True)
    hints_more = models.BooleanField(default=False)
    hints_version = models.PositiveBigIntegerField(null=True, blank=True)

    def __str__(self):
        return f"{self.proposal_id}: {self.digest[:12]}"


class DuplicateState(models.Model):
    """A round's version of what the duplicate search compares: bumped in the transaction of
    every change of a counted proposal's compared text or of the set of counted proposals, so
    that hints stored at an older version are known to be stale."""

    round = models.OneToOneField(
        PlanRound, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.round_id}: {self.version}"
