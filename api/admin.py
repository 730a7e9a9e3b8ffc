"""API tokens in Django's admin: a new token is shown once, on the page that follows its
creation, and never again; tokens are revoked, never edited or deleted (the audit names them)."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import ApiToken, TokenScope


class ApiTokenCreationForm(forms.ModelForm):
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=services.MAX_EXPIRY_DAYS,
        required=False,
        help_text=_("Leave empty for a token that does not expire."),
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scope"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "scope", "created_at", "expires_at", "revoked_at",
                    "last_used_at"]  # fmt: skip
    list_filter = ["scope"]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = ["user", "name", "prefix", "scope", "created_at", "created_by",
                       "expires_at", "revoked_at", "revoked_by", "last_used_at"]  # fmt: skip
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "scope", "expires_in_days"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing of a token is edited; revoke it instead
        issued = services.create_api_token(
            actor=request.user,
            user=form.cleaned_data["user"],
            scope=form.cleaned_data.get("scope") or TokenScope.READ,
            name=form.cleaned_data.get("name") or "",
            expires_in_days=form.cleaned_data.get("expires_in_days"),
        )
        obj.pk = issued.token.pk
        obj._secret = issued.secret

    def save_related(self, request, form, formsets, change):
        pass  # no relations of its own; the service saved the row

    def log_addition(self, request, obj, message):
        pass  # the audit chain has api.token_created

    def response_add(self, request, obj, post_url_continue=None):
        """The token, once: it is rendered into this response only, never stored."""
        token = ApiToken.objects.select_related("user").get(pk=obj.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "token": token,
            "secret": obj._secret,
            "title": _("API token created"),
        }
        return TemplateResponse(request, "admin/api/apitoken/created.html", context)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke_api_token(token_id=token.pk, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
