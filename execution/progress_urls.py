"""The progress dashboard and its files, under the plan's address: /plans/<BE year>/progress/."""

from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    path("<int:year>/progress/", views.progress_dashboard, name="dashboard"),
    path("<int:year>/progress/to-agenda/", views.progress_to_agenda, name="to_agenda"),
    path("<int:year>/progress.csv", views.progress_csv, name="csv"),
    path("<int:year>/progress.xlsx", views.progress_xlsx, name="xlsx"),
    path("<int:year>/progress.json", views.progress_json, name="json"),
    path("<int:year>/progress.pdf", views.progress_pdf, name="pdf"),
]
