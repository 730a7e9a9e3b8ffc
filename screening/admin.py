from django.contrib import admin

from .models import (
    CriterionAssessment,
    CriterionScore,
    ReconciledScore,
    Reconciliation,
    ScoreLevel,
    ScoreSheet,
    ScreeningAssignment,
    ScreeningCriterion,
    ScreeningPolicy,
    ScreeningReview,
)


class ScoreLevelInline(admin.TabularInline):
    """What each point of a scored criterion's scale means."""

    model = ScoreLevel
    extra = 0


@admin.register(ScreeningCriterion)
class ScreeningCriterionAdmin(admin.ModelAdmin):
    list_display = ["text_th", "round", "kind", "weight", "scale_max", "order", "is_active"]
    list_filter = ["round", "kind", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["text_th", "text_en"]
    ordering = ["-round__fiscal_year", "order", "id"]
    inlines = [ScoreLevelInline]


@admin.register(ScreeningPolicy)
class ScreeningPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "round", "second_share", "second_above", "criterion_gap", "total_gap", "days_to_screen",
    ]  # fmt: skip


@admin.register(ScreeningAssignment)
class ScreeningAssignmentAdmin(admin.ModelAdmin):
    """Assignments are given through the screening pages (read here, not written)."""

    list_display = ["proposal", "kind", "screener", "due_date", "completed_at", "reminded_on"]
    list_filter = ["kind", "proposal__round"]
    list_select_related = ["proposal", "screener"]
    readonly_fields = [
        "proposal", "screener", "kind", "assigned_at", "due_date", "completed_at", "reminded_on",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0
    can_delete = False
    readonly_fields = ["criterion", "value", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ScoreSheet)
class ScoreSheetAdmin(admin.ModelAdmin):
    """Score sheets are screeners' records: read-only here (written through the app)."""

    list_display = ["proposal", "screener", "score", "submitted_at"]
    list_filter = ["proposal__round"]
    list_select_related = ["proposal", "screener"]
    inlines = [CriterionScoreInline]
    readonly_fields = ["proposal", "screener", "score", "submitted_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReconciledScoreInline(admin.TabularInline):
    model = ReconciledScore
    extra = 0
    can_delete = False
    readonly_fields = ["criterion", "value"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Reconciliation)
class ReconciliationAdmin(admin.ModelAdmin):
    list_display = ["proposal", "score", "actor", "created_at"]
    list_select_related = ["proposal", "actor"]
    inlines = [ReconciledScoreInline]
    readonly_fields = ["proposal", "actor", "score", "reason", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CriterionAssessmentInline(admin.TabularInline):
    model = CriterionAssessment
    extra = 0
    can_delete = False
    readonly_fields = ["criterion", "result", "comment"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ScreeningReview)
class ScreeningReviewAdmin(admin.ModelAdmin):
    """Reviews are records of what a screener decided: read-only here (write through the app)."""

    list_display = ["proposal", "recommendation", "screener", "recommended_amount", "created_at"]
    list_filter = ["recommendation", "proposal__round"]
    search_fields = ["proposal__code", "proposal__title_th", "reasons"]
    list_select_related = ["proposal", "screener"]
    inlines = [CriterionAssessmentInline]
    readonly_fields = [
        "proposal", "screener", "recommendation", "reasons", "recommended_amount",
        "amount_reason", "corrected_stage", "created_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
