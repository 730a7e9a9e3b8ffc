"""The fit-to-frame suggestion as a mixed-integer programme, solved exactly with HiGHS.

Pure: no database. ``suggest`` takes the undecided items (score, recommended amount, the
amounts their later fiscal years would commit, stage, pin) and what the frame leaves, and
returns the approvals and reductions that maximise the total weighted score:

    maximise    Σ score_i · x_i / recommended_i
    subject to  x_i = 0, or floor_i ≤ x_i ≤ recommended_i      (z_i ∈ {0, 1} says which)
                Σ x_i ≤ left of the round's fiscal year
                Σ later_iy · z_i ≤ left of each later year y   (later years count in full)
                stage_min_s ≤ Σ_{i in s} x_i ≤ stage_max_s     (shares of the year's frame)
                z_i = 1 for items pinned in, z_i = 0 for items pinned out

An item approved at 80 % of its recommendation counts for 80 % of its score, so a reduction is
suggested only where it lets a stronger set fit. A reduction applies to the round's fiscal
year, which is what a resolution approves; the later years of a multi-year project stay what
the agency asked (as the committee's resolutions leave them). The solver works in millions of
baht; reductions come back in whole baht (to the nearest, else rounded down where the nearest
would tip a limit over) and are checked again exactly in ``Decimal``; should the solver's
tolerance still let a limit slip, the programme is solved again with the limits tightened by
one baht per item (``margin``), so the answer never breaches them.
Deterministic: one thread, a fixed seed, items in a fixed order.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

import highspy
import numpy as np

BAHT = Decimal("1")
ZERO = Decimal("0.00")


class Pin:
    FREE = "free"
    IN = "in"
    OUT = "out"

    ALL = (FREE, IN, OUT)


@dataclass(frozen=True)
class Item:
    """One undecided agenda item as the optimiser sees it."""

    key: int
    score: Decimal
    recommended: Decimal  # the round's fiscal year, in baht
    later: dict[int, Decimal] = field(default_factory=dict)  # later fiscal year → baht
    stage: int | None = None
    pin: str = Pin.FREE


@dataclass(frozen=True)
class StageLimit:
    stage: int
    minimum: Decimal | None  # baht of the round's fiscal year, this round's approvals
    maximum: Decimal | None
    used: Decimal = ZERO  # already approved in the stage by resolutions of the round


@dataclass(frozen=True)
class Problem:
    items: Sequence[Item]
    year: int  # the round's fiscal year
    left: dict[int, Decimal]  # fiscal year → what the frame leaves (may be negative)
    floor: Decimal = Decimal("0.80")  # the lowest share of the recommendation a reduction keeps
    stages: Sequence[StageLimit] = ()


@dataclass(frozen=True)
class Choice:
    key: int
    amount: Decimal  # 0 when not approved
    approved: bool
    reduced: bool
    value: Decimal  # the score this choice contributes


@dataclass(frozen=True)
class Binding:
    """A constraint the suggestion meets exactly (or within a baht per item)."""

    kind: str  # "year", "stage_min", "stage_max"
    key: int  # the fiscal year or the stage id
    limit: Decimal
    total: Decimal


@dataclass(frozen=True)
class Need:
    """What an excluded item would need to go in at its floor, nothing else changed."""

    key: int
    reason: str  # "pinned_out", "year", "stage_max", "no_score"
    shortfall: dict[int, Decimal]  # fiscal year → more frame needed
    floor_amount: Decimal


@dataclass(frozen=True)
class Suggestion:
    status: str  # "optimal" or "infeasible"
    choices: list[Choice]
    objective: Decimal
    totals: dict[int, Decimal]  # fiscal year → the suggestion's amount in it
    binding: list[Binding]
    needs: list[Need]
    problems: list[str]  # why it is infeasible (machine-readable codes with figures)
    seconds: float
    rows: int
    columns: int


def floor_amount(item: Item, floor: Decimal) -> Decimal:
    """The least a reduction may leave of the recommendation, rounded up to the baht."""
    if item.recommended <= 0:
        return ZERO
    lowest = (item.recommended * floor).quantize(BAHT, rounding=ROUND_CEILING)
    return min(lowest, item.recommended).quantize(Decimal("0.01"))


def suggest(problem: Problem) -> Suggestion:
    """Solve ``problem`` exactly; see the module's docstring for the model."""
    started = time.perf_counter()
    items = sorted(problem.items, key=lambda i: i.key)
    precheck = _infeasible_reasons(problem, items)
    if precheck:
        return _empty(items, precheck, time.perf_counter() - started)
    for tight in (ZERO, margin(len(items))):
        highs, rows = _build(problem, items, tight)
        highs.run()
        status = highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            elapsed = time.perf_counter() - started
            return _empty(items, ["solver:" + highs.modelStatusToString(status)], elapsed, rows)
        values = highs.getSolution().col_value
        # Reductions to the nearest baht; should that tip a limit over, down to the baht.
        for rounding in (ROUND_HALF_EVEN, ROUND_FLOOR):
            choices = _choices(problem, items, values, rounding)
            if not breaches(problem, items, choices):
                return _finish(problem, items, choices, time.perf_counter() - started, rows)
    return _empty(items, ["numeric"], time.perf_counter() - started, rows)


def breaches(problem: Problem, items: Sequence[Item], choices: Sequence[Choice]) -> list[str]:
    """The limits the choices break, checked exactly (empty: none)."""
    found = []
    totals = year_totals(problem, items, choices)
    for year, left in problem.left.items():
        if totals.get(year, ZERO) > max(left, ZERO):
            found.append(f"year:{year}")
    stages = stage_totals(items, choices)
    for limit in problem.stages:
        low, high = stage_bounds(limit, ZERO)
        total = stages.get(limit.stage, ZERO)
        if (low is not None and total < low) or (high is not None and total > high):
            found.append(f"stage:{limit.stage}")
    return found


MILLION = Decimal("1000000")


def margin(count: int) -> Decimal:
    """How much the frame's limits are tightened: one baht per item, so that neither the
    solver's tolerance nor rounding amounts to the satang can breach them."""
    return Decimal(count) * BAHT


def _m(amount: Decimal) -> float:
    """Baht as the solver's unit, millions of baht (keeps its numbers well scaled)."""
    return float(amount / MILLION)


def stage_bounds(limit: StageLimit, tight: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """What the suggestion's items of a stage may add up to: a minimum the resolutions already
    meet asks nothing more; a maximum they already reach leaves nothing."""
    low = None
    if limit.minimum is not None and limit.minimum > limit.used:
        low = limit.minimum - limit.used + tight
    high = None
    if limit.maximum is not None:
        high = max(limit.maximum - limit.used - tight, ZERO)
    return low, high


def _build(problem: Problem, items: list[Item], tight: Decimal = ZERO) -> tuple[highspy.Highs, int]:
    """Columns: f_0..f_{n-1}, the share of each recommendation approved (0 to 1), then
    z_0..z_{n-1}, whether the item is approved."""
    n = len(items)
    highs = highspy.Highs()
    for name, value in (("output_flag", False), ("threads", 1), ("random_seed", 0),
                        ("mip_rel_gap", 0.0), ("mip_abs_gap", 1e-9)):  # fmt: skip
        highs.setOptionValue(name, value)
    inf = highspy.kHighsInf
    idx = np.arange(2 * n, dtype=np.int32)
    upper_z = [0.0 if i.pin == Pin.OUT or i.recommended <= 0 else 1.0 for i in items]
    lower_z = [1.0 if i.pin == Pin.IN else 0.0 for i in items]
    highs.addVars(2 * n, np.array([0.0] * n + lower_z), np.array([1.0] * n + upper_z))
    highs.changeColsIntegrality(n, idx[n:], np.array([highspy.HighsVarType.kInteger] * n))
    score = [float(i.score) if i.recommended > 0 else 0.0 for i in items]
    highs.changeColsCost(2 * n, idx, np.array(score + [0.0] * n))
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    for k, item in enumerate(items):
        # f_k ≤ z_k, and f_k ≥ floor share · z_k: nothing, or between the floor and all of it.
        low = float(floor_amount(item, problem.floor) / item.recommended) if item.recommended else 0
        _add_row(highs, -inf, 0.0, [k, n + k], [1.0, -1.0])
        _add_row(highs, 0.0, inf, [k, n + k], [1.0, -low])
    rows = 2 * n
    for year, left in sorted(problem.left.items()):
        if year == problem.year:
            cols = list(range(n))
            coef = [_m(i.recommended) for i in items]
        else:
            cols = [n + k for k, i in enumerate(items) if i.later.get(year, ZERO) > 0]
            coef = [_m(items[c - n].later[year]) for c in cols]
        if cols:
            # A year the resolutions already overran takes nothing more (not "infeasible").
            _add_row(highs, -inf, _m(max(left - tight, ZERO)), cols, coef)
            rows += 1
    for limit in problem.stages:
        cols = [k for k, i in enumerate(items) if i.stage == limit.stage]
        minimum, maximum = stage_bounds(limit, tight)
        if cols and (minimum is not None or maximum is not None):
            _add_row(
                highs, -inf if minimum is None else _m(minimum),
                inf if maximum is None else _m(maximum),
                cols, [_m(items[k].recommended) for k in cols],
            )  # fmt: skip
            rows += 1
    return highs, rows


def _add_row(
    highs: highspy.Highs, low: float, high: float, cols: list[int], coef: list[float]
) -> None:
    highs.addRow(low, high, len(cols), np.array(cols, dtype=np.int32), np.array(coef))


def _choices(
    problem: Problem, items: list[Item], values: Sequence[float], rounding: str
) -> list[Choice]:
    n = len(items)
    choices = []
    for k, item in enumerate(items):
        approved = values[n + k] > 0.5
        amount = ZERO
        if approved:
            # A reduction in whole baht, within the floor and the recommendation (the exact
            # check after it catches the rare rounding that would breach a limit).
            share = Decimal(repr(min(max(values[k], 0.0), 1.0)))
            raw = (item.recommended * share).quantize(BAHT, rounding=rounding)
            amount = min(max(raw, floor_amount(item, problem.floor)), item.recommended)
            amount = amount.quantize(Decimal("0.01"))
            if item.recommended - amount < BAHT:  # solver noise, not a reduction
                amount = item.recommended
        value = item.score * amount / item.recommended if item.recommended > 0 else ZERO
        choices.append(
            Choice(key=item.key, amount=amount, approved=approved,
                   reduced=approved and amount < item.recommended, value=value)
        )  # fmt: skip
    return choices


def year_totals(problem: Problem, items: Sequence[Item], choices: Sequence[Choice]) -> dict:
    """Fiscal year → the amount the chosen items take of it (exact)."""
    by_key = {i.key: i for i in items}
    totals = dict.fromkeys(problem.left, ZERO)
    totals.setdefault(problem.year, ZERO)
    for choice in choices:
        if not choice.approved:
            continue
        totals[problem.year] += choice.amount
        for year, amount in by_key[choice.key].later.items():
            totals[year] = totals.get(year, ZERO) + amount
    return totals


def stage_totals(items: Sequence[Item], choices: Sequence[Choice]) -> dict:
    by_key = {i.key: i for i in items}
    totals: dict = {}
    for choice in choices:
        stage = by_key[choice.key].stage
        totals[stage] = totals.get(stage, ZERO) + choice.amount
    return totals


def _finish(
    problem: Problem, items: list[Item], choices: list[Choice], elapsed: float, rows: int
) -> Suggestion:
    totals = year_totals(problem, items, choices)
    stages = stage_totals(items, choices)
    return Suggestion(
        status="optimal",
        choices=choices,
        objective=sum((c.value for c in choices), ZERO),
        totals=totals,
        binding=_binding(problem, items, totals, stages),
        needs=_needs(problem, items, choices, totals, stages),
        problems=[],
        seconds=elapsed,
        rows=rows,
        columns=2 * len(items),
    )


def _tolerance(items: Sequence[Item]) -> Decimal:
    return Decimal(len(items) + 1) * BAHT


def _binding(problem: Problem, items: list[Item], totals: dict, stages: dict) -> list[Binding]:
    """The constraints the suggestion meets to within a baht per item: what stops more."""
    tol = _tolerance(items)
    found = []
    for year, left in sorted(problem.left.items()):
        if totals.get(year, ZERO) > 0 and left - totals.get(year, ZERO) <= tol:
            found.append(Binding("year", year, left, totals.get(year, ZERO)))
    for limit in problem.stages:
        total = stages.get(limit.stage, ZERO) + limit.used
        if limit.minimum is not None and total - limit.minimum <= tol:
            found.append(Binding("stage_min", limit.stage, limit.minimum, total))
        if limit.maximum is not None and limit.maximum - total <= tol:
            found.append(Binding("stage_max", limit.stage, limit.maximum, total))
    return found


def _needs(
    problem: Problem, items: list[Item], choices: list[Choice], totals: dict, stages: dict
) -> list[Need]:
    """For each item left out: the frame it would need, per year, to go in at its floor."""
    chosen = {c.key: c for c in choices}
    limits = {s.stage: s for s in problem.stages}
    needs = []
    for item in items:
        if chosen[item.key].approved:
            continue
        low = floor_amount(item, problem.floor)
        if item.pin == Pin.OUT:
            needs.append(Need(item.key, "pinned_out", {}, low))
            continue
        shortfall = {}
        wanted = {problem.year: low, **item.later}
        for year, amount in sorted(wanted.items()):
            if year in problem.left:
                missing = totals.get(year, ZERO) + amount - problem.left[year]
                if missing > 0:
                    shortfall[year] = missing
        limit = limits.get(item.stage) if item.stage is not None else None
        over_stage = (
            limit is not None
            and limit.maximum is not None
            and stages.get(item.stage, ZERO) + limit.used + low > limit.maximum
        )
        reason = "year" if shortfall else ("stage_max" if over_stage else "no_score")
        if item.score > 0 and reason == "no_score":
            reason = "weaker"  # it fits alone, but a stronger set takes the frame
        needs.append(Need(item.key, reason, shortfall, low))
    return needs


def _infeasible_reasons(problem: Problem, items: list[Item]) -> list[str]:
    """Plain reasons no suggestion exists: pinned items alone overflow, or a stage's minimum
    is out of reach. The solver would only say "infeasible"; these say why."""
    reasons = []
    pinned = [i for i in items if i.pin == Pin.IN]
    floors = {problem.year: sum((floor_amount(i, problem.floor) for i in pinned), ZERO)}
    for item in pinned:
        for year, amount in item.later.items():
            floors[year] = floors.get(year, ZERO) + amount
    for year, amount in sorted(floors.items()):
        if year in problem.left and amount > problem.left[year]:
            reasons.append(f"pinned:{year}:{amount - problem.left[year]}")
    for limit in problem.stages:
        low, _high = stage_bounds(limit, ZERO)
        if low is None:
            continue
        reach = sum(
            (i.recommended for i in items if i.stage == limit.stage and i.pin != Pin.OUT), ZERO
        )
        if reach < low:
            reasons.append(f"stage_min:{limit.stage}:{low - reach}")
    return reasons


def _empty(items: list[Item], problems: list[str], elapsed: float, rows: int = 0) -> Suggestion:
    return Suggestion(
        status="infeasible",
        choices=[Choice(i.key, ZERO, False, False, ZERO) for i in items],
        objective=ZERO, totals={}, binding=[], needs=[], problems=problems or ["infeasible"],
        seconds=elapsed, rows=rows, columns=2 * len(items),
    )  # fmt: skip
