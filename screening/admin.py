from django.contrib import admin

from .models import CriterionAssessment, ScreeningCriterion, ScreeningReview


@admin.register(ScreeningCriterion)
class ScreeningCriterionAdmin(admin.ModelAdmin):
    list_display = ["text_th", "round", "order", "is_active"]
    list_filter = ["round", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["text_th", "text_en"]
    ordering = ["-round__fiscal_year", "order", "id"]


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
