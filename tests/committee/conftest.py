import pytest
from django.utils import translation

from .factories import make_setup


@pytest.fixture(autouse=True)
def english():
    """Service messages are matched in English here; test_views checks the Thai ones."""
    with translation.override("en"):
        yield


@pytest.fixture
def setup(db):
    """A meeting of a committee with a chair and four voting members (five voters)."""
    return make_setup()
