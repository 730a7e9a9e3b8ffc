"""Who may see a project under way and act on its reports: pure functions of (user, object).

"Which state, which role" comes from the workflow table (``workflow.TRANSITIONS``); agencies
act only on their own projects. A check returns a ``Decision`` carrying the reason for a no.
"""

from django.utils.translation import gettext as _

from directory.models import User
from directory.roles import PROGRESS_READERS, PROJECT_STARTERS, REPORT_REVIEWERS, Role
from proposals.permissions import ALLOWED, Decision, role_refused

from .models import Amendment, AmendmentStatus, Project, QuarterlyReport
from .workflow import AGENCY, TRANSITIONS


def is_own_agency(user: User, project: Project) -> bool:
    """A submitter of the project's agency."""
    return (
        user.is_authenticated
        and user.has_role(Role.SUBMITTER)
        and user.agency_id is not None
        and user.agency_id == project.agency_id
    )


def can_view_progress(user: User) -> bool:
    """The dashboard and its files: DGA, the committee and the Bureau of the Budget."""
    return user.is_authenticated and user.has_role(*PROGRESS_READERS)


def can_list_projects(user: User) -> bool:
    return user.is_authenticated and (user.has_role(Role.SUBMITTER) or can_view_progress(user))


def can_view_project(user: User, project: Project) -> bool:
    """Its own agency, and every reader of the progress; never another agency."""
    return is_own_agency(user, project) or can_view_progress(user)


def can_review_reports(user: User) -> bool:
    """The list of reports to review and of overdue ones: DGA's screeners."""
    return user.is_authenticated and user.has_role(*REPORT_REVIEWERS)


def can_start_projects(user: User) -> bool:
    return user.is_authenticated and user.has_role(*PROJECT_STARTERS)


def can_create_report(user: User, project: Project) -> Decision:
    if not is_own_agency(user, project):
        return Decision(False, _("Only the project's own agency reports on it."))
    return ALLOWED


def can_take(user: User, report: QuarterlyReport, action: str) -> Decision:
    """May ``user`` take ``action`` on ``report`` now, by the table (and, for the agency's
    actions, only on its own project)?"""
    sources, _target, roles = TRANSITIONS[action]
    if not user.is_authenticated or not (user.roles & roles):
        return role_refused()
    if roles == AGENCY and not is_own_agency(user, report.project):
        return Decision(False, _("Only the project's own agency reports on it."))
    if report.status not in sources:
        return Decision(
            False,
            _("This report is “%(status)s”; it cannot be changed that way now.")
            % {"status": report.get_status_display()},
        )
    return ALLOWED


def can_view_report(user: User, report: QuarterlyReport) -> bool:
    """A draft is the agency's own until it is submitted; the rest as the project."""
    if is_own_agency(user, report.project):
        return True
    return can_view_progress(user) and report.submitted_at is not None


# --- amendments -----------------------------------------------------------------------------


def can_request_amendment(user: User, project: Project) -> Decision:
    """Only the project's own agency asks to amend it (one request awaiting a decision at a
    time: the service checks that under its lock)."""
    if not is_own_agency(user, project):
        return Decision(False, _("Only the project's own agency can ask to amend it."))
    return ALLOWED


def can_decide_amendments(user: User) -> bool:
    """The list of amendments and the decisions: DGA's screeners."""
    return user.is_authenticated and user.has_role(*REPORT_REVIEWERS)


def can_decide_amendment(user: User, amendment: Amendment) -> Decision:
    if not can_decide_amendments(user):
        return role_refused()
    if amendment.status != AmendmentStatus.PENDING:
        return Decision(
            False,
            _("This amendment is “%(status)s”; it has been decided already.")
            % {"status": amendment.get_status_display()},
        )
    return ALLOWED


def can_view_amendment(user: User, amendment: Amendment) -> bool:
    """The project's own agency and every reader of the progress."""
    return can_view_project(user, amendment.project)
