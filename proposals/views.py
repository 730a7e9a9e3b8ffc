from django.shortcuts import render

from directory.permissions import role_required
from directory.roles import Role

from .selectors import get_open_round, get_proposal_for, visible_proposals


@role_required(Role.SUBMITTER)
def proposal_list(request):
    proposals = (
        visible_proposals(request.user)
        .select_related("round", "stage")
        .order_by("-round__fiscal_year", "-updated_at")
    )
    return render(
        request,
        "proposals/proposal_list.html",
        {"proposals": proposals, "open_round": get_open_round()},
    )


def proposal_detail(request, pk):
    proposal = get_proposal_for(request.user, pk)
    return render(request, "proposals/proposal_detail.html", {"proposal": proposal})
