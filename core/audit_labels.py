"""The audit trail's dotted codes and detail keys in words, for the history pages.

The codes themselves stay as written (they are part of each event's hash); only their display
is translated here. A code missing from the table is shown as it is, so a new event never
breaks a page.
"""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    # proposals
    "proposal.created": _("Draft started"),
    "proposal.saved": _("Draft saved"),
    "proposal.submitted": _("Submitted to DGA"),
    "proposal.returned": _("Returned for revision"),
    "proposal.withdrawn": _("Withdrawn by the agency"),
    "proposal.ineligible": _("Marked not eligible"),
    "proposal.forwarded": _("Forwarded to the committee"),
    "proposal.on_agenda": _("Placed on a meeting agenda"),
    "proposal.approved": _("Approved"),
    "proposal.approved_reduced": _("Approved with a reduced amount"),
    "proposal.rejected": _("Not approved"),
    "proposal.deferred": _("Deferred"),
    "proposal.approved_amount_changed": _("Approved amount changed"),
    "proposal.attachment_added": _("Document attached"),
    "proposal.attachment_removed": _("Document removed"),
    "proposal.attachment_downloaded": _("Document downloaded"),
    "proposal.draft_reminder": _("Draft reminder sent"),
    "proposal.imported": _("Imported from a workbook"),
    # screening
    "screening.reviewed": _("Screened"),
    "screening.reopened": _("Screening reopened"),
    "screening.assigned": _("Screener assigned"),
    "screening.distributed": _("Proposals distributed to screeners"),
    "screening.scored": _("Scores given"),
    "screening.second_assigned": _("Second screeners assigned"),
    "screening.reconciled": _("Screeners' scores reconciled"),
    "screening.reminders_sent": _("Screening reminders sent"),
    # Written before issue 15.1 (placements are now agenda.added); kept to read the old events.
    "screening.placed_on_agenda": _("Proposals placed on the agenda"),
    # committee
    "meeting.created": _("Meeting created"),
    "meeting.updated": _("Meeting details changed"),
    "meeting.opened": _("Meeting opened"),
    "meeting.closed": _("Meeting closed"),
    "meeting.reopened": _("Meeting reopened"),
    "attendance.marked": _("Attendance recorded"),
    "agenda.added": _("Added to the agenda"),
    "agenda.removed": _("Removed from the agenda"),
    "agenda.ordered": _("Agenda ordered by stage"),
    "agenda.moved": _("Agenda item moved"),
    "conflict.declared": _("Conflict of interest declared"),
    "vote.cast": _("Vote cast"),
    "resolution.recorded": _("Resolution recorded"),
    "resolution.changed": _("Resolution changed"),
    "agenda.information_added": _("Information item added to the agenda"),
    "agenda.information_removed": _("Information item removed from the agenda"),
    "frame.set": _("Budget frame set"),
    "scenario.suggested": _("Fit-to-frame suggestion made"),
    "scenario.adopted": _("Suggestion adopted"),
    # plans
    "plan.published": _("Plan version published"),
    "plan.downloaded": _("Plan downloaded"),
    "plan.export_requested": _("Plan file requested"),
    # execution (projects under way)
    "execution.projects_started": _("Projects under way started"),
    "report.created": _("Quarterly report started"),
    "report.saved": _("Quarterly report saved"),
    "report.submitted": _("Quarterly report submitted"),
    "report.resubmitted": _("Quarterly report submitted again"),
    "report.returned": _("Quarterly report returned for correction"),
    "report.accepted": _("Quarterly report accepted"),
    "report.reminders_sent": _("Report reminders sent"),
    "report.evidence_added": _("KPI evidence attached"),
    "report.evidence_removed": _("KPI evidence removed"),
    "report.evidence_downloaded": _("KPI evidence downloaded"),
    "progress.downloaded": _("Progress file downloaded"),
    "amendment.requested": _("Amendment requested"),
    "amendment.approved": _("Amendment approved"),
    "amendment.refused": _("Amendment refused"),
    # sign-in
    "auth.login": _("Signed in"),
    "auth.login_failed": _("Failed sign-in"),
    "auth.account_locked": _("Account locked after failed sign-ins"),
    "auth.account_unlocked": _("Account unlocked by an administrator"),
    "auth.two_factor_verified": _("Two-factor code accepted"),
    "auth.two_factor_failed": _("Wrong two-factor code"),
    "auth.two_factor_enrolled": _("Two-factor sign-in switched on"),
    "auth.two_factor_setup_refused": _("Two-factor enrolment refused (already enrolled)"),
    "auth.two_factor_step_refused": _("Page refused before the two-factor code"),
    "auth.two_factor_recovery_used": _("Recovery code used"),
    "auth.two_factor_recovery_failed": _("Wrong recovery code"),
    "auth.two_factor_recovery_renewed": _("New recovery codes issued"),
    "auth.two_factor_reset": _("Two-factor sign-in reset by an administrator"),
    "auth.two_factor_by_provider": _("Two-factor sign-in done at the identity provider"),
    "auth.sso_login": _("Signed in through the identity provider"),
    "auth.sso_refused": _("Sign-in through the identity provider refused"),
    "auth.sso_unknown_identity": _("Sign-in by an identity linked to no account"),
    "auth.sso_provisioned": _("Account created from a configured e-mail domain"),
    "auth.sso_identity_linked": _("Identity-provider account linked"),
    "auth.sso_identity_unlinked": _("Identity-provider account unlinked"),
    "demo.loaded": _("Demonstration data loaded"),
    # the API
    "api.token_created": _("API token created"),
    "api.token_revoked": _("API token revoked"),
    "api.token_used": _("API token used"),
    "api.token_refused": _("API token refused"),
}

DETAIL_LABELS = {
    "action": _("action"),
    "amount": _("amount (baht)"),
    "approved": _("approved (baht)"),
    "by": _("by"),
    "changed": _("changed fields"),
    "choice": _("vote"),
    "code": _("reference"),
    "direction": _("direction"),
    "fiscal_year": _("fiscal year"),
    "format": _("file format"),
    "from": _("previous status"),
    "item": _("agenda item"),
    "meeting": _("meeting"),
    "number": _("meeting"),
    "outcome": _("resolution"),
    "presence": _("attendance"),
    "previous": _("previous"),
    "proposal": _("proposal"),
    "left": _("recovery codes left"),
    "devices": _("authenticator devices removed"),
    "recovery": _("recovery code sets removed"),
    "step": _("sign-in step"),
    "path": _("page"),
    "proposed": _("proposed by the votes"),
    "reason": _("reason"),
    "recommendation": _("recommendation"),
    "recommended_amount": _("recommended amount (baht)"),
    "requested": _("requested (baht)"),
    "round": _("round"),
    "version": _("version"),
    "vote_withdrawn": _("vote withdrawn"),
}


def event_label(code: str) -> str:
    """The event in words, or the code itself when the table does not know it."""
    label = EVENT_LABELS.get(code)
    return str(label) if label is not None else code


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes")) if value else str(_("no"))
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return str(value)


def event_details(extra: dict) -> list[tuple[str, str]]:
    """The event's details as (label, value) pairs, blank ones left out."""
    rows = []
    for key, value in (extra or {}).items():
        if value in (None, "", [], {}):
            continue
        label = DETAIL_LABELS.get(key)
        rows.append((str(label) if label is not None else key, _value(value)))
    return rows


class HistoryRow:
    """One audit event as the history pages show it."""

    def __init__(self, event):
        self.event = event
        self.created_at = event.created_at
        self.actor = event.actor
        self.code = event.code
        self.label = event_label(event.code)
        self.details = event_details(event.extra)


def history_rows(events) -> list[HistoryRow]:
    """The events (fetched with ``select_related("actor")``) in time order, ready to show."""
    return [HistoryRow(event) for event in events]
