"""The quarterly report's states and who may move it between them: one table.

An agency keeps a draft, submits it; DGA accepts it or returns it with comments; the agency
corrects a returned report and submits it again (every submission is kept as a version).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.roles import REPORT_REVIEWERS, Role


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")


class ProgressStatus(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    DELAYED = "delayed", _("Delayed")


class Action(models.TextChoices):
    EDIT = "edit", _("Edit")
    SUBMIT = "submit", _("Submit")
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Return for correction")


# The agency's own submitters act on their reports; a reviewer acts on any submitted one.
AGENCY = frozenset({Role.SUBMITTER})

# action → (the states it starts from, the state it leads to (None: unchanged), who may take it)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None, frozenset[str]]] = {
    Action.EDIT: (frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED}), None, AGENCY),
    Action.SUBMIT: (
        frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED}),
        ReportStatus.SUBMITTED,
        AGENCY,
    ),
    Action.ACCEPT: (frozenset({ReportStatus.SUBMITTED}), ReportStatus.ACCEPTED, REPORT_REVIEWERS),
    Action.RETURN: (frozenset({ReportStatus.SUBMITTED}), ReportStatus.RETURNED, REPORT_REVIEWERS),
}
AGENCY_ACTIONS = frozenset(a for a, (_s, _t, roles) in TRANSITIONS.items() if roles == AGENCY)
# Reports that count on the dashboard and in the files: sent to DGA and not sent back.
COUNTED = frozenset({ReportStatus.SUBMITTED, ReportStatus.ACCEPTED})
