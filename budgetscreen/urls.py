from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from core import views_twofactor

from . import views

admin.site.site_header = "budgetscreen"
admin.site.site_title = "budgetscreen"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", views_twofactor.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", views_twofactor.two_factor_setup, name="two_factor_setup"),
    path(
        "accounts/two-factor/recovery/",
        views_twofactor.two_factor_recovery,
        name="two_factor_recovery",
    ),
    path(
        "accounts/two-factor/recovery-codes/",
        views_twofactor.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("accounts/oidc/", include("core.urls_oidc")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("notifications/", include("core.urls")),
    path("directory/", include("directory.urls")),
    path("proposals/", include("proposals.urls")),
    path("screening/", include("screening.urls")),
    path("meetings/", include("committee.urls")),
    path("plans/", include("plans.urls")),
    path("plans/", include("execution.progress_urls")),
    path("execution/", include("execution.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "budgetscreen.views.permission_denied"
handler404 = "budgetscreen.views.page_not_found"
handler500 = "budgetscreen.views.server_error"
