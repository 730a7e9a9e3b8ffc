from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("agencies/suggestions/", views.agency_suggestions, name="agency_suggestions"),
]
