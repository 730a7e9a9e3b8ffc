from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import views
from .docs import DocsView

app_name = "api"

urlpatterns = [
    path("", views.RootView.as_view(), name="root"),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", login_required(DocsView.as_view(url_name="api:schema")), name="docs"),
    path("rounds/", views.RoundListView.as_view(), name="rounds"),
    path("rounds/<int:year>/", views.RoundDetailView.as_view(), name="round"),
    path("reference/", views.ReferenceView.as_view(), name="reference"),
    path("agencies/", views.AgencyListView.as_view(), name="agencies"),
    path("proposals/", views.ProposalListView.as_view(), name="proposals"),
    path("proposals/<int:pk>/", views.ProposalDetailView.as_view(), name="proposal"),
    path("proposals/<int:pk>/submit/", views.ProposalSubmitView.as_view(), name="proposal_submit"),
    path(
        "proposals/<int:pk>/attachments/",
        views.ProposalAttachmentView.as_view(),
        name="proposal_attachments",
    ),
    path("plans/", views.PlanVersionListView.as_view(), name="plans"),
    path("plans/<int:year>/", views.PlanDetailView.as_view(), name="plan"),
    path("plans/<int:year>/progress/", views.PlanProgressView.as_view(), name="plan_progress"),
    path("<path:rest>", views.NotFoundView.as_view(), name="not_found"),
]
