"""The score arithmetic, on cases computed by hand, and the selector the committee reads."""

from decimal import Decimal

import pytest

from screening.models import ScoreSummary
from screening.scoring import (
    Rubric,
    alpha_reading,
    disagreement,
    krippendorff_alpha,
    mean_score,
    second_screening_sample,
    weighted_score,
)
from screening.selectors import NO_SCORE, ProposalScore, proposal_scores
from tests.factories import make_proposal, make_reference_data, make_round

D = Decimal


def test_equal_weights_same_scale_is_the_plain_mean_of_100():
    rubric = [Rubric(1, D(1), 4), Rubric(2, D(1), 4)]
    # (3/4 + 2/4) / 2 = 0.625 → 62.50
    assert weighted_score(rubric, {1: 3, 2: 2}) == D("62.50")


def test_weights_and_scales_by_hand():
    # weights 2 and 1; 3 of 4 and 5 of 10: (2 × 0.75 + 1 × 0.5) / 3 = 2/3 → 66.67 (half up)
    rubric = [Rubric(1, D(2), 4), Rubric(2, D(1), 10)]
    assert weighted_score(rubric, {1: 3, 2: 5}) == D("66.67")
    # weights 0.5, 1.5, 3; 4/4, 1/4, 2/5: (0.5 + 0.375 + 1.2) / 5 = 0.415 → 41.50
    rubric = [Rubric(1, D("0.5"), 4), Rubric(2, D("1.5"), 4), Rubric(3, D(3), 5)]
    assert weighted_score(rubric, {1: 4, 2: 1, 3: 2}) == D("41.50")
    # all at the top and all at zero
    assert weighted_score(rubric, {1: 4, 2: 4, 3: 5}) == D("100.00")
    assert weighted_score(rubric, {1: 0, 2: 0, 3: 0}) == D("0.00")


def test_half_up_rounding():
    # 1/8 = 0.125 → 12.50; 1/3 of 1/… : weights 1,1,1 on 0–2, scores 0,0,1: 1/6 = 16.666… → 16.67
    assert weighted_score([Rubric(1, D(1), 8)], {1: 1}) == D("12.50")
    rubric = [Rubric(1, D(1), 2), Rubric(2, D(1), 2), Rubric(3, D(1), 2)]
    assert weighted_score(rubric, {1: 0, 2: 0, 3: 1}) == D("16.67")


@pytest.mark.parametrize("values", [{1: 3}, {1: 3, 2: 5}, {1: 5, 2: 1}])
def test_a_missing_or_out_of_scale_value_is_refused(values):
    rubric = [Rubric(1, D(1), 4), Rubric(2, D(1), 4)]
    with pytest.raises(ValueError):
        weighted_score(rubric, values)


def test_mean_of_screeners():
    assert mean_score([D("62.50"), D("66.67")]) == D("64.59")  # 64.585 → 64.59
    assert mean_score([]) is None


def test_disagreement_per_criterion_and_on_the_total():
    found = disagreement(
        {1: 4, 2: 1}, {1: 1, 2: 2}, first_score=D("62.5"), second_score=D("37.5"),
        criterion_gap=D(2), total_gap=D(20),
    )  # fmt: skip
    assert found == [1, None]
    # exactly at the threshold is not above it
    assert (
        disagreement(
            {1: 3},
            {1: 1},
            first_score=D(75),
            second_score=D(25),
            criterion_gap=D(2),
            total_gap=D(50),
        )  # fmt: skip
        == []
    )


def test_proposal_scores_hides_blind_and_fills_missing(db):
    make_reference_data()
    plan_round = make_round(2590)
    scored, blind, none = (make_proposal(plan_round=plan_round, code=f"S{i}") for i in range(3))
    ScoreSummary.objects.create(proposal=scored, mean=D("71.25"), screeners=2)
    ScoreSummary.objects.create(proposal=blind, mean=D("50.00"), screeners=1, blind=True)
    scores = proposal_scores([scored.pk, blind.pk, none.pk])
    assert scores == {
        scored.pk: ProposalScore(mean=D("71.25"), screeners=2),
        blind.pk: ProposalScore(mean=None, screeners=1),
        none.pk: NO_SCORE,
    }


def test_alpha_on_the_packages_published_example():
    from tests.screening.test_scores import KRIPPENDORFF_2011

    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level="interval"), 6) == 0.810845
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level="nominal"), 6) == 0.691358


def test_alpha_is_undefined_without_pairs_or_variation():
    assert krippendorff_alpha([[1, None], [None, 2]]) is None
    assert krippendorff_alpha([[2, 2, 2], [2, 2, 2]]) is None
    assert krippendorff_alpha([]) is None


@pytest.mark.parametrize(
    ("alpha", "reading"),
    [(0.81, "reliable"), (0.8, "reliable"), (0.79, "tentative"), (0.667, "tentative"),
     (0.666, "poor"), (-0.2, "poor"), (None, "")],
)  # fmt: skip
def test_alpha_reading(alpha, reading):
    assert alpha_reading(alpha) == reading


def test_second_screening_sample_is_fixed_by_the_seed():
    ids = list(range(1, 41))
    sample = second_screening_sample(ids, seed="r:2590", share=D(25))
    assert len(sample) == 10
    assert sample == second_screening_sample(reversed(ids), seed="r:2590", share=D(25))
    assert sample != second_screening_sample(ids, seed="r:2591", share=D(25))
    assert len(second_screening_sample(ids, seed="x", share=D("2.5"))) == 1  # rounded up
    assert second_screening_sample(ids, seed="x", share=D(0)) == []
    # a proposal added later leaves those drawn before it drawn (at the same count)
    more = second_screening_sample([*ids, 41], seed="r:2590", share=D(25))
    assert len(set(sample) & set(more)) >= 9
