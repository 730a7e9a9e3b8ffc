"""The navigation bar: which sections the signed-in user's roles open.

It names every app's section, so it lives at the top of the layering (not in ``core``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from directory.roles import MEETING_ROLES, PLAN_READERS, PROGRESS_READERS, SCREENING_READERS, Role

_SECTIONS = [
    ("proposals:list", _("My agency's proposals"), {Role.SUBMITTER}),
    ("screening:inbox", _("Screening"), SCREENING_READERS),
    ("committee:list", _("Meetings"), MEETING_ROLES),
    ("plans:index", _("Plans"), PLAN_READERS),
    ("execution:projects", _("Projects under way"), {Role.SUBMITTER, *PROGRESS_READERS}),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    sections = [
        {"url": reverse(name), "label": label, "active": request.path.startswith(reverse(name))}
        for name, label, roles in _SECTIONS
        if user.has_role(*roles)
    ]
    return {"nav_sections": sections}
