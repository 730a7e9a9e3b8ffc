"""The fit-to-frame optimiser against an exact brute force, and its guarantees.

The brute force tries every set of approvals (2ⁿ) and, for each, finds the best reductions
exactly with fractions: with the set fixed, the round's year is a linear programme over
box-bounded amounts with stage limits nested in one total, which filling the best score per
baht first solves exactly (each stage's minimum first).
"""

import itertools
import random
import time
from decimal import Decimal as D
from fractions import Fraction

import pytest

from committee.optimiser import (
    Item,
    Pin,
    Problem,
    StageLimit,
    floor_amount,
    stage_bounds,
    stage_totals,
    suggest,
    year_totals,
)

YEAR = 2571


def _fill(candidates, room, stage_room, amounts):
    """Raise amounts, best score per baht first, within ``room`` and each stage's room."""
    for ratio, key, cap, stage in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if ratio <= 0 or room <= 0:
            break
        step = min(cap - amounts[key], room, stage_room.get(stage, room))
        if step > 0:
            amounts[key] += step
            room -= step
            if stage in stage_room:
                stage_room[stage] -= step
    return room


def _best_for_set(problem, chosen):
    """The best objective for a fixed set of approvals, exactly, or None if infeasible."""
    tight_decimal = D(0)  # the exact programme; the solver's safety margin is its own affair
    tight = Fraction(tight_decimal)
    items = [i for i in problem.items if i.key in chosen]
    for year, left in problem.left.items():
        if year == problem.year:
            continue
        if sum(Fraction(i.later.get(year, 0)) for i in items) > max(Fraction(left) - tight, 0):
            return None
    amounts = {i.key: Fraction(floor_amount(i, problem.floor)) for i in items}
    cap = {i.key: Fraction(i.recommended) for i in items}
    ratio = {i.key: Fraction(i.score) / Fraction(i.recommended) for i in items}
    room = max(Fraction(problem.left[problem.year]) - tight, 0) - sum(amounts.values())
    stage_room = {}
    for limit in problem.stages:
        members = [i for i in items if i.stage == limit.stage]
        low, high = stage_bounds(limit, tight_decimal)
        total = sum(amounts[i.key] for i in members)
        if low is not None and total < low:
            need = Fraction(low) - total
            # Filling best first (any order meets a minimum; best first is the optimum).
            rest = _fill(
                [(ratio[i.key] + 1, i.key, cap[i.key], limit.stage) for i in members],
                need,
                {},
                amounts,
            )
            if rest > 0:
                return None
            room -= need
            total += need
        if high is not None:
            stage_room[limit.stage] = Fraction(high) - total
            if stage_room[limit.stage] < 0:
                return None
    if room < 0:
        return None
    _fill([(ratio[i.key], i.key, cap[i.key], i.stage) for i in items], room, stage_room, amounts)
    return sum(ratio[k] * a for k, a in amounts.items())


def brute_force(problem):
    best = None
    free = [i for i in problem.items if i.pin == Pin.FREE and i.recommended > 0]
    pinned = {i.key for i in problem.items if i.pin == Pin.IN}
    for size in range(len(free) + 1):
        for subset in itertools.combinations(free, size):
            value = _best_for_set(problem, pinned | {i.key for i in subset})
            if value is not None and (best is None or value > best):
                best = value
    return best


def random_problem(rng, n):
    items = []
    for key in range(n):
        later = {}
        if rng.random() < 0.4:
            later[YEAR + 1] = D(rng.randint(1, 60)) * D("100000")
        if rng.random() < 0.2:
            later[YEAR + 2] = D(rng.randint(1, 40)) * D("100000")
        pin = rng.choices([Pin.FREE, Pin.IN, Pin.OUT], weights=[8, 1, 1])[0]
        items.append(
            Item(key=key * 7 + 3, score=D(rng.randint(0, 400)) / 100,
                 recommended=D(rng.randint(1, 100)) * D("100000") + D(rng.randint(0, 99)),
                 later=later, stage=rng.choice([1, 2, 3, None]), pin=pin)
        )  # fmt: skip
    total = sum(i.recommended for i in items)
    left = {YEAR: (total * D(rng.randint(20, 110)) / 100).quantize(D("0.01"))}
    if rng.random() < 0.7:
        left[YEAR + 1] = D(rng.randint(0, 150)) * D("100000")
    stages = []
    for stage in (1, 2, 3):
        roll = rng.random()
        if roll < 0.2:
            stages.append(StageLimit(stage, D(rng.randint(1, 30)) * D("100000"), None))
        elif roll < 0.4:
            stages.append(StageLimit(stage, None, D(rng.randint(10, 200)) * D("100000")))
        elif roll < 0.5:
            stages.append(
                StageLimit(stage, D("500000"), D("9000000"), used=D(rng.randint(0, 5)) * 100000)
            )
    floor = rng.choice([D("0.5"), D("0.8"), D("0.9"), D("1")])
    return Problem(items=items, year=YEAR, left=left, floor=floor, stages=stages)


def assert_within_frame(problem, result):
    """The suggestion never breaches a year's frame, a stage's limit, a floor or a pin."""
    totals = year_totals(problem, problem.items, result.choices)
    for year, left in problem.left.items():
        assert totals.get(year, 0) <= left, (year, totals, left)
    stages = stage_totals(problem.items, result.choices)
    for limit in problem.stages:
        total = stages.get(limit.stage, D(0)) + limit.used
        if limit.minimum is not None:
            assert total >= limit.minimum
        if limit.maximum is not None:
            assert total <= limit.maximum
    by_key = {i.key: i for i in problem.items}
    for choice in result.choices:
        item = by_key[choice.key]
        if item.pin == Pin.IN:
            assert choice.approved
        if item.pin == Pin.OUT:
            assert not choice.approved
        if choice.approved:
            assert floor_amount(item, problem.floor) <= choice.amount <= item.recommended
            assert choice.amount == choice.amount.quantize(D("0.01"))
        else:
            assert choice.amount == 0


@pytest.mark.parametrize("seed", range(80))
def test_the_optimiser_equals_brute_force_on_small_random_cases(seed):
    rng = random.Random(seed)
    problem = random_problem(rng, rng.randint(1, 8))
    expected = brute_force(problem)
    result = suggest(problem)
    if expected is None:
        assert result.status == "infeasible"
        return
    assert result.status == "optimal", result.problems
    assert_within_frame(problem, result)
    # Equal up to the rounding of reductions to whole baht (and, should that breach a limit,
    # the one-baht-per-item margin of the second solve): a few millionths of a point.
    slack = sum(Fraction(i.score) / Fraction(i.recommended) for i in problem.items)
    assert abs(Fraction(result.objective) - expected) <= slack * (len(problem.items) + 1)


def test_a_reduction_lets_a_stronger_set_fit():
    # 10 M left: A (score 4, 6 M) and B (score 3, 5 M) do not both fit in full; at an 80 % floor
    # A at 6 M and B reduced to 4 M fit exactly.
    items = [
        Item(key=1, score=D(4), recommended=D("6000000")),
        Item(key=2, score=D(3), recommended=D("5000000")),
    ]
    problem = Problem(items=items, year=YEAR, left={YEAR: D("10000000")}, floor=D("0.8"))
    result = suggest(problem)
    amounts = {c.key: c.amount for c in result.choices}
    assert amounts == {1: D("6000000"), 2: D("4000000")}
    assert [c.reduced for c in result.choices] == [False, True]
    assert [(b.kind, b.key) for b in result.binding] == [("year", YEAR)]
    assert result.objective == D("4") + D("3") * D("0.8")


def test_later_years_count_in_full_and_explain_the_exclusion():
    items = [
        Item(key=1, score=D(4), recommended=D("1000000"), later={YEAR + 1: D("900000")}),
        Item(key=2, score=D(3), recommended=D("1000000"), later={YEAR + 1: D("500000")}),
    ]
    problem = Problem(items=items, year=YEAR, left={YEAR: D("5000000"), YEAR + 1: D("1000000")})
    result = suggest(problem)
    assert [c.approved for c in result.choices] == [True, False]
    (need,) = result.needs
    assert need.key == 2 and need.reason == "year"
    assert need.shortfall == {YEAR + 1: D("400000")}  # 900,000 + 500,000 − 1,000,000


def test_pins_are_honoured_and_pinned_items_that_overflow_are_named():
    items = [
        Item(key=1, score=D(4), recommended=D("1000000"), pin=Pin.OUT),
        Item(key=2, score=D(1), recommended=D("1000000"), pin=Pin.IN),
    ]
    result = suggest(Problem(items=items, year=YEAR, left={YEAR: D("5000000")}))
    assert [c.approved for c in result.choices] == [False, True]
    assert result.needs[0].reason == "pinned_out"
    too_small = suggest(Problem(items=items, year=YEAR, left={YEAR: D("500000")}, floor=D(1)))
    assert too_small.status == "infeasible"
    assert too_small.problems == [f"pinned:{YEAR}:500000.00"]


def test_a_stage_minimum_out_of_reach_is_explained():
    items = [Item(key=1, score=D(1), recommended=D("100000"), stage=1)]
    limits = [StageLimit(1, D("300000"), None)]
    result = suggest(Problem(items=items, year=YEAR, left={YEAR: D("1000000")}, stages=limits))
    assert result.status == "infeasible"
    assert result.problems == ["stage_min:1:200000.00"]


def test_the_same_input_gives_the_same_answer():
    problem = random_problem(random.Random(7), 40)
    first, second = suggest(problem), suggest(problem)
    assert first.choices == second.choices and first.objective == second.objective


def _thousand(seed=1):
    rng = random.Random(seed)
    items = [
        Item(key=k, score=D(rng.randint(0, 400)) / 100,
             recommended=D(rng.randint(1, 200)) * D("100000"),
             later={YEAR + 1: D(rng.randint(1, 50)) * D("100000")} if rng.random() < 0.3 else {},
             stage=rng.choice([1, 2, 3]))
        for k in range(1000)
    ]  # fmt: skip
    total = sum(i.recommended for i in items)
    return Problem(
        items=items, year=YEAR, left={YEAR: total * D("0.6"), YEAR + 1: D("300000000")},
        floor=D("0.8"),
        stages=[StageLimit(1, D("1000000000"), None), StageLimit(3, None, D("2000000000"))],
    )  # fmt: skip


def test_a_thousand_items_make_a_model_of_known_size_and_a_frame_fitting_answer():
    problem = _thousand()
    started = time.perf_counter()
    result = suggest(problem)
    elapsed = time.perf_counter() - started
    print(f"1,000 items: {elapsed:.3f} s, {result.rows} rows × {result.columns} columns")
    assert result.status == "optimal"
    # Two linking rows per item, one row per fiscal year, one per limited stage.
    assert (result.rows, result.columns) == (2 * 1000 + 2 + 2, 2000)
    assert_within_frame(problem, result)
    assert {(b.kind, b.key) for b in result.binding} >= {("year", YEAR)}
