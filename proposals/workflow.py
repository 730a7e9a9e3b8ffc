"""The proposal's states and the transitions between them: one table, one place.

Services (``proposals.services`` and the services of higher apps) look transitions up here;
nothing else decides which move is allowed or who may make it.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.roles import AGENDA_KEEPERS, DECIDERS, SCREENERS, Role


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting screening")
    RETURNED = "returned", _("Returned for revision")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    INELIGIBLE = "ineligible", _("Not eligible")
    FORWARDED = "forwarded", _("Forwarded to the committee")
    ON_AGENDA = "on_agenda", _("On a meeting agenda")
    APPROVED = "approved", _("Approved")
    APPROVED_REDUCED = "approved_reduced", _("Approved with a reduced amount")
    REJECTED = "rejected", _("Not approved")
    DEFERRED = "deferred", _("Deferred")


# States in which the agency may still change the proposal's content.
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
# States the screening inbox shows (everything an agency has sent to DGA).
SENT_TO_DGA = frozenset(set(Status) - {Status.DRAFT})
# States counted as approved in the plan.
APPROVED_STATES = frozenset({Status.APPROVED, Status.APPROVED_REDUCED})
# States that end the proposal's life in its round.
FINAL = frozenset({Status.WITHDRAWN, Status.INELIGIBLE, *APPROVED_STATES, Status.REJECTED})


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    WITHDRAW = "withdraw", _("Withdraw")
    RETURN = "return", _("Return for revision")
    MARK_INELIGIBLE = "mark_ineligible", _("Mark not eligible")
    FORWARD = "forward", _("Forward to the committee")
    RECONSIDER = "reconsider", _("Reopen screening")
    PLACE_ON_AGENDA = "place_on_agenda", _("Place on an agenda")
    REMOVE_FROM_AGENDA = "remove_from_agenda", _("Remove from the agenda")
    APPROVE = "approve", _("Approve")
    APPROVE_REDUCED = "approve_reduced", _("Approve with a reduced amount")
    REJECT = "reject", _("Not approve")
    DEFER = "defer", _("Defer")


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    roles: frozenset
    reason_required: bool = False


# The roles of each move come from directory.roles, where every role set is kept.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(Action.SUBMIT, frozenset({Status.DRAFT, Status.RETURNED}), Status.SUBMITTED,
                   frozenset({Role.SUBMITTER})),
        Transition(Action.WITHDRAW, frozenset({Status.DRAFT, Status.SUBMITTED, Status.RETURNED}),
                   Status.WITHDRAWN, frozenset({Role.SUBMITTER}), reason_required=True),
        Transition(Action.RETURN, frozenset({Status.SUBMITTED}), Status.RETURNED, SCREENERS,
                   reason_required=True),
        Transition(Action.MARK_INELIGIBLE, frozenset({Status.SUBMITTED}), Status.INELIGIBLE,
                   SCREENERS, reason_required=True),
        Transition(Action.FORWARD, frozenset({Status.SUBMITTED}), Status.FORWARDED, SCREENERS),
        Transition(Action.RECONSIDER, frozenset({Status.FORWARDED, Status.INELIGIBLE}),
                   Status.SUBMITTED, SCREENERS, reason_required=True),
        Transition(Action.PLACE_ON_AGENDA, frozenset({Status.FORWARDED, Status.DEFERRED}),
                   Status.ON_AGENDA, AGENDA_KEEPERS),
        Transition(Action.REMOVE_FROM_AGENDA, frozenset({Status.ON_AGENDA}), Status.FORWARDED,
                   AGENDA_KEEPERS),
        Transition(Action.APPROVE, frozenset({Status.ON_AGENDA}), Status.APPROVED, DECIDERS),
        Transition(Action.APPROVE_REDUCED, frozenset({Status.ON_AGENDA}), Status.APPROVED_REDUCED,
                   DECIDERS),
        Transition(Action.REJECT, frozenset({Status.ON_AGENDA}), Status.REJECTED, DECIDERS),
        Transition(Action.DEFER, frozenset({Status.ON_AGENDA}), Status.DEFERRED, DECIDERS),
    ]
}  # fmt: skip


def allowed_actions(status: str, roles) -> list[Transition]:
    """The transitions open from ``status`` to someone holding any of ``roles``."""
    return [t for t in TRANSITIONS.values() if status in t.sources and t.roles & set(roles)]
