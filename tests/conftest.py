import uuid

import pytest

from directory.roles import Role
from tests.browser_support import chromium, new_page  # noqa: F401  (fixtures for every test)
from tests.factories import make_agency, make_user


@pytest.fixture
def submitter(db):
    return make_user(Role.SUBMITTER, agency=make_agency(), username="t_submitter")


@pytest.fixture
def other_submitter(db):
    return make_user(Role.SUBMITTER, agency=make_agency(), username="t_submitter_other")


@pytest.fixture
def screener(db):
    return make_user(Role.SCREENER, username="t_screener")


@pytest.fixture
def secretary(db):
    return make_user(Role.SECRETARY, username="t_secretary")


@pytest.fixture
def member(db):
    return make_user(Role.COMMITTEE, username="t_member")


@pytest.fixture
def budget_officer(db):
    return make_user(Role.BUDGET_OFFICE, username="t_budget")


@pytest.fixture(scope="session")
def _audit_anchor_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("audit-anchors")


@pytest.fixture(autouse=True)
def audit_anchors(settings, monkeypatch, _audit_anchor_dir):
    """Each test appends audit anchors to a file of its own (created when first written).

    Servers and workers that a test starts get the same file and key through the environment,
    so that they never sign with the demo's key nor write into the demo's anchors file."""
    settings.AUDIT_ANCHOR_PATH = _audit_anchor_dir / f"{uuid.uuid4().hex}.jsonl"
    monkeypatch.setenv("AUDIT_ANCHOR_PATH", str(settings.AUDIT_ANCHOR_PATH))
    monkeypatch.setenv("AUDIT_KEY", settings.AUDIT_KEY)
    return settings.AUDIT_ANCHOR_PATH
