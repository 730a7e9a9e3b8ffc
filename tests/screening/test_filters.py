"""The inbox's text search reads digits written either way."""

import pytest

from proposals.models import Proposal
from tests.factories import make_proposal, make_round


@pytest.mark.django_db
def test_q_finds_digits_written_either_way():
    from screening.filters import ProposalFilter

    plan_round = make_round(2584, open_now=False)
    thai = make_proposal(plan_round=plan_round, title_th="แผนดิจิทัล ระยะที่ ๒")
    arabic = make_proposal(plan_round=plan_round, title_th="แผนดิจิทัล ระยะที่ 2")
    other = make_proposal(plan_round=plan_round, title_th="แผนดิจิทัล ระยะที่ 3")
    for query in ("ระยะที่ ๒", "ระยะที่ 2"):
        found = set(ProposalFilter({"q": query}, queryset=Proposal.objects.all()).qs)
        assert found == {thai, arabic}, query
    assert other not in found
