"""DGA's screening of proposals against the round's criteria."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from proposals.models import MONEY, PlanRound, Proposal, Stage


class CriterionKind(models.TextChoices):
    ELIGIBILITY = "eligibility", _("Eligibility (met / not met)")
    SCORED = "scored", _("Scored on a scale")


class ScreeningCriterion(models.Model):
    """One line of a round's screening checklist."""

    round = models.ForeignKey(
        PlanRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="criteria"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_th = models.CharField(_("criterion (Thai)"), max_length=500)
    text_en = models.CharField(_("criterion (English)"), max_length=500, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=CriterionKind.choices, default=CriterionKind.ELIGIBILITY,
        help_text=_("Eligibility criteria are met or not and gate forwarding; scored criteria "
                    "make the proposal's score."),
    )  # fmt: skip
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, default=Decimal("1"),
        help_text=_("How much this criterion counts in the proposal's score."),
    )  # fmt: skip
    scale_max = models.PositiveSmallIntegerField(
        _("highest score"), default=4, help_text=_("Scores run from 0 to this number.")
    )

    class Meta:
        verbose_name = _("screening criterion")
        verbose_name_plural = _("screening criteria")
        ordering = ["round", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.CheckConstraint(
                condition=Q(scale_max__gte=1) & Q(scale_max__lte=10), name="criterion_scale_1_10"
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_scored(self):
        return self.kind == CriterionKind.SCORED

    @property
    def text(self):
        if self.text_en and (get_language() or "th").startswith("en"):
            return self.text_en
        return self.text_th


class Recommendation(models.TextChoices):
    FORWARD = "forward", _("Forward to the committee")
    RETURN = "return", _("Return for revision")
    INELIGIBLE = "ineligible", _("Not eligible")


class ScreeningReview(models.Model):
    """One screener's review of one proposal. Later reviews supersede earlier ones."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="reviews"
    )
    screener = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("screener"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    recommendation = models.CharField(
        _("recommendation"), max_length=16, choices=Recommendation.choices
    )
    reasons = models.TextField(_("reasons"), blank=True)
    recommended_amount = models.DecimalField(
        _("recommended (baht)"), **MONEY, null=True, blank=True
    )
    amount_reason = models.TextField(_("reason for a lower amount"), blank=True)
    corrected_stage = models.ForeignKey(
        Stage, verbose_name=_("corrected stage"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("screening review")
        verbose_name_plural = _("screening reviews")
        ordering = ["proposal", "-created_at", "-id"]
        indexes = [models.Index(fields=["proposal", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(recommended_amount__isnull=True) | Q(recommended_amount__gte=0),
                name="review_recommended_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(recommendation="forward") | ~Q(reasons=""),
                name="review_reasons_unless_forward",
            ),
        ]

    def __str__(self):
        return f"{self.proposal_id} {self.get_recommendation_display()}"


class Assessment(models.TextChoices):
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    NOT_APPLICABLE = "na", _("Not applicable")


class CriterionAssessment(models.Model):
    review = models.ForeignKey(
        ScreeningReview, on_delete=models.CASCADE, related_name="assessments"
    )
    criterion = models.ForeignKey(ScreeningCriterion, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=8, choices=Assessment.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("criterion assessment")
        verbose_name_plural = _("criterion assessments")
        ordering = ["criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="assessment_unique")
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.result}"


# Scored rubrics and double screening (issue 19) ---------------------------------------------


class ScoreLevel(models.Model):
    """What one point of a scored criterion's scale means (shown beside the score input)."""

    criterion = models.ForeignKey(
        ScreeningCriterion, verbose_name=_("criterion"), on_delete=models.CASCADE,
        related_name="levels",
    )  # fmt: skip
    value = models.PositiveSmallIntegerField(_("score"))
    description_th = models.CharField(_("meaning (Thai)"), max_length=500)
    description_en = models.CharField(_("meaning (English)"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("score level")
        verbose_name_plural = _("score levels")
        ordering = ["criterion", "value"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "value"], name="score_level_unique")
        ]

    def __str__(self):
        return f"{self.value}: {self.description}"

    @property
    def description(self):
        if self.description_en and (get_language() or "th").startswith("en"):
            return self.description_en
        return self.description_th


class ScreeningPolicy(models.Model):
    """A round's rules for double screening, disagreement and screening deadlines."""

    round = models.OneToOneField(
        PlanRound, verbose_name=_("round"), on_delete=models.CASCADE,
        related_name="screening_policy",
    )  # fmt: skip
    second_share = models.DecimalField(
        _("share screened twice (%)"), max_digits=5, decimal_places=2, default=Decimal("20"),
        help_text=_("A random sample of this share of the round's proposals gets a second "
                    "screener (the same sample every time for the round)."),
    )  # fmt: skip
    second_above = models.DecimalField(
        _("always screened twice above (baht)"), **MONEY, null=True, blank=True,
        help_text=_("Every proposal requesting more than this gets a second screener."),
    )  # fmt: skip
    criterion_gap = models.DecimalField(
        _("disagreement on a criterion (points)"), max_digits=5, decimal_places=2,
        default=Decimal("2"),
        help_text=_("Two screeners' scores on one criterion further apart than this are "
                    "flagged for reconciliation."),
    )  # fmt: skip
    total_gap = models.DecimalField(
        _("disagreement on the score (points of 100)"), max_digits=5, decimal_places=2,
        default=Decimal("20"),
        help_text=_("Two screeners' proposal scores further apart than this are flagged."),
    )  # fmt: skip
    days_to_screen = models.PositiveSmallIntegerField(
        _("days to screen"), default=14,
        help_text=_("An assignment is due this many days after it is given."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("screening policy")
        verbose_name_plural = _("screening policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(second_share__gte=0) & Q(second_share__lte=100),
                name="policy_share_percent",
            ),
            models.CheckConstraint(
                condition=Q(second_above__isnull=True) | Q(second_above__gte=0),
                name="policy_above_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(criterion_gap__gte=0) & Q(total_gap__gte=0),
                name="policy_gaps_non_negative",
            ),
        ]

    def __str__(self):
        return str(self.round)


class AssignmentKind(models.TextChoices):
    FIRST = "first", _("First screener")
    SECOND = "second", _("Second screener")


class ScreeningAssignment(models.Model):
    """A screener's task on one proposal, with its due date: at most one first, one second."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE,
        related_name="screening_assignments",
    )  # fmt: skip
    screener = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("screener"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(_("task"), max_length=8, choices=AssignmentKind.choices)
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)
    due_date = models.DateField(_("due"))
    completed_at = models.DateTimeField(_("done"), null=True, blank=True)
    reminded_on = models.DateField(_("last reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening assignment")
        verbose_name_plural = _("screening assignments")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "kind"], name="assignment_one_per_kind")
        ]
        indexes = [models.Index(fields=["completed_at", "due_date"])]

    def __str__(self):
        return f"{self.proposal_id} {self.kind} {self.screener_id}"


class ScoreSheet(models.Model):
    """One screener's scores of one proposal against the round's scored criteria.

    ``score`` is that screener's weighted mean, on a 0–100 scale (each criterion's score as a
    share of its scale's maximum, weighted). A sheet is written once and never changed: a
    reconciliation is recorded beside the two sheets, which stay as they were.
    """

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE,
        related_name="score_sheets",
    )  # fmt: skip
    screener = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("screener"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    score = models.DecimalField(_("score (of 100)"), max_digits=5, decimal_places=2)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["proposal", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "screener"], name="score_sheet_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="score_sheet_range"
            ),
        ]

    def __str__(self):
        return f"{self.proposal_id} {self.screener_id}: {self.score}"


class CriterionScore(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ScreeningCriterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("score"))
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["criterion__order", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="criterion_score_unique")
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.value}"


class Reconciliation(models.Model):
    """The agreed scores of a proposal whose two screeners disagreed; their sheets are kept."""

    proposal = models.OneToOneField(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE,
        related_name="reconciliation",
    )  # fmt: skip
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reconciled by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    score = models.DecimalField(_("agreed score (of 100)"), max_digits=5, decimal_places=2)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="reconciliation_range"
            ),
        ]

    def __str__(self):
        return f"{self.proposal_id}: {self.score}"


class ReconciledScore(models.Model):
    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(ScreeningCriterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("agreed score"))

    class Meta:
        verbose_name = _("agreed criterion score")
        verbose_name_plural = _("agreed criterion scores")
        ordering = ["criterion__order", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reconciliation", "criterion"], name="reconciled_score_unique"
            )
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.value}"


class ScoreSummary(models.Model):
    """The proposal's score as everyone may see it, kept by the services that change it.

    ``mean`` is the reconciled score when there is one, else the mean of the submitted
    sheets' scores; it stays empty while a second screener is assigned and the two sheets are
    not both in ("blind"), so that no page, file or sort can show one screener the other's
    score early. ``flagged``: the two sheets disagree beyond the round's thresholds and no
    reconciliation has been recorded yet.
    """

    proposal = models.OneToOneField(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE,
        related_name="score_summary", primary_key=True,
    )  # fmt: skip
    mean = models.DecimalField(
        _("score (of 100)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    screeners = models.PositiveSmallIntegerField(_("screeners"), default=0)
    blind = models.BooleanField(_("awaiting the second screener"), default=False)
    flagged = models.BooleanField(_("to reconcile"), default=False)

    class Meta:
        verbose_name = _("proposal score")
        verbose_name_plural = _("proposal scores")
        indexes = [models.Index(fields=["mean"])]

    def __str__(self):
        return f"{self.proposal_id}: {self.mean}"
