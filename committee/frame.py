"""Reads of the budget frame: what each fiscal year's frame is, and what is left of it.

A round's frame is set per fiscal year (``BudgetFrame``; the round's own year falls back to
``PlanRound.budget_frame`` when it has no row). What takes it, per year:

- **committed**: the multi-year commitments (งบผูกพัน) of projects approved in earlier rounds,
  i.e. their budget lines for this year and later (the approved share of a line when set,
  else the line). A project that a proposal of this round continues is left out: that
  proposal's request stands in for it and is decided again.
- **decided**: this round's resolutions so far, in every meeting of the round: the approved
  amount in the round's own year; for the later years of a multi-year project, its budget
  lines for them (a resolution approves the round's year; the later years stay as asked).

``left = frame − committed − decided``; it may be negative when the committee decided over it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.formatting import format_baht
from proposals.models import BudgetLine, PlanRound, Proposal, Stage
from proposals.workflow import APPROVED_STATES
from screening.selectors import proposal_scores

from .models import BudgetFrame, Meeting, Outcome, Resolution, Scenario, StageShare

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


@dataclass
class YearFrame:
    year: int
    frame: Decimal | None  # None: no frame set for this year
    committed: Decimal = ZERO
    decided: Decimal = ZERO

    @property
    def used(self) -> Decimal:
        return self.committed + self.decided

    @property
    def left(self) -> Decimal | None:
        return None if self.frame is None else self.frame - self.used

    @property
    def over(self) -> bool:
        return self.frame is not None and self.used > self.frame


@dataclass
class StageRow:
    share: StageShare
    decided: Decimal  # this round's approvals in the stage, the round's year
    minimum: Decimal | None  # baht
    maximum: Decimal | None


@dataclass
class FrameStatus:
    round: PlanRound
    years: list[YearFrame]
    stages: list[StageRow] = field(default_factory=list)
    # proposal id → its later fiscal years' amounts (for the round's decided proposals)
    decided_later: dict[int, dict[int, Decimal]] = field(default_factory=dict)

    @property
    def is_set(self) -> bool:
        return any(y.frame is not None for y in self.years)

    def year(self, year: int) -> YearFrame | None:
        return next((y for y in self.years if y.year == year), None)

    @property
    def left_by_year(self) -> dict[int, Decimal]:
        return {y.year: y.left for y in self.years if y.left is not None}

    @property
    def frames_by_year(self) -> dict[int, Decimal]:
        return {y.year: y.frame for y in self.years if y.frame is not None}


def list_frames(plan_round: PlanRound) -> dict[int, Decimal]:
    """Fiscal year → the round's frame for it (one query)."""
    frames = dict(BudgetFrame.objects.filter(round=plan_round).values_list("fiscal_year", "amount"))
    if plan_round.fiscal_year not in frames and plan_round.budget_frame > 0:
        frames[plan_round.fiscal_year] = plan_round.budget_frame
    return frames


def later_year_amounts(proposal_ids: list[int], after_year: int) -> dict[int, dict[int, Decimal]]:
    """Proposal id → {later fiscal year: amount} from its budget lines (one query)."""
    found: dict[int, dict[int, Decimal]] = defaultdict(dict)
    if not proposal_ids:
        return found
    rows = (
        BudgetLine.objects.filter(proposal_id__in=proposal_ids, fiscal_year__gt=after_year)
        .values("proposal_id", "fiscal_year")
        .annotate(total=Sum(Coalesce("approved_amount", "amount")))
        .order_by()
    )
    for row in rows:
        if row["total"]:
            found[row["proposal_id"]][row["fiscal_year"]] = row["total"]
    return found


def _commitments(plan_round: PlanRound) -> dict[int, Decimal]:
    """Fiscal year → earlier rounds' approved projects' lines for this year and later."""
    continued = Proposal.objects.filter(round=plan_round, continues__isnull=False).values(
        "continues_id"
    )
    rows = (
        BudgetLine.objects.filter(
            proposal__status__in=APPROVED_STATES,
            proposal__round__fiscal_year__lt=plan_round.fiscal_year,
            fiscal_year__gte=plan_round.fiscal_year,
        )
        .exclude(proposal_id__in=continued)
        .values("fiscal_year")
        .annotate(total=Sum(Coalesce("approved_amount", "amount")))
        .order_by()
    )
    return {row["fiscal_year"]: row["total"] for row in rows}


def _decided(plan_round: PlanRound) -> list[tuple[int, int | None, Decimal | None]]:
    """(proposal id, stage id, approved amount) of the round's approving resolutions."""
    rows = (
        Resolution.objects.filter(
            agenda_item__meeting__round=plan_round,
            outcome__in=[Outcome.APPROVED, Outcome.APPROVED_REDUCED],
        )
        .order_by("recorded_at", "id")
        .values_list(
            "agenda_item__proposal_id", "agenda_item__proposal__stage_id", "approved_amount"
        )  # fmt: skip
    )
    latest = {proposal: (proposal, stage, amount) for proposal, stage, amount in rows}
    return list(latest.values())


def get_frame_status(plan_round: PlanRound) -> FrameStatus:
    """The frame of every year the round has one for (or uses), and what is left of it.

    Five queries whatever the size of the round.
    """
    frames = list_frames(plan_round)
    committed = _commitments(plan_round)
    decided = _decided(plan_round)
    later = later_year_amounts([pk for pk, _stage, _amount in decided], plan_round.fiscal_year)
    by_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    by_stage: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for proposal_id, stage_id, amount in decided:
        by_year[plan_round.fiscal_year] += amount or ZERO
        by_stage[stage_id] += amount or ZERO
        for year, value in later.get(proposal_id, {}).items():
            by_year[year] += value
    years = sorted({*frames, *committed, *by_year} | {plan_round.fiscal_year})
    status = FrameStatus(
        round=plan_round,
        years=[
            YearFrame(year, frames.get(year), committed.get(year, ZERO), by_year.get(year, ZERO))
            for year in years
        ],
        decided_later=dict(later),
    )
    own = frames.get(plan_round.fiscal_year)
    for share in StageShare.objects.filter(round=plan_round).select_related("stage"):
        status.stages.append(
            StageRow(
                share=share,
                decided=by_stage.get(share.stage_id, ZERO),
                minimum=_percent_of(share.min_percent, own),
                maximum=_percent_of(share.max_percent, own),
            )
        )
    return status


def _percent_of(percent: Decimal | None, frame: Decimal | None) -> Decimal | None:
    if percent is None or frame is None:
        return None
    return (frame * percent / HUNDRED).quantize(Decimal("0.01"))


def resolution_excess(
    *, status: FrameStatus, proposal: Proposal, amount: Decimal | None,
    previous: Decimal | None,
) -> dict[int, Decimal]:  # fmt: skip
    """Fiscal year → by how much a resolution approving ``amount`` (None: not approving)
    instead of ``previous`` would take the year over its frame. Only years it adds to count:
    a resolution that takes less than before is never refused."""
    year = status.round.fiscal_year
    later = later_year_amounts([proposal.pk], year).get(proposal.pk, {})

    def usage(approved: Decimal | None) -> dict[int, Decimal]:
        if approved is None:
            return {}
        return {year: approved, **later}

    new, old = usage(amount), usage(previous)
    excess = {}
    for row in status.years:
        delta = new.get(row.year, ZERO) - old.get(row.year, ZERO)
        if row.frame is not None and delta > 0 and row.used + delta > row.frame:
            excess[row.year] = row.used + delta - row.frame
    return excess


# --- the meeting's frame panel -------------------------------------------------------------


@dataclass
class ItemFrame:
    """What the meeting page shows of one agenda item beside its tally."""

    score: Any  # screening.selectors.ProposalScore
    suggested: dict[str, Any] | None  # the newest suggestion's row for the item, if any
    need: dict[str, Any] | None  # why the suggestion leaves it out


@dataclass
class MeetingFrame:
    status: FrameStatus
    scenario: Any  # models.Scenario | None
    items: dict[int, ItemFrame]

    def item(self, item_id: int) -> ItemFrame | None:
        return self.items.get(item_id)


def newest_scenario(meeting: Meeting) -> Scenario | None:
    return (
        Scenario.objects.filter(meeting=meeting)
        .select_related("created_by")
        .order_by("-created_at", "-id")
        .first()
    )


def get_meeting_frame(meeting: Meeting, proposal_by_item: dict[int, int]) -> MeetingFrame:
    """The frame left per year, each item's score and the newest suggestion for the meeting
    page (seven queries: the frame status, the scores, the suggestion)."""
    scores = proposal_scores(list(proposal_by_item.values()))
    scenario = newest_scenario(meeting)
    suggested: dict[int, dict[str, Any]] = {}
    needs: dict[int, dict[str, Any]] = {}
    if scenario is not None and scenario.status == "optimal":
        suggested = {row["item"]: row for row in scenario.result.get("items", [])}
        needs = {row["item"]: row for row in scenario.result.get("needs", [])}
    return MeetingFrame(
        status=get_frame_status(meeting.round),
        scenario=scenario,
        items={
            item: ItemFrame(scores[proposal], suggested.get(item), needs.get(item))
            for item, proposal in proposal_by_item.items()
        },
    )


def frame_json(status: FrameStatus) -> dict[str, Any]:
    """The frame per year as JSON-ready data (``frame.json`` and the scenario)."""
    return {
        "round": status.round.fiscal_year,
        "years": [
            {
                "year": y.year,
                "frame": _str(y.frame),
                "committed": str(y.committed),
                "decided": str(y.decided),
                "left": _str(y.left),
                "over": y.over,
                "frame_text": _baht(y.frame),
                "committed_text": format_baht(y.committed),
                "decided_text": format_baht(y.decided),
                "left_text": _baht(y.left),
            }
            for y in status.years
        ],  # fmt: skip
    }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _baht(value: Decimal | None) -> str:
    return "-" if value is None else format_baht(value)


# --- a suggestion, explained ----------------------------------------------------------------


@dataclass
class ScenarioRow:
    board: Any  # selectors.ItemBoard
    row: dict[str, Any]  # the item's inputs
    choice: dict[str, Any] | None  # the suggestion for it
    note: str  # why it is in, reduced or out
    decided: bool  # decided since the suggestion was made

    @property
    def amount(self) -> Decimal | None:
        return Decimal(self.choice["amount"]) if self.choice and self.choice["approved"] else None


@dataclass
class ExplainedScenario:
    scenario: Scenario
    rows: list[ScenarioRow]
    years: list[dict[str, Any]]  # year, frame, left before, suggested, left after
    binding: list[str]
    problems: list[str]

    @property
    def adoptable(self) -> list[ScenarioRow]:
        return [r for r in self.rows if r.amount is not None and not r.decided]


def _stage_names() -> dict[int, str]:
    return {stage.pk: str(stage.name) for stage in Stage.objects.all()}


def _binding_text(binding: dict[str, Any], stages: dict[int, str]) -> str:
    values = {"limit": format_baht(Decimal(binding["limit"])),
              "total": format_baht(Decimal(binding["total"]))}  # fmt: skip
    if binding["kind"] == "year":
        return _("The frame of FY %(year)s binds: %(total)s of %(limit)s baht left is used.") % {
            "year": binding["key"],
            **values,
        }
    stage = stages.get(binding["key"], "-")
    if binding["kind"] == "stage_min":
        return _("%(stage)s is held at its least share: %(total)s of at least %(limit)s baht.") % {
            "stage": stage,
            **values,
        }
    return _("%(stage)s is held at its most share: %(total)s of at most %(limit)s baht.") % {
        "stage": stage,
        **values,
    }


def _need_text(need: dict[str, Any] | None, choice: dict[str, Any] | None) -> str:
    if choice and choice["approved"]:
        if choice["reduced"]:
            return _("Reduced to fit: %(amount)s of %(recommended)s baht recommended.") % {
                "amount": format_baht(Decimal(choice["amount"])),
                "recommended": format_baht(Decimal(choice["recommended"])),
            }
        return _("Approved as recommended.")
    if need is None:
        return ""
    floor = format_baht(Decimal(need["floor_amount"]))
    if need["reason"] == "pinned_out":
        return _("Pinned out by the committee.")
    if need["reason"] == "year":
        years = ", ".join(
            _("FY %(year)s: %(amount)s baht more") % {"year": y, "amount": format_baht(Decimal(a))}
            for y, a in sorted(need["shortfall"].items())
        )
        return _("Left out: to go in at %(floor)s baht it would need %(years)s of frame, or "
                 "others to give way.") % {"floor": floor, "years": years}  # fmt: skip
    if need["reason"] == "stage_max":
        return _("Left out: its stage is at its most share; at %(floor)s baht it would take "
                 "the stage over it.") % {"floor": floor}  # fmt: skip
    if need["reason"] == "no_score":
        return _("Left out: it has no score, so it adds nothing to the total.")
    return _("Left out: it fits on its own at %(floor)s baht, but stronger items take the "
             "frame; it would need a higher score.") % {"floor": floor}  # fmt: skip


def _problem_text(code: str, stages: dict[int, str]) -> str:
    kind, key, amount = (code.split(":") + ["", ""])[:3]
    if kind == "pinned":
        return _("The items pinned in need %(amount)s baht more of the frame of FY %(year)s "
                 "than is left, even reduced.") % {"amount": format_baht(Decimal(amount)),
                                                     "year": key}  # fmt: skip
    if kind == "stage_min":
        return _("%(stage)s cannot reach its least share: %(amount)s baht short even with all "
                 "its items approved.") % {"stage": stages.get(int(key), "-"),
                                            "amount": format_baht(Decimal(amount))}  # fmt: skip
    return _("No set of approvals fits the frame.")


def explain_scenario(scenario: Scenario | None, board: Any) -> ExplainedScenario | None:
    """The suggestion as the page shows it: each item with why it is in, reduced or out; each
    year's frame, what was left and what the suggestion leaves; what binds."""
    if scenario is None:
        return None
    boards = {b.item.pk: b for b in board.items}
    choices = {row["item"]: row for row in scenario.result.get("items", [])}
    needs = {row["item"]: row for row in scenario.result.get("needs", [])}
    stages = _stage_names()
    rows = [
        ScenarioRow(
            board=boards.get(row["item"]), row=row, choice=choices.get(row["item"]),
            note=_need_text(needs.get(row["item"]), choices.get(row["item"])),
            decided=row["item"] not in boards or boards[row["item"]].decided,
        )
        for row in scenario.inputs.get("items", [])
    ]  # fmt: skip
    return ExplainedScenario(
        scenario=scenario,
        rows=rows,
        years=_scenario_years(scenario),
        binding=[_binding_text(b, stages) for b in scenario.result.get("binding", [])],
        problems=[_problem_text(p, stages) for p in scenario.result.get("problems", [])],
    )


def _scenario_years(scenario: Scenario) -> list[dict[str, Any]]:
    frames = scenario.inputs.get("frame", {})
    left = scenario.inputs.get("left", {})
    totals = scenario.result.get("totals", {})
    years = []
    for year in sorted(set(frames) | set(totals), key=int):
        suggested = Decimal(totals.get(year, "0"))
        before = Decimal(left[year]) if year in left else None
        years.append({
            "year": int(year),
            "frame": Decimal(frames[year]) if year in frames else None,
            "left_before": before,
            "suggested": suggested,
            "left_after": None if before is None else before - suggested,
        })  # fmt: skip
    return years


def scenario_json(meeting: Meeting, scenario: Scenario | None) -> dict[str, Any]:
    """``/meetings/<id>/scenario.json``: the newest suggestion, or ``"scenario": null``."""
    if scenario is None:
        return {"meeting": meeting.pk, "scenario": None}
    choices = {row["item"]: row for row in scenario.result.get("items", [])}
    items = []
    for row in scenario.inputs.get("items", []):
        choice = choices.get(row["item"], {})
        items.append({
            "item": row["item"], "proposal": row["code"], "score": row["score"],
            "score_source": row["score_source"], "screeners": row["screeners"],
            "recommended": row["recommended"], "later_years": row["later"], "pin": row["pin"],
            "suggested": "approve" if choice.get("approved") and not choice.get("reduced")
            else ("reduce" if choice.get("approved") else "leave_out"),
            "amount": choice.get("amount", "0.00"),
        })  # fmt: skip
    return {
        "meeting": meeting.pk,
        "scenario": scenario.pk,
        "created_at": scenario.created_at.isoformat(),
        "created_by": str(scenario.created_by) if scenario.created_by else None,
        "status": scenario.status,
        "fiscal_year": scenario.inputs.get("year"),
        "floor_percent": str(scenario.floor_percent),
        "items": items,
        "totals": scenario.result.get("totals", {}),
        "frame": scenario.inputs.get("frame", {}),
        "left_before": scenario.inputs.get("left", {}),
        "stages": scenario.inputs.get("stages", []),
        "objective": scenario.result.get("objective"),
        "binding": scenario.result.get("binding", []),
        "needs": scenario.result.get("needs", []),
        "problems": scenario.result.get("problems", []),
        "model": scenario.result.get("model", {}),
        "seconds": scenario.result.get("seconds"),
    }
