"""Who may read, download and publish the consolidated plan. Pure functions of the user."""

from directory.roles import Role

PLAN_READERS = (Role.BUDGET_OFFICE, Role.SCREENER, Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)
PLAN_PUBLISHERS = (Role.SECRETARY, Role.ADMIN)


def can_view_plan(user) -> bool:
    return user.has_role(*PLAN_READERS)


def can_download_plan(user) -> bool:
    return can_view_plan(user)


def can_publish_plan(user) -> bool:
    return user.has_role(*PLAN_PUBLISHERS)
