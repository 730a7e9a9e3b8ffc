from django.contrib import admin

from .models import ExecutionSettings, Project, QuarterlyReport


@admin.register(ExecutionSettings)
class ExecutionSettingsAdmin(admin.ModelAdmin):
    list_display = ["round", "report_due_days", "target_q1", "target_q2", "target_q3", "target_q4"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["proposal", "agency", "round", "approved_amount", "responsible_officer"]
    list_filter = ["round"]
    raw_id_fields = ["proposal", "responsible_officer"]
    # Projects start from a published plan (execution.services.start_projects): read-only here.
    readonly_fields = ["proposal", "round", "agency", "plan_version", "approved_amount"]

    def has_add_permission(self, request):
        return False


@admin.register(QuarterlyReport)
class QuarterlyReportAdmin(admin.ModelAdmin):
    list_display = ["project", "fiscal_year", "quarter", "status", "progress", "submitted_at"]
    list_filter = ["status", "fiscal_year", "quarter"]
    # Reports change only through the services (with their audit events).
    readonly_fields = [f.name for f in QuarterlyReport._meta.fields]

    def has_add_permission(self, request):
        return False
