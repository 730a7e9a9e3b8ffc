"""How the plans app keeps each round's summary (``RoundSummary``) true to the data.

- A meeting closes and its resolutions take effect (``committee.signals.resolutions_applied``,
  sent inside that transaction): the summaries of its rounds are made again in it.
- A publication makes its round's summary itself (``plans.services.publish_plan``).
- Any other save or deletion of a proposal or budget line drops its round's summary (one
  statement in the writer's transaction), and the next plan page view makes it again.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from committee.models import Meeting
from committee.signals import resolutions_applied
from proposals.models import BudgetLine, PlanRound, Proposal

from .services import forget_round_summaries, keep_round_summary


@receiver(resolutions_applied, sender=Meeting)
def keep_summaries_of_the_meeting(sender, *, meeting: Meeting, **kwargs) -> None:
    for plan_round in PlanRound.objects.filter(proposals__agenda_items__meeting=meeting).distinct():
        keep_round_summary(plan_round)


@receiver(post_save, sender=Proposal)
@receiver(post_delete, sender=Proposal)
def proposal_changed(sender, *, instance: Proposal, **kwargs) -> None:
    forget_round_summaries(round_id=instance.round_id)


@receiver(post_save, sender=BudgetLine)
@receiver(post_delete, sender=BudgetLine)
def budget_line_changed(sender, *, instance: BudgetLine, **kwargs) -> None:
    forget_round_summaries(round__proposals=instance.proposal_id)
