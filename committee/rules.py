"""The committee's rules as pure functions: no database, so every edge case is easy to test.

Defaults of the Administrative Procedure Act B.E. 2539 (พ.ร.บ. วิธีปฏิบัติราชการทางปกครอง):
quorum is at least half of the members; a member with a conflict of interest leaves for that
item and the rest count as the committee; resolutions are by majority of votes cast, the chair
breaking a tie.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .models import Outcome, VoteChoice

SATANG = Decimal("0.01")


def has_quorum(*, present: int, members: int) -> bool:
    """At least half of the members are present (exactly half is a quorum)."""
    return members > 0 and present * 2 >= members


@dataclass(frozen=True)
class Quorum:
    present: int
    members: int

    @property
    def met(self) -> bool:
        return has_quorum(present=self.present, members=self.members)

    @property
    def needed(self) -> int:
        """How many present members a quorum needs: half, rounded up."""
        return (self.members + 1) // 2


def item_quorum(*, voting_ids: set, present_ids: set, conflicted_ids: set) -> Quorum:
    """The quorum for one agenda item: members with a declared conflict leave the count.

    ``voting_ids`` are all voting members of the committee, ``present_ids`` those present at
    the meeting, ``conflicted_ids`` those who declared a conflict on the item.
    """
    remaining = voting_ids - conflicted_ids
    return Quorum(present=len(remaining & present_ids), members=len(remaining))


@dataclass(frozen=True)
class CastVote:
    member_id: int
    choice: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class Tally:
    approve: int = 0
    approve_reduced: int = 0
    reject: int = 0
    abstain: int = 0

    @property
    def approving(self) -> int:
        return self.approve + self.approve_reduced

    @property
    def cast(self) -> int:
        """Votes cast: an abstention is not a vote cast."""
        return self.approving + self.reject

    @classmethod
    def of(cls, votes: Iterable[CastVote]) -> "Tally":
        counts = dict.fromkeys(VoteChoice.values, 0)
        for vote in votes:
            counts[vote.choice] += 1
        return cls(**counts)


@dataclass(frozen=True)
class ProposedResolution:
    outcome: str
    amount: Decimal | None
    tie_broken_by_chair: bool = False


def approving_amount(votes: Iterable[CastVote], requested: Decimal) -> Decimal:
    """The highest amount that a majority of the approving members supports.

    An "approve" vote supports the full request; an "approve with a reduced amount" vote
    supports any amount up to its own. Sorted from high to low, the amount at position
    ``n // 2 + 1`` (1-based) is supported by more than half of the ``n`` approving votes:
    the lower median. So a pure-approve majority gives the request, and otherwise the
    reduced amount the middle of the approving members asked for.
    """
    amounts = sorted(
        (requested if v.choice == VoteChoice.APPROVE else v.amount for v in votes
         if v.choice in (VoteChoice.APPROVE, VoteChoice.APPROVE_REDUCED)),
        reverse=True,
    )  # fmt: skip
    if not amounts:
        raise ValueError("no approving votes")
    return amounts[len(amounts) // 2]


def propose_resolution(
    *, votes: list[CastVote], requested: Decimal, chair_id: int | None
) -> ProposedResolution | None:
    """The resolution the votes call for, or None when no vote has been cast.

    Majority of votes cast (approve and approve-reduced together against not approve); on a
    tie the chair's vote decides; a tie the chair did not break (abstained, absent or in
    conflict) proposes deferral, which the chair or secretary may change with a reason.
    """
    tally = Tally.of(votes)
    if tally.cast == 0:
        return None
    tie_broken = False
    if tally.approving == tally.reject:
        chair_vote = next((v for v in votes if v.member_id == chair_id), None)
        if chair_vote is None or chair_vote.choice == VoteChoice.ABSTAIN:
            return ProposedResolution(Outcome.DEFERRED, None)
        approve_wins = chair_vote.choice != VoteChoice.REJECT
        tie_broken = True
    else:
        approve_wins = tally.approving > tally.reject
    if not approve_wins:
        return ProposedResolution(Outcome.REJECTED, None, tie_broken)
    amount = approving_amount(votes, requested)
    outcome = Outcome.APPROVED if amount >= requested else Outcome.APPROVED_REDUCED
    return ProposedResolution(outcome, amount, tie_broken)


def split_largest_remainder(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in proportion, to the satang, summing exactly to it.

    Each share is first rounded down to the satang; the satang left over go one each to the
    shares with the largest remainders (ties: the larger weight, then the earlier one).
    """
    total_satang = int((total / SATANG).to_integral_value())
    if total_satang != total / SATANG:
        raise ValueError("total has more than two decimal places")
    units = [int((w / SATANG).to_integral_value()) for w in weights]
    weight_sum = sum(units)
    if weight_sum == 0:
        if total_satang:
            raise ValueError("cannot split a non-zero amount over zero weights")
        return [Decimal("0.00") for _ in weights]
    base = [total_satang * u // weight_sum for u in units]
    remainders = [total_satang * u % weight_sum for u in units]
    leftover = total_satang - sum(base)
    order = sorted(range(len(units)), key=lambda i: (-remainders[i], -units[i], i))
    for i in order[:leftover]:
        base[i] += 1
    return [(Decimal(b) * SATANG).quantize(SATANG) for b in base]
