from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import twofactor
from core.signin_protection import unlock_username

from .models import Agency, Ministry, User


@admin.register(Ministry)
class MinistryAdmin(admin.ModelAdmin):
    list_display = ["name_th", "name_en", "code", "order"]
    search_fields = ["name_th", "name_en", "code"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name_th", "abbreviation", "ministry", "code"]
    list_filter = ["ministry"]
    search_fields = ["name_th", "name_en", "abbreviation", "code"]
    list_select_related = ["ministry"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "agency", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    actions = ["reset_two_factor", "unlock_sign_in"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Agency and role"), {"fields": ("agency", "position", "phone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Agency and role"), {"fields": ("agency", "groups")}),
    )

    @admin.action(
        description=_("Reset two-factor sign-in (lost phone): the user sets it up again"),
        permissions=["change"],
    )
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            twofactor.reset_devices(user=user, actor=request.user)
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in reset for %(count)d user; they set it up again at their next "
                "sign-in.",
                "Two-factor sign-in reset for %(count)d users; they set it up again at their next "
                "sign-in.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Unlock sign-in after too many failed attempts"), permissions=["change"]
    )
    def unlock_sign_in(self, request, queryset):
        # One audited unlock per locked account (core.signin_protection); others are left alone.
        unlocked = [u for u in queryset if unlock_username(username=u.username, actor=request.user)]
        self.message_user(
            request,
            ngettext("%(count)d account unlocked.", "%(count)d accounts unlocked.", len(unlocked))
            % {"count": len(unlocked)},
            messages.SUCCESS,
        )
