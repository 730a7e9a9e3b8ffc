"""The execution permissions, role by report state, denials included."""

import pytest

from directory.roles import Role
from execution.models import Project, QuarterlyReport
from execution.permissions import (
    can_create_report,
    can_list_projects,
    can_take,
    can_view_progress,
    can_view_project,
    can_view_report,
)
from execution.workflow import Action, ReportStatus
from tests.execution.factories import make_projects
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db

ROLES = ["own", "other_agency", "screener", "secretary", "committee", "budget", "admin"]
STATES = list(ReportStatus.values)


@pytest.fixture
def users():
    agency = make_agency()
    return {
        "own": make_user(Role.SUBMITTER, agency=agency),
        "other_agency": make_user(Role.SUBMITTER, agency=make_agency()),
        "screener": make_user(Role.SCREENER),
        "secretary": make_user(Role.SECRETARY),
        "committee": make_user(Role.COMMITTEE),
        "budget": make_user(Role.BUDGET_OFFICE),
        "admin": make_user(Role.ADMIN),
    }


@pytest.fixture
def project(users):
    make_projects(agencies=[users["own"].agency])
    return Project.objects.get()


def report_in(project, state, sent=True):
    from django.utils import timezone

    return QuarterlyReport(
        project=project, fiscal_year=2569, quarter=1, status=state,
        submitted_at=timezone.now() if sent else None,
    )  # fmt: skip


# (action, role) → the states in which it is allowed; every other pair is refused.
ALLOWED = {
    (Action.EDIT, "own"): {ReportStatus.DRAFT, ReportStatus.RETURNED},
    (Action.SUBMIT, "own"): {ReportStatus.DRAFT, ReportStatus.RETURNED},
    (Action.ACCEPT, "screener"): {ReportStatus.SUBMITTED},
    (Action.RETURN, "screener"): {ReportStatus.SUBMITTED},
    (Action.ACCEPT, "admin"): {ReportStatus.SUBMITTED},
    (Action.RETURN, "admin"): {ReportStatus.SUBMITTED},
}


@pytest.mark.parametrize("action", list(Action.values))
def test_the_whole_table_of_actions(users, project, action):
    for role in ROLES:
        for state in STATES:
            decision = can_take(users[role], report_in(project, state), action)
            expected = state in ALLOWED.get((action, role), set())
            assert bool(decision) is expected, (action, role, state)
            if not expected:
                assert decision.reason


def test_anonymous_may_do_nothing(project):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    for action in Action.values:
        assert not can_take(anonymous, report_in(project, ReportStatus.SUBMITTED), action)
    assert not can_view_project(anonymous, project)
    assert not can_view_progress(anonymous)
    assert not can_list_projects(anonymous)


def test_who_sees_the_project_and_the_progress(users, project):
    readers = {"screener", "secretary", "committee", "budget", "admin"}
    for role in ROLES:
        assert can_view_project(users[role], project) is (role in readers | {"own"}), role
        assert can_view_progress(users[role]) is (role in readers), role
        assert can_list_projects(users[role]), role  # a submitter lists its own agency's
        assert bool(can_create_report(users[role], project)) is (role == "own"), role


def test_a_draft_never_sent_is_the_agencys_own(users, project):
    draft = report_in(project, ReportStatus.DRAFT, sent=False)
    returned = report_in(project, ReportStatus.RETURNED)
    for role in ROLES:
        assert can_view_report(users[role], draft) is (role == "own"), role
        expected = role not in ("other_agency",)
        assert can_view_report(users[role], returned) is expected, role
