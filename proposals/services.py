"""Every write to a proposal goes through a function here (or in a higher app's services)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event
from core.notifications import notify_users
from directory.models import User
from directory.roles import Role

from .models import Proposal, StatusChange
from .workflow import TRANSITIONS


class ProposalError(Exception):
    """A domain rule refused the change; the message is meant for the user."""


def notify_agency(proposal, *, subject, body=""):
    """Tell every active submitter of the proposal's agency (in-app and by e-mail)."""
    recipients = User.objects.filter(
        agency_id=proposal.agency_id, is_active=True, groups__name=Role.SUBMITTER
    ).distinct()
    notify_users(recipients, subject=subject, body=body, link=proposal.get_absolute_url())


def apply_transition(*, proposal, action, actor, reason="", extra=None, check_role=True) -> Proposal:
    """Move a locked proposal along the workflow table.

    Preconditions: called inside ``transaction.atomic()`` with ``proposal`` fetched through
    ``select_for_update()``. Effects: status, a timeline row, an audit event
    ``proposal.<target status>``, and a notification to the agency after commit.
    Raises ``ProposalError`` when the table does not allow the move, the actor's role may not
    make it, or a required reason is missing.
    """
    transition = TRANSITIONS[action]
    if proposal.status not in transition.sources:
        raise ProposalError(
            _("This proposal is “%(status)s”; it cannot be changed that way now.")
            % {"status": proposal.get_status_display()}
        )
    if check_role and not (actor.roles & transition.roles):
        raise ProposalError(_("Your role may not do this."))
    if transition.reason_required and not reason.strip():
        raise ProposalError(_("Please give a reason."))
    previous = proposal.status
    now = timezone.now()
    proposal.status = transition.target
    proposal.updated_at = now
    fields = ["status", "updated_at"]
    if transition.target == "submitted" and action == "submit":
        proposal.submitted_at = now
        fields.append("submitted_at")
    proposal.save(update_fields=fields)
    StatusChange.objects.create(
        proposal=proposal,
        from_status=previous,
        to_status=proposal.status,
        actor=actor,
        reason=reason,
        created_at=now,
    )
    record_event(
        f"proposal.{proposal.status}",
        actor=actor,
        target=proposal,
        extra={"from": previous, "action": action, "reason": reason, **(extra or {})},
    )
    notify_agency(
        proposal,
        subject=_("%(code)s: %(status)s") % {"code": proposal.code, "status": proposal.get_status_display()},
        body=reason,
    )
    return proposal


def lock_proposal(pk) -> Proposal:
    """Fetch a proposal for update (use inside transaction.atomic())."""
    return Proposal.objects.select_for_update().get(pk=pk)


def transition_proposal(*, proposal_id, action, actor, reason="", extra=None) -> Proposal:
    """Lock, move and save in one transaction: the convenience most callers want."""
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        return apply_transition(
            proposal=proposal, action=action, actor=actor, reason=reason, extra=extra
        )
