"""Projects under way: the approved projects of a published plan, followed quarter by quarter."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.formatting import fiscal_year_bounds
from directory.models import Agency
from plans.models import PlanVersion
from proposals.models import KPI, MONEY, ZERO, Attachment, ExpenseCategory, PlanRound, Proposal

from .workflow import ProgressStatus, ReportStatus

DEFAULT_REPORT_DUE_DAYS = 15
PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(0), MaxValueValidator(100)],
}


def quarter_bounds(fiscal_year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a Thai fiscal quarter: Q1 is October–December of the year before."""
    start = fiscal_year_bounds(fiscal_year)[0]
    month = start.month + 3 * (quarter - 1)
    first = datetime.date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    after = 3 + month
    next_first = datetime.date(start.year + (after - 1) // 12, (after - 1) % 12 + 1, 1)
    return first, next_first - datetime.timedelta(days=1)


class ExecutionSettings(models.Model):
    """A round's reporting rules (one row per round; a round without one uses the defaults)."""

    round = models.OneToOneField(
        PlanRound, verbose_name=_("round"), on_delete=models.CASCADE,
        related_name="execution_settings",
    )  # fmt: skip
    report_due_days = models.PositiveSmallIntegerField(
        _("reports due (days after the quarter)"),
        default=DEFAULT_REPORT_DUE_DAYS,
        validators=[MaxValueValidator(120)],
    )
    # Cumulative share of the approved budget to be disbursed by the end of each quarter (%).
    target_q1 = models.DecimalField(
        _("disbursement target, end of Q1 (%)"), **PERCENT, null=True, blank=True
    )
    target_q2 = models.DecimalField(
        _("disbursement target, end of Q2 (%)"), **PERCENT, null=True, blank=True
    )
    target_q3 = models.DecimalField(
        _("disbursement target, end of Q3 (%)"), **PERCENT, null=True, blank=True
    )
    target_q4 = models.DecimalField(
        _("disbursement target, end of Q4 (%)"), **PERCENT, null=True, blank=True
    )
    targets_note = models.CharField(
        _("about the targets"), max_length=200, blank=True,
        help_text=_("For example: illustrative figures, or the Cabinet resolution they come from."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("reporting rules")
        verbose_name_plural = _("reporting rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_q1__isnull=True) | (Q(target_q1__gte=0) & Q(target_q1__lte=100)),
                name="execution_target_q1_percent",
            ),
            models.CheckConstraint(
                condition=Q(target_q2__isnull=True) | (Q(target_q2__gte=0) & Q(target_q2__lte=100)),
                name="execution_target_q2_percent",
            ),
            models.CheckConstraint(
                condition=Q(target_q3__isnull=True) | (Q(target_q3__gte=0) & Q(target_q3__lte=100)),
                name="execution_target_q3_percent",
            ),
            models.CheckConstraint(
                condition=Q(target_q4__isnull=True) | (Q(target_q4__gte=0) & Q(target_q4__lte=100)),
                name="execution_target_q4_percent",
            ),
        ]

    def __str__(self):
        return str(self.round)

    def targets(self) -> list[Decimal | None]:
        return [self.target_q1, self.target_q2, self.target_q3, self.target_q4]


class Project(models.Model):
    """An approved proposal of a published plan, under way; its baseline is its approved lines."""

    proposal = models.OneToOneField(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="execution"
    )
    # Copies of the proposal's round and agency: every list and total filters on them.
    round = models.ForeignKey(
        PlanRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="projects"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="projects"
    )
    plan_version = models.ForeignKey(
        PlanVersion, verbose_name=_("started from plan version"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    approved_amount = models.DecimalField(_("approved (baht)"), **MONEY)
    responsible_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible DGA officer"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="followed_projects",
    )  # fmt: skip
    started_at = models.DateTimeField(_("started"), default=timezone.now)

    class Meta:
        verbose_name = _("project under way")
        verbose_name_plural = _("projects under way")
        ordering = ["proposal__code"]
        indexes = [models.Index(fields=["round", "agency"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_amount__gte=0), name="project_approved_non_negative"
            )
        ]

    def __str__(self):
        return str(self.proposal)

    def get_absolute_url(self):
        return reverse("execution:project", args=[self.pk])


class BaselineLine(models.Model):
    """The approved amount of one fiscal year in one expense category."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="baseline"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"))
    category = models.CharField(
        _("expense category"), max_length=16, choices=ExpenseCategory.choices
    )
    approved_amount = models.DecimalField(_("approved (baht)"), **MONEY)

    class Meta:
        verbose_name = _("baseline line")
        verbose_name_plural = _("baseline lines")
        ordering = ["fiscal_year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "fiscal_year", "category"], name="baseline_unique_cell"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__gte=0), name="baseline_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.fiscal_year} {self.get_category_display()} {self.approved_amount}"


class QuarterlyReport(models.Model):
    """The agency's report on one fiscal quarter of one project."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="reports"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    progress = models.CharField(
        _("progress"), max_length=16, choices=ProgressStatus.choices,
        default=ProgressStatus.ON_TRACK,
    )  # fmt: skip
    milestones = models.TextField(_("milestones done"), blank=True)
    problems = models.TextField(_("problems and obstacles"), blank=True)
    help_requested = models.TextField(_("help asked of DGA"), blank=True)
    review_comment = models.TextField(_("reviewer's comments"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        ordering = ["project", "fiscal_year", "quarter"]
        indexes = [models.Index(fields=["status", "fiscal_year", "quarter"])]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "fiscal_year", "quarter"], name="report_one_per_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="report_quarter_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="report_status_known"
            ),
        ]

    def __str__(self):
        return f"{self.project.proposal.code} {self.fiscal_year} Q{self.quarter}"

    def get_absolute_url(self):
        return reverse("execution:report", args=[self.pk])

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        return quarter_bounds(self.fiscal_year, self.quarter)


class ReportLine(models.Model):
    """Cumulative money of one expense category at the end of the report's quarter.

    ``disbursed`` is what has been paid out (เบิกจ่าย); ``committed`` what is bound by signed
    contracts or purchase orders and not yet paid (ก่อหนี้ผูกพัน). Together they never exceed
    the category's approved amount for the report's fiscal year.
    """

    report = models.ForeignKey(
        QuarterlyReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="lines"
    )
    category = models.CharField(
        _("expense category"), max_length=16, choices=ExpenseCategory.choices
    )
    disbursed = models.DecimalField(_("disbursed (baht)"), **MONEY, default=ZERO)
    committed = models.DecimalField(_("committed (baht)"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("report line")
        verbose_name_plural = _("report lines")
        ordering = ["category"]
        constraints = [
            models.UniqueConstraint(fields=["report", "category"], name="report_line_unique"),
            models.CheckConstraint(
                condition=Q(disbursed__gte=0) & Q(committed__gte=0),
                name="report_line_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.report} {self.category}"


class KPIActual(models.Model):
    """The value a KPI of the proposal reached by the end of the report's quarter."""

    report = models.ForeignKey(
        QuarterlyReport, verbose_name=_("report"), on_delete=models.CASCADE,
        related_name="kpi_actuals",
    )  # fmt: skip
    kpi = models.ForeignKey(KPI, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="+")
    actual = models.CharField(_("actual value"), max_length=100, blank=True)
    note = models.CharField(_("evidence and notes"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("KPI actual")
        verbose_name_plural = _("KPI actuals")
        ordering = ["kpi__order", "kpi_id"]
        constraints = [models.UniqueConstraint(fields=["report", "kpi"], name="kpi_actual_unique")]

    def __str__(self):
        return f"{self.kpi}: {self.actual}"


def evidence_path(instance, filename):
    # Generated names only, as for the proposals' attachments: the user's name is display only.
    return f"evidence/{instance.actual_id}/{instance.storage_key}"


class KPIEvidence(models.Model):
    """A document attached to one KPI row of a report as the evidence of its actual value.

    Checked and stored as the proposals' attachments are (``proposals.attachments``): the type
    by the content (PDF, XLSX, DOCX), the size by ``ATTACHMENT_MAX_BYTES``, a generated name on
    disk, served only as a download to those who may see the report.
    """

    actual = models.ForeignKey(
        KPIActual, verbose_name=_("KPI actual"), on_delete=models.CASCADE,
        related_name="evidence",
    )  # fmt: skip
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    storage_key = models.CharField(max_length=64, unique=True)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=8, choices=Attachment.Kind.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("KPI evidence")
        verbose_name_plural = _("KPI evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class ReportVersion(models.Model):
    """A frozen copy of the report as it was submitted (one per submission)."""

    report = models.ForeignKey(
        QuarterlyReport, verbose_name=_("report"), on_delete=models.CASCADE,
        related_name="versions",
    )  # fmt: skip
    number = models.PositiveSmallIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")
        ]

    def __str__(self):
        return f"{self.report} v{self.number}"


class AmendmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting DGA's decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Amendment(models.Model):
    """The agency's request to move money between the expense categories or years of its
    project, or to change its scope or KPIs (โอนเปลี่ยนแปลงงบประมาณ / ปรับแผน).

    Its lines keep each cell's amount before and after; an approved amendment applies them to
    the baseline, so that the baseline's history is the project's amendments, oldest first.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="amendments"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    status = models.CharField(
        _("status"), max_length=16, choices=AmendmentStatus.choices,
        default=AmendmentStatus.PENDING,
    )  # fmt: skip
    reason = models.TextField(_("reasons"))
    scope_change = models.TextField(_("change of scope"), blank=True)
    kpi_change = models.TextField(_("change of KPIs"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["project", "number"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="amendment_number_unique"),
            models.CheckConstraint(
                condition=Q(status__in=AmendmentStatus.values), name="amendment_status_known"
            ),
        ]

    def __str__(self):
        return f"{self.project.proposal.code} #{self.number}"

    def get_absolute_url(self):
        return reverse("execution:amendment", args=[self.pk])


class AmendmentLine(models.Model):
    """One cell (fiscal year × expense category) of an amendment: the approved amount before
    the request and the amount asked for."""

    amendment = models.ForeignKey(
        Amendment, verbose_name=_("amendment"), on_delete=models.CASCADE, related_name="lines"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"))
    category = models.CharField(
        _("expense category"), max_length=16, choices=ExpenseCategory.choices
    )
    before = models.DecimalField(_("approved before (baht)"), **MONEY)
    after = models.DecimalField(_("asked for (baht)"), **MONEY)

    class Meta:
        verbose_name = _("amendment line")
        verbose_name_plural = _("amendment lines")
        ordering = ["fiscal_year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["amendment", "fiscal_year", "category"], name="amendment_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(before__gte=0) & Q(after__gte=0), name="amendment_line_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.amendment} {self.fiscal_year} {self.category}"

    @property
    def change(self) -> Decimal:
        return self.after - self.before


class AmendmentKPI(models.Model):
    """One KPI row of an amendment: an existing KPI of the proposal as it should become, or a
    new one (``kpi`` empty). The row keeps the KPI as it was; approval writes it to the KPI."""

    amendment = models.ForeignKey(
        Amendment, verbose_name=_("amendment"), on_delete=models.CASCADE,
        related_name="kpi_lines",
    )  # fmt: skip
    kpi = models.ForeignKey(
        KPI, verbose_name=_("KPI"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    indicator_before = models.CharField(_("indicator before"), max_length=500, blank=True)
    unit_before = models.CharField(_("unit before"), max_length=100, blank=True)
    target_before = models.CharField(_("target before"), max_length=100, blank=True)
    indicator = models.CharField(_("indicator asked for"), max_length=500)
    unit = models.CharField(_("unit asked for"), max_length=100)
    target = models.CharField(_("target asked for"), max_length=100)

    class Meta:
        verbose_name = _("amendment KPI")
        verbose_name_plural = _("amendment KPIs")
        ordering = ["amendment", "id"]

    def __str__(self):
        return f"{self.amendment} {self.indicator}"

    @property
    def is_new(self) -> bool:
        return not self.indicator_before
