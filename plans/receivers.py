"""How the plans app keeps each round's summary (``RoundSummary``) true to the data.

- A meeting closes and its resolutions take effect (``committee.signals.resolutions_applied``,
  sent inside that transaction): the summaries of its rounds are made again in it.
- A publication makes its round's summary itself (``plans.services.publish_plan``).
- Any other save or deletion of a proposal, or save of a budget line, drops its round's summary
  (one statement in the writer's transaction, touching nothing when none is kept), and the next
  plan page view makes it again. A round's import (``proposals.signals.round_imported``: its
  proposals are created in bulk, without ``post_save``) drops it too. Budget lines are deleted
  only with their proposal's content, whose save drops the summary already; a receiver on their
  deletion would also turn each bulk deletion of lines into one query per line.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from committee.models import Meeting
from committee.signals import resolutions_applied
from proposals.models import BudgetLine, PlanRound, Proposal
from proposals.signals import round_imported

from .services import forget_round_summaries, keep_round_summary


@receiver(resolutions_applied, sender=Meeting)
def keep_summaries_of_the_meeting(sender, *, meeting: Meeting, **kwargs) -> None:
    keep_round_summary(PlanRound.objects.get(pk=meeting.round_id))


@receiver(post_save, sender=Proposal)
@receiver(post_delete, sender=Proposal)
def proposal_changed(sender, *, instance: Proposal, **kwargs) -> None:
    forget_round_summaries(round_id=instance.round_id)


@receiver(post_save, sender=BudgetLine)
def budget_line_changed(sender, *, instance: BudgetLine, **kwargs) -> None:
    forget_round_summaries(
        round_id__in=Proposal.objects.filter(pk=instance.proposal_id).values("round_id")
    )


@receiver(round_imported, sender=PlanRound)
def round_imported_in_bulk(sender, *, plan_round: PlanRound, **kwargs) -> None:
    forget_round_summaries(round_id=plan_round.pk)
