"""The navigation bar: which sections the signed-in user's roles open."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from directory.roles import Role

_SECTIONS = [
    ("proposals:list", _("My agency's proposals"), {Role.SUBMITTER}),
    ("screening:inbox", _("Screening"), {Role.SCREENER, Role.SECRETARY, Role.ADMIN}),
    ("committee:list", _("Meetings"), {Role.SECRETARY, Role.COMMITTEE, Role.SCREENER, Role.ADMIN}),
    ("plans:index", _("Plans"), set(Role.values) - {Role.SUBMITTER}),
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
