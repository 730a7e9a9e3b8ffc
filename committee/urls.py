from django.urls import path

from . import frame_views, views

app_name = "committee"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("agenda/place/", views.place_from_inbox, name="place_from_inbox"),
    path("<int:pk>/", views.meeting_detail, name="meeting"),
    path("<int:pk>/state.json", views.meeting_state, name="state"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/open/", views.meeting_open, name="open"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/agenda/", views.agenda, name="agenda"),
    path("<int:pk>/items/<int:item_pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/items/<int:item_pk>/conflict/", views.conflict, name="conflict"),
    path("<int:pk>/items/<int:item_pk>/resolution/", views.resolution, name="resolution"),
    path("<int:pk>/approve-recommended/", views.approve_recommended, name="approve_recommended"),
    path("<int:pk>/close/", views.meeting_close, name="close"),
    path("<int:pk>/reopen/", views.meeting_reopen, name="reopen"),
    path("<int:pk>/minutes.pdf", views.minutes_pdf, name="minutes"),
    path("<int:pk>/history/", views.meeting_history, name="history"),
    # The budget frame and the fit-to-frame suggestion (frame_views).
    path("frame/<int:year>/", frame_views.frame_edit, name="frame"),
    path("<int:pk>/frame.json", frame_views.frame_state, name="frame_state"),
    path("<int:pk>/scenario/", frame_views.scenario, name="scenario"),
    path("<int:pk>/scenario.json", frame_views.scenario_json, name="scenario_json"),
    path("<int:pk>/scenario/adopt/", frame_views.scenario_adopt, name="scenario_adopt"),
]
