from django.urls import path

from . import amendment_views, views

app_name = "execution"

urlpatterns = [
    path("", views.project_list, name="projects"),
    path("reviews/", views.review_list, name="reviews"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path(
        "reports/<int:pk>/evidence/<int:evidence_pk>/",
        views.evidence_download,
        name="evidence",
    ),
    path(
        "projects/<int:pk>/amendments/new/",
        amendment_views.amendment_create,
        name="amendment_create",
    ),
    path("amendments/", amendment_views.amendment_list, name="amendments"),
    path("amendments/<int:pk>/", amendment_views.amendment_detail, name="amendment"),
    path("amendments/<int:pk>/decide/", amendment_views.amendment_decide, name="amendment_decide"),
]
