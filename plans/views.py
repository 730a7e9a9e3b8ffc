from django.shortcuts import get_object_or_404, render

from directory.permissions import role_required
from directory.roles import Role
from proposals.models import PlanRound

from .selectors import get_plan_summary

PLAN_ROLES = (Role.BUDGET_OFFICE, Role.SCREENER, Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)


@role_required(*PLAN_ROLES)
def plan_index(request):
    rounds = PlanRound.objects.order_by("-fiscal_year")
    return render(request, "plans/plan_index.html", {"rounds": rounds})


@role_required(*PLAN_ROLES)
def plan_detail(request, year):
    plan_round = get_object_or_404(PlanRound, fiscal_year=year)
    return render(request, "plans/plan_detail.html", {"summary": get_plan_summary(plan_round)})
