from django.conf import settings
from django.contrib import admin

from . import sso
from .models import AuditEvent, ExternalIdentity, Notification


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["created_at", "code", "actor", "target_type", "target_id"]
    list_filter = ["code"]
    search_fields = ["code", "target_id"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "subject", "read_at"]
    list_select_related = ["recipient"]
    search_fields = ["subject", "recipient__username"]


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    """Links an OpenID Connect identity to a user (the only way one gets an account, unless an
    e-mail domain is configured). Links and removals go through core.sso, which audits them;
    a link is never edited in place: remove it and add the right one."""

    list_display = ["value", "claim", "issuer", "user", "created_at", "last_used_at"]
    list_filter = ["issuer", "claim"]
    search_fields = ["value", "user__username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    fields = ["user", "issuer", "claim", "value"]

    def get_changeform_initial_data(self, request):
        # The page a refused sign-in shows names the issuer, the claim and the value to copy.
        return {
            "issuer": settings.OIDC_ISSUER,
            "claim": settings.OIDC_IDENTITY_CLAIM,
            **super().get_changeform_initial_data(request),
        }

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        link = sso.link_identity(
            user=obj.user, issuer=obj.issuer, claim=obj.claim, value=obj.value, actor=request.user
        )
        obj.pk, obj.created_at = link.pk, link.created_at

    def delete_model(self, request, obj):
        sso.unlink_identity(link=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for link in queryset.select_related("user"):
            sso.unlink_identity(link=link, actor=request.user)
