from django.contrib import admin

from .models import PlanVersion


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
