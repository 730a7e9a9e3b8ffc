"""Django admin: reference data and rounds are edited here; proposals are shown read-only,
because every change to a proposal must go through the services (audit, timeline, notices)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    KPI,
    Attachment,
    Benefit,
    BudgetLine,
    DGStrategy,
    NationalStrategy,
    PlanRound,
    Proposal,
    ProposalVersion,
    Stage,
    StatusChange,
)


@admin.register(PlanRound)
class PlanRoundAdmin(admin.ModelAdmin):
    list_display = [
        "fiscal_year",
        "name_th",
        "submission_opens_at",
        "submission_closes_at",
        "budget_frame",
    ]
    search_fields = ["name_th", "name_en", "fiscal_year"]
    ordering = ["-fiscal_year"]


class _OrderedReferenceAdmin(admin.ModelAdmin):
    search_fields = ["name_th", "name_en"]


@admin.register(Stage)
class StageAdmin(_OrderedReferenceAdmin):
    list_display = ["code", "name_th", "name_en", "order"]
    list_editable = ["order"]
    fields = ["code", "name_th", "name_en", "description_th", "description_en", "order"]


@admin.register(Benefit)
class BenefitAdmin(_OrderedReferenceAdmin):
    list_display = ["code", "name_th", "name_en", "order"]
    list_editable = ["order"]
    fields = ["code", "name_th", "name_en", "description_th", "description_en", "order"]


@admin.register(DGStrategy)
class DGStrategyAdmin(_OrderedReferenceAdmin):
    list_display = ["number", "name_th", "name_en"]
    fields = ["number", "name_th", "name_en", "description_th", "description_en"]


@admin.register(NationalStrategy)
class NationalStrategyAdmin(_OrderedReferenceAdmin):
    list_display = ["number", "name_th", "name_en"]
    fields = ["number", "name_th", "name_en", "description_th", "description_en"]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BudgetLineInline(_ReadOnlyInline):
    model = BudgetLine
    fields = ["fiscal_year", "category", "amount", "approved_amount"]


class KPIInline(_ReadOnlyInline):
    model = KPI
    fields = ["order", "indicator", "unit", "target"]


class AttachmentInline(_ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "kind", "size", "description", "uploaded_by", "uploaded_at"]


class StatusChangeInline(_ReadOnlyInline):
    model = StatusChange
    fields = ["created_at", "from_status", "to_status", "actor", "reason"]


class ProposalVersionInline(_ReadOnlyInline):
    model = ProposalVersion
    fields = ["number", "created_at", "created_by"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "title_th",
        "agency",
        "round",
        "status",
        "stage",
        "requested_amount",
        "updated_at",
    ]
    list_filter = ["round", "status", "stage", "benefit"]
    search_fields = ["code", "title_th", "title_en", "agency__name_th"]
    list_select_related = ["agency", "round", "stage"]
    date_hierarchy = "updated_at"
    inlines = [
        BudgetLineInline,
        KPIInline,
        AttachmentInline,
        StatusChangeInline,
        ProposalVersionInline,
    ]
    fieldsets = [
        (None, {"fields": ["code", "round", "agency", "status", "lock_version"]}),
        (_("1. General"), {"fields": [
            "title_th", "title_en", "project_type", "duration_years",
            "official_name", "official_position", "official_phone", "official_email",
        ]}),
        (_("2. Alignment"), {"fields": [
            "stage", "benefit", "dg_strategy", "national_strategy", "alignment_justification",
        ]}),
        (_("3. Content"), {"fields": [
            "summary", "rationale", "objectives", "target_group", "outputs", "outcomes",
        ]}),
        (_("Amounts"), {"fields": ["requested_amount", "recommended_amount", "approved_amount"]}),
        (_("Record"), {"fields": [
            "assigned_screener", "created_by", "created_at", "updated_at", "submitted_at",
        ]}),
    ]  # fmt: skip

    # View-only: changes go through the services so that the audit chain and timeline hold.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def view_on_site(self, obj):
        # The app's page of an unsent draft is its agency's alone: no link that would 404.
        return None if obj.is_unsent else obj.get_absolute_url()
