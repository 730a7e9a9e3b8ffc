"""The arithmetic of scores, apart from the database: weighted means and disagreement.

A proposal's score is on a 0–100 scale, whatever the criteria's scales: each criterion's score
counts as a share of its scale's maximum (3 on a 0–4 scale is 75), and the criteria are
weighted: ``100 × Σ wᵢ·sᵢ/maxᵢ / Σ wᵢ``. With every criterion on the same scale and weight this
is the plain mean scaled to 100. The result is exact (``Decimal``), rounded half up to two
decimals only at the end.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rubric:
    """What the arithmetic needs of one scored criterion."""

    criterion_id: int
    weight: Decimal
    scale_max: int


def weighted_score(rubric: Iterable[Rubric], values: Mapping[int, int]) -> Decimal:
    """One screener's score of 0–100 from ``values`` (criterion id → score) over ``rubric``.

    Raises ``ValueError`` when a criterion of the rubric has no value or a value lies outside
    its scale, or when the rubric is empty.
    """
    total_weight = Decimal(0)
    weighted = Decimal(0)
    for item in rubric:
        value = values.get(item.criterion_id)
        if value is None or not 0 <= value <= item.scale_max:
            raise ValueError(f"criterion {item.criterion_id}: no score within 0–{item.scale_max}")
        weighted += item.weight * Decimal(value) / Decimal(item.scale_max)
        total_weight += item.weight
    if not total_weight:
        raise ValueError("no scored criterion")
    return round_score(HUNDRED * weighted / total_weight)


def mean_score(scores: Iterable[Decimal]) -> Decimal | None:
    """The mean of screeners' scores (each already rounded), rounded again; None for none."""
    scores = list(scores)
    if not scores:
        return None
    return round_score(sum(scores, Decimal(0)) / len(scores))


def round_score(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def disagreement(
    first: Mapping[int, int],
    second: Mapping[int, int],
    *,
    first_score: Decimal,
    second_score: Decimal,
    criterion_gap: Decimal,
    total_gap: Decimal,
) -> list[int | None]:
    """What two sheets disagree on beyond the thresholds: the criterion ids whose scores are
    further apart than ``criterion_gap`` points, and ``None`` when the scores of 100 are further
    apart than ``total_gap``. An empty list: they agree well enough."""
    found: list[int | None] = [
        pk
        for pk in sorted(set(first) & set(second))
        if abs(Decimal(first[pk] - second[pk])) > criterion_gap
    ]
    if abs(first_score - second_score) > total_gap:
        found.append(None)
    return found
