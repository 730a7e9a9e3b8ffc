from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_index, name="index"),
    path("<int:year>/", views.plan_detail, name="detail"),
    path("<int:year>/agencies/", views.plan_agencies, name="agencies"),
    path("<int:year>/projects/<str:code>/", views.plan_project, name="project"),
    path("<int:year>/publish/", views.plan_publish, name="publish"),
    path("<int:year>/compare/", views.plan_compare, name="compare"),
    path(
        "<int:year>/plan.xlsx", views.plan_download, {"file_format": "xlsx"}, name="download_xlsx"
    ),
    path("<int:year>/plan.pdf", views.plan_download, {"file_format": "pdf"}, name="download_pdf"),
    path("<int:year>/plan.csv", views.plan_download, {"file_format": "csv"}, name="download_csv"),
    path(
        "<int:year>/plan.json", views.plan_download, {"file_format": "json"}, name="download_json"
    ),
    path("<int:year>/datapackage.zip", views.plan_datapackage, name="datapackage"),
    path("<int:year>/exports/<int:pk>/", views.export_status, name="export_status"),
    path(
        "<int:year>/exports/<int:pk>/progress.json",
        views.export_progress,
        name="export_progress",
    ),
    path("<int:year>/exports/<int:pk>/download", views.export_download, name="export_download"),
]
