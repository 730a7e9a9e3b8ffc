"""The arithmetic of scores, apart from the database: weighted means and disagreement.

A proposal's score is on a 0–100 scale, whatever the criteria's scales: each criterion's score
counts as a share of its scale's maximum (3 on a 0–4 scale is 75), and the criteria are
weighted: ``100 × Σ wᵢ·sᵢ/maxᵢ / Σ wᵢ``. With every criterion on the same scale and weight this
is the plain mean scaled to 100. The result is exact (``Decimal``), rounded half up to two
decimals only at the end.
"""

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Literal

import krippendorff
import numpy as np

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


def second_screening_sample(proposal_ids: Iterable[int], *, seed: str, share: Decimal) -> list[int]:
    """The ids drawn for a second screening: ``share`` percent of them (rounded up), in an
    order fixed by ``seed`` (the round), so that drawing again gives the same sample and a
    proposal added later does not reshuffle those drawn before it."""
    ids = sorted(set(proposal_ids))
    count = int((Decimal(len(ids)) * share / HUNDRED).to_integral_value(ROUND_CEILING))

    def rank(pk: int) -> str:
        return hashlib.sha256(f"{seed}:{pk}".encode()).hexdigest()

    return sorted(sorted(ids, key=rank)[:count])


Level = Literal["nominal", "ordinal", "interval", "ratio"]

# Krippendorff's reading of alpha (Krippendorff 2004, 241): reliable from 0.8, tentative
# conclusions from 0.667, below that the figures are not to be relied on.
RELIABLE = 0.8
TENTATIVE = 0.667


def krippendorff_alpha(
    rows: list[list[float | None]], *, level: Level = "interval"
) -> float | None:
    """Krippendorff's alpha of ``rows`` (one per screener, one column per unit, ``None`` where
    the screener gave no value), by the ``krippendorff`` package; ``None`` when it is not
    defined: fewer than two units with two values, or no variation at all among them."""
    pairable = [
        column for column in zip(*rows, strict=True) if sum(v is not None for v in column) >= 2
    ]
    if not pairable:
        return None
    values = {v for column in pairable for v in column if v is not None}
    if len(values) < 2:
        return None
    data = np.array([[np.nan if v is None else float(v) for v in row] for row in rows], dtype=float)
    try:
        result = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    except (ValueError, ZeroDivisionError):
        return None
    return None if math.isnan(result) else result


def alpha_reading(alpha: float | None) -> str:
    """``reliable``, ``tentative``, ``poor`` or ``""`` (no figure), by Krippendorff's bounds."""
    if alpha is None:
        return ""
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "poor"
