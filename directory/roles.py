"""The roles of PRODUCT.md §2 (each is a Django group of the same name), and every set of roles
the apps check: one place, so that "who may" is read here and in the workflow table only."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SUBMITTER = "submitter", _("Agency submitter")
    SCREENER = "screener", _("DGA screener")
    SECRETARY = "secretary", _("Committee secretary")
    COMMITTEE = "committee", _("Committee member")
    BUDGET_OFFICE = "budget_office", _("Bureau of the Budget")
    ADMIN = "admin", _("System administrator")


# DGA staff see every proposal (and its audit history); they also keep the agendas.
STAFF_ROLES = frozenset({Role.SCREENER, Role.SECRETARY, Role.ADMIN})
# Read every proposal once its agency has sent it: DGA staff and the committee.
PROPOSAL_READERS = frozenset({*STAFF_ROLES, Role.COMMITTEE})
# Screen proposals: return, mark not eligible, forward, reopen; assign the work.
SCREENERS = frozenset({Role.SCREENER, Role.ADMIN})
# Open the screening pages: screeners, and the secretary preparing meetings.
SCREENING_READERS = STAFF_ROLES
# Decide proposals on an agenda (approve, reduce, reject, defer).
DECIDERS = frozenset({Role.SECRETARY, Role.COMMITTEE, Role.ADMIN})
# Put proposals on a meeting's agenda and take them off it.
AGENDA_KEEPERS = STAFF_ROLES
# The meeting pages.
MEETING_ROLES = frozenset({Role.SECRETARY, Role.COMMITTEE, Role.SCREENER, Role.ADMIN})
# The consolidated plan: read it, publish it.
PLAN_READERS = frozenset(set(Role) - {Role.SUBMITTER})
PLAN_PUBLISHERS = frozenset({Role.SECRETARY, Role.ADMIN})
# Accounts that must enrol in two-factor sign-in when TWO_FACTOR_REQUIRED is on.
TWO_FACTOR_ROLES = frozenset({Role.SCREENER, Role.SECRETARY, Role.COMMITTEE, Role.ADMIN})
# Projects under way (execution): review the agencies' quarterly reports; read the progress
# dashboard and its files; start the follow-up of a published plan.
REPORT_REVIEWERS = SCREENERS
PROGRESS_READERS = PLAN_READERS
PROJECT_STARTERS = PLAN_PUBLISHERS
