from django.contrib import admin

from .models import PlanExport, PlanVersion


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    """Published versions are immutable: the admin may read them, never change or delete one.

    New versions are published from the plan page (``plans.services.publish_plan``), which
    checks the role, computes the checksum and writes the audit event.
    """

    list_display = ["round", "number", "published_at", "published_by", "short_checksum"]
    list_filter = ["round"]
    list_select_related = ["round", "published_by"]
    readonly_fields = [
        "round",
        "number",
        "published_at",
        "published_by",
        "checksum",
        "note",
        "snapshot",
    ]

    @admin.display(description="SHA-256")
    def short_checksum(self, obj):
        return obj.checksum[:16] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanExport)
class PlanExportAdmin(admin.ModelAdmin):
    """Background exports, read-only: they are requested from the plan page and made by workers
    (``plans.services.request_plan_export`` / ``run_plan_export``)."""

    list_display = [
        "version",
        "file_format",
        "language",
        "status",
        "progress",
        "size",
        "created_at",
    ]
    list_filter = ["status", "file_format"]
    readonly_fields = [f.name for f in PlanExport._meta.fields]

    def get_queryset(self, request):
        # A version's snapshot can be megabytes: never load it to list its exports.
        return (
            super()
            .get_queryset(request)
            .select_related("version__round")
            .defer("version__snapshot")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
