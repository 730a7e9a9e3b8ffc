import os

import pytest

from directory.roles import Role
from plans.services import publish_plan
from tests.factories import make_user

from .factories import make_plan

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def plan(db):
    return make_plan()


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="t_admin")


@pytest.fixture
def published(plan, secretary):
    """Version 1 of the plan, published by the secretary."""
    return publish_plan(plan_round=plan.plan_round, actor=secretary, note="first")


@pytest.fixture
def readers(budget_officer, screener, secretary, member, admin_user):
    return [budget_officer, screener, secretary, member, admin_user]
