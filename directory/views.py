"""Suggestions for the agency picker (directory.forms.AgencyPicker)."""

from django.db.models import Q
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .models import Agency

MAX_SUGGESTIONS = 20
MAX_TERMS = 5


@require_GET
def agency_suggestions(request):
    """Up to 20 agencies whose name, abbreviation or code holds every typed term, by Thai name.

    ``?q=`` the typed text; ``?ministry=`` a ministry code narrows the list. Agency names are
    public, so any signed-in person may ask.
    """
    text = request.GET.get("q", "").replace("\x00", "")[:100]
    agencies = Agency.objects.select_related("ministry").order_by("name_th")
    ministry = request.GET.get("ministry", "").replace("\x00", "").strip()
    if ministry:
        agencies = agencies.filter(ministry__code=ministry[:32])
    for term in text.split()[:MAX_TERMS]:
        agencies = agencies.filter(
            Q(name_th__icontains=term)
            | Q(name_en__icontains=term)
            | Q(abbreviation__icontains=term)
            | Q(code__icontains=term)
        )
    return JsonResponse(
        {
            "agencies": [
                {
                    "value": agency.name,
                    "label": " · ".join(
                        part
                        for part in (agency.abbreviation, agency.ministry and agency.ministry.name)
                        if part
                    ),
                    "code": agency.code,
                }
                for agency in agencies[:MAX_SUGGESTIONS]
            ]
        }
    )
