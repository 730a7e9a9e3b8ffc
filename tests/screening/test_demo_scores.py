"""The demo: the open round is scored, two screeners on part of it, with agreement figures,
a disagreement to reconcile, one reconciled, and overdue screening tasks."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from budgetscreen.demo import load_demo
from directory.models import User
from proposals.models import PlanRound
from screening.models import Reconciliation, ScoreSheet, ScoreSummary, ScreeningAssignment
from screening.selectors import get_agreement, proposal_scores

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 11, 30, 9, 0))


def test_the_demo_round_is_scored_by_two_screeners_on_part_of_it(settings):
    settings.DEMO_DATA = True
    load_demo(now=NOW)
    plan_round = PlanRound.objects.order_by("-fiscal_year").first()
    sheets = ScoreSheet.objects.filter(proposal__round=plan_round)
    screeners = set(sheets.values_list("screener__username", flat=True))
    assert screeners == {"screener", "screener2"}
    twice = {pk for pk in sheets.values_list("proposal_id", flat=True)
             if sheets.filter(proposal_id=pk).count() == 2}  # fmt: skip
    once = set(sheets.values_list("proposal_id", flat=True)) - twice
    assert twice and once  # part of the round, not all of it
    assert Reconciliation.objects.filter(proposal__round=plan_round).count() == 1
    assert ScoreSummary.objects.filter(proposal__round=plan_round, flagged=True).count() == 1
    assert ScoreSummary.objects.filter(proposal__round=plan_round, blind=True).exists()
    scores = proposal_scores(sheets.values_list("proposal_id", flat=True))
    assert all(score.mean is not None for score in scores.values())
    agreement = get_agreement(plan_round)
    assert agreement.double_scored == len(twice)
    assert agreement.overall.alpha is not None
    today = timezone.localdate(NOW)
    assert ScreeningAssignment.objects.filter(
        proposal__round=plan_round, completed_at__isnull=True, due_date__lt=today
    ).exists()
    client = Client()
    client.force_login(User.objects.get(username="screener"))
    board = client.get(reverse("screening:dashboard"), {"round": plan_round.fiscal_year})
    assert board.status_code == 200 and board.context["overdue"]
    # loading again adds nothing
    assert "score sheet" not in load_demo(now=NOW)
