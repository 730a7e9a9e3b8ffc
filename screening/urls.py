from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("mine/", views.my_queue, name="mine"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("duplicates/", views.duplicate_clusters, name="duplicates"),
    path("assign/", views.bulk_assign, name="bulk_assign"),
    path("distribute/", views.distribute, name="distribute"),
    path("import/", views.round_import, name="round_import"),
    path("second/", views.second_screening, name="second_screening"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/scores/", views.submit_scores, name="submit_scores"),
    path("<int:pk>/reconcile/", views.reconcile, name="reconcile"),
    path("<int:pk>/compare/<int:other_pk>/", views.compare, name="compare"),
]
