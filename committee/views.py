from django.shortcuts import get_object_or_404, render

from directory.permissions import role_required
from directory.roles import Role

from .models import Meeting

MEETING_ROLES = (Role.SECRETARY, Role.COMMITTEE, Role.SCREENER, Role.ADMIN)


@role_required(*MEETING_ROLES)
def meeting_list(request):
    meetings = Meeting.objects.select_related("committee", "round").order_by("-date")
    return render(request, "committee/meeting_list.html", {"meetings": meetings})


@role_required(*MEETING_ROLES)
def meeting_detail(request, pk):
    meeting = get_object_or_404(Meeting.objects.select_related("committee", "round"), pk=pk)
    return render(request, "committee/meeting_detail.html", {"meeting": meeting})
