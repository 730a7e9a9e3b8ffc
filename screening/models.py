"""DGA's screening of proposals against the round's criteria."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from proposals.models import MONEY, PlanRound, Proposal, Stage


class ScreeningCriterion(models.Model):
    """One line of a round's screening checklist."""

    round = models.ForeignKey(
        PlanRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="criteria"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_th = models.CharField(_("criterion (Thai)"), max_length=500)
    text_en = models.CharField(_("criterion (English)"), max_length=500, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("screening criterion")
        verbose_name_plural = _("screening criteria")
        ordering = ["round", "order", "id"]

    def __str__(self):
        return self.text

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
