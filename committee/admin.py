"""Django admin for the committee: who sits on it and, for IT staff, the meetings' records.

Votes, conflicts and resolutions are shown read-only: they change only through the services,
which keep the audit trail and the rules.
"""

from django.contrib import admin

from .models import (
    AgendaItem,
    Attendance,
    Committee,
    ConflictDeclaration,
    Meeting,
    Membership,
    Resolution,
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
