from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_index, name="index"),
    path("<int:year>/", views.plan_detail, name="detail"),
]
