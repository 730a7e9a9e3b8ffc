from django.shortcuts import render

from .models import Notification


def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.user)[:100]
    return render(request, "core/notification_list.html", {"notifications": notifications})
