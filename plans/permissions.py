"""Who may read, download and publish the consolidated plan. Pure functions of the user."""

from directory.models import User
from directory.roles import PLAN_PUBLISHERS, PLAN_READERS


def can_view_plan(user: User) -> bool:
    return user.has_role(*PLAN_READERS)


def can_download_plan(user: User) -> bool:
    return can_view_plan(user)


def can_publish_plan(user: User) -> bool:
    return user.has_role(*PLAN_PUBLISHERS)
