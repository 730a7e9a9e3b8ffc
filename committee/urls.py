from django.urls import path

from . import views

app_name = "committee"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("<int:pk>/", views.meeting_detail, name="meeting"),
]
