"""Django admin for the committee: who sits on it and, for IT staff, the meetings' records.

Votes, conflicts and resolutions are shown read-only: they change only through the services,
which keep the audit trail and the rules.
"""

from django.contrib import admin, messages

from . import frame_services
from .models import (
    AgendaItem,
    Attendance,
    BudgetFrame,
    Committee,
    ConflictDeclaration,
    Meeting,
    Membership,
    Resolution,
    Scenario,
    StageShare,
    Vote,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["order", "user", "position", "title"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name_th", "name_en"]
    search_fields = ["name_th", "name_en"]
    inlines = [MembershipInline]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["membership", "presence", "note"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["order", "proposal"]
    raw_id_fields = ["proposal"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "date", "round", "status"]
    list_filter = ["status", "committee", "round"]
    date_hierarchy = "date"
    inlines = [AttendanceInline, AgendaItemInline]
    raw_id_fields = ["minute_taker", "minutes_reviewer"]
    # Opening, closing and reopening go through the meeting page, which applies the rules.
    readonly_fields = ["status", "opened_at", "closed_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["agenda_item", "member", "choice", "amount", "updated_at"]
    list_filter = ["choice", "agenda_item__meeting"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["agenda_item", "member", "declared_at"]


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ["agenda_item", "outcome", "approved_amount", "recorded_by", "recorded_at"]
    list_filter = ["outcome", "agenda_item__meeting"]


# The budget frame: saved through ``frame_services.set_budget_frame`` (its checks and audit
# event), as the frame page does.


@admin.register(BudgetFrame)
class BudgetFrameAdmin(admin.ModelAdmin):
    list_display = ["round", "fiscal_year", "amount"]
    list_filter = ["round"]

    def save_model(self, request, obj, form, change):
        frames = {obj.fiscal_year: obj.amount}
        if change and "fiscal_year" in form.changed_data:
            frames[form.initial["fiscal_year"]] = None
        self._set(request, obj.round, frames=frames)
        saved = BudgetFrame.objects.filter(round=obj.round, fiscal_year=obj.fiscal_year).first()
        obj.pk = saved.pk if saved else obj.pk

    def delete_model(self, request, obj):
        self._set(request, obj.round, frames={obj.fiscal_year: None})

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def _set(self, request, plan_round, **changes):
        try:
            frame_services.set_budget_frame(plan_round=plan_round, actor=request.user, **changes)
        except frame_services.CommitteeError as error:
            self.message_user(request, str(error), messages.ERROR)


@admin.register(StageShare)
class StageShareAdmin(BudgetFrameAdmin):
    list_display = ["round", "stage", "min_percent", "max_percent"]

    def save_model(self, request, obj, form, change):
        share = frame_services.ShareInput(obj.min_percent, obj.max_percent)
        self._set(request, obj.round, frames={}, shares={obj.stage_id: share})
        saved = StageShare.objects.filter(round=obj.round, stage_id=obj.stage_id).first()
        obj.pk = saved.pk if saved else obj.pk

    def delete_model(self, request, obj):
        empty = frame_services.ShareInput(None, None)
        self._set(request, obj.round, frames={}, shares={obj.stage_id: empty})


@admin.register(Scenario)
class ScenarioAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "floor_percent", "created_by", "created_at"]
    list_filter = ["meeting"]
