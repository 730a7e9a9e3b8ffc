from django.shortcuts import render

from directory.permissions import role_required
from directory.roles import Role
from proposals.models import Proposal
from proposals.workflow import SENT_TO_DGA


@role_required(Role.SCREENER, Role.SECRETARY, Role.ADMIN)
def inbox(request):
    proposals = (
        Proposal.objects.filter(status__in=SENT_TO_DGA)
        .select_related("agency", "stage", "round")
        .order_by("-round__fiscal_year", "code")[:50]
    )
    return render(request, "screening/inbox.html", {"proposals": proposals})
