"""The committee's rules as pure functions: quorum, majority, tie, amount, exact split."""

from decimal import Decimal

import pytest

from committee.models import Outcome
from committee.rules import (
    CastVote,
    Tally,
    has_quorum,
    item_quorum,
    propose_resolution,
    split_largest_remainder,
)

REQ = Decimal("1000000.00")


@pytest.mark.parametrize(
    ("present", "members", "met"),
    [
        (3, 6, True),  # exactly half is a quorum
        (2, 6, False),  # one short
        (3, 5, True),  # more than half of an odd committee
        (2, 5, False),  # 2/5 is less than half
        (1, 1, True),
        (0, 0, False),  # nobody left to decide
        (6, 6, True),
    ],
)
def test_quorum_is_at_least_half(present, members, met):
    assert has_quorum(present=present, members=members) is met


def test_conflicted_members_leave_the_count():
    voting = {1, 2, 3, 4, 5, 6}
    present = {1, 2, 3}
    assert item_quorum(voting_ids=voting, present_ids=present, conflicted_ids=set()).met
    # Member 1 (present) leaves: 2 present of 5 remaining: no quorum.
    quorum = item_quorum(voting_ids=voting, present_ids=present, conflicted_ids={1})
    assert (quorum.present, quorum.members, quorum.met) == (2, 5, False)
    # Member 6 (absent) declares a conflict too: 2 present of 4 remaining is exactly half.
    quorum = item_quorum(voting_ids=voting, present_ids=present, conflicted_ids={1, 6})
    assert (quorum.present, quorum.members, quorum.met) == (2, 4, True)
    assert quorum.needed == 2


def votes(*choices, amounts=None):
    amounts = amounts or {}
    return [CastVote(i, c, amounts.get(i)) for i, c in enumerate(choices, start=1)]


def test_abstentions_are_not_votes_cast():
    tally = Tally.of(
        votes("approve", "abstain", "abstain", "reject", "approve_reduced", amounts={5: Decimal(1)})
    )
    assert (tally.approving, tally.reject, tally.abstain, tally.cast) == (2, 1, 2, 3)


def test_majority_of_votes_cast_approves():
    proposed = propose_resolution(
        votes=votes("approve", "approve", "reject", "abstain", "abstain"),
        requested=REQ,
        chair_id=None,
    )
    assert (proposed.outcome, proposed.amount) == (Outcome.APPROVED, REQ)


def test_majority_against_rejects():
    proposed = propose_resolution(
        votes=votes("reject", "reject", "approve"), requested=REQ, chair_id=1
    )
    assert (proposed.outcome, proposed.amount) == (Outcome.REJECTED, None)


def test_no_vote_cast_proposes_nothing():
    assert propose_resolution(votes=votes("abstain", "abstain"), requested=REQ, chair_id=1) is None
    assert propose_resolution(votes=[], requested=REQ, chair_id=1) is None


def test_reduced_and_full_approvals_count_together():
    # 2 approve-reduced + 1 approve against 2 reject: approved; the lower median of the
    # approving amounts (1,000,000 / 800,000 / 600,000) is 800,000.
    v = votes("approve_reduced", "approve_reduced", "approve", "reject", "reject",
              amounts={1: Decimal("800000.00"), 2: Decimal("600000.00")})  # fmt: skip
    proposed = propose_resolution(votes=v, requested=REQ, chair_id=None)
    assert (proposed.outcome, proposed.amount) == (Outcome.APPROVED_REDUCED, Decimal("800000.00"))


def test_pure_approve_majority_of_approvers_gives_the_request():
    v = votes("approve", "approve", "approve_reduced", amounts={3: Decimal("1.00")})
    proposed = propose_resolution(votes=v, requested=REQ, chair_id=None)
    assert (proposed.outcome, proposed.amount) == (Outcome.APPROVED, REQ)


def test_even_split_of_approvers_takes_the_amount_a_majority_supports():
    # approve (1,000,000) and reduced 500,000: only 500,000 is supported by both (a majority).
    v = votes("approve", "approve_reduced", amounts={2: Decimal("500000.00")})
    proposed = propose_resolution(votes=v, requested=REQ, chair_id=None)
    assert (proposed.outcome, proposed.amount) == (Outcome.APPROVED_REDUCED, Decimal("500000.00"))


def test_chair_breaks_a_tie_for_approval():
    proposed = propose_resolution(
        votes=votes("approve", "reject", "approve", "reject"), requested=REQ, chair_id=1
    )
    assert (proposed.outcome, proposed.tie_broken_by_chair) == (Outcome.APPROVED, True)


def test_chair_breaks_a_tie_for_rejection():
    proposed = propose_resolution(votes=votes("approve", "reject"), requested=REQ, chair_id=2)
    assert (proposed.outcome, proposed.tie_broken_by_chair) == (Outcome.REJECTED, True)


def test_a_tie_the_chair_did_not_break_proposes_deferral():
    # The chair (3) abstained; and with no chair vote at all.
    assert (
        propose_resolution(
            votes=votes("approve", "reject", "abstain"), requested=REQ, chair_id=3
        ).outcome
        == Outcome.DEFERRED
    )
    assert (
        propose_resolution(votes=votes("approve", "reject"), requested=REQ, chair_id=None).outcome
        == Outcome.DEFERRED
    )


def test_split_sums_exactly_with_largest_remainders():
    shares = split_largest_remainder(Decimal("100.00"), [Decimal("1"), Decimal("1"), Decimal("1")])
    assert shares == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(shares) == Decimal("100.00")


def test_split_is_proportional_and_never_above_a_line():
    weights = [Decimal("600000.00"), Decimal("300000.00"), Decimal("100000.01")]
    total = Decimal("777777.77")
    shares = split_largest_remainder(total, weights)
    assert sum(shares) == total
    assert all(s <= w for s, w in zip(shares, weights, strict=True))
    assert split_largest_remainder(sum(weights), weights) == weights


def test_split_of_zero_and_of_nothing():
    assert (
        split_largest_remainder(Decimal("0.00"), [Decimal("5"), Decimal("0")])
        == [Decimal("0.00")] * 2
    )
    assert split_largest_remainder(Decimal("0.00"), []) == []
    with pytest.raises(ValueError):
        split_largest_remainder(Decimal("1.00"), [Decimal("0")])
