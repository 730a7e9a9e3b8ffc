"""The budget frame: what is left per fiscal year, the warning before a resolution takes a year
over it, the frame's settings, and the fit-to-frame suggestion saved as a scenario."""

from decimal import Decimal as D

import pytest

from committee import frame, frame_services, services
from committee.models import BudgetFrame, Resolution, Scenario, StageShare
from committee.services import CommitteeError, OverFrame
from core.models import AuditEvent
from proposals.models import BudgetLine, ExpenseCategory, Stage
from proposals.workflow import Status
from screening.models import ScoreSummary
from tests.factories import make_proposal, make_round, make_user

from .factories import add_item, make_setup, mark_present

pytestmark = pytest.mark.django_db
M = D("1000000.00")


def _line(proposal, year, amount):
    BudgetLine.objects.create(
        proposal=proposal, fiscal_year=year, category=ExpenseCategory.INVESTMENT, amount=amount
    )


def _score(item, mean, screeners=1):
    ScoreSummary.objects.create(proposal=item.proposal, mean=mean, screeners=screeners)


@pytest.fixture
def world(db):
    """Round 2590 (frame 10 M for 2590, 4 M for 2591), an earlier round's project committing
    1 M of 2590 and 2 M of 2591, and a meeting of round 2590 with everyone present."""
    earlier = make_round(2589, open_now=False)
    old = make_proposal(plan_round=earlier, status=Status.APPROVED, requested=M)
    _line(old, 2590, M)
    _line(old, 2591, 2 * M)
    plan_round = make_round(2590, open_now=False, budget_frame=10 * M)
    BudgetFrame.objects.create(round=plan_round, fiscal_year=2591, amount=4 * M)
    setup = make_setup(plan_round=plan_round)
    mark_present(setup, setup.voters)
    setup.old = old
    return setup


def test_left_per_year_counts_earlier_commitments_and_this_rounds_resolutions(world):
    item = add_item(world, requested=3 * M)
    _line(item.proposal, 2591, M)
    services.record_resolution(item=item, actor=world.secretary, outcome="approved")
    status = frame.get_frame_status(world.meeting.round)
    by_year = {y.year: (y.frame, y.committed, y.decided, y.left) for y in status.years}
    assert by_year[2590] == (10 * M, M, 3 * M, 6 * M)
    assert by_year[2591] == (4 * M, 2 * M, M, M)


def test_a_project_continued_in_this_round_is_not_counted_twice(world):
    add_item(world, requested=M, continues=world.old)
    status = frame.get_frame_status(world.meeting.round)
    assert status.year(2591).committed == 0 and status.year(2590).committed == 0


def test_a_resolution_over_the_frame_is_warned_about_and_needs_a_reason(world):
    item = add_item(world, requested=8 * M)
    _line(item.proposal, 2591, 3 * M)  # 2591: 2 M committed + 3 M > 4 M
    with pytest.raises(OverFrame) as caught:
        services.record_resolution(item=item, actor=world.secretary, outcome="approved")
    assert caught.value.excess == {2591: M}
    assert "FY 2591 by 1,000,000.00 baht" in str(caught.value)
    assert not Resolution.objects.exists()
    with pytest.raises(CommitteeError, match="reason for deciding over"):
        services.record_resolution(
            item=item, actor=world.secretary, outcome="approved", accept_over_frame=True
        )
    resolution = services.record_resolution(
        item=item, actor=world.secretary, outcome="approved", accept_over_frame=True,
        reason="ยืนยันตามนโยบายรัฐบาล",
    )  # fmt: skip
    assert resolution.over_frame
    event = AuditEvent.objects.filter(code="resolution.recorded").latest("id")
    assert event.extra["over_frame"] == {"2591": "1000000.00"}


def test_a_resolution_that_takes_less_is_never_refused(world):
    item = add_item(world, requested=9 * M)
    services.record_resolution(
        item=item, actor=world.secretary, outcome="approved", accept_over_frame=True,
        reason="เกินกรอบโดยมติ",
    )  # fmt: skip
    # Now 2590 is 10 M over by 0 … reducing it is always allowed without a tick.
    services.record_resolution(
        item=item, actor=world.secretary, outcome="approved_reduced", approved_amount=5 * M,
        reason="ปรับลด",
    )  # fmt: skip
    assert not Resolution.objects.get().over_frame


def test_approve_as_recommended_stops_at_the_frame(world):
    items = [add_item(world, requested=5 * M) for _ in range(2)]
    with pytest.raises(OverFrame):
        services.approve_as_recommended(meeting=world.meeting, actor=world.secretary, items=items)
    assert not Resolution.objects.exists()


def test_set_budget_frame_is_the_secretarys_audited_and_keeps_the_round_in_step(world):
    plan_round = world.meeting.round
    with pytest.raises(CommitteeError):
        frame_services.set_budget_frame(plan_round=plan_round, actor=world.chair, frames={2590: M})
    upstream = Stage.objects.order_by("order").first()
    frame_services.set_budget_frame(
        plan_round=plan_round, actor=world.secretary, frames={2590: 12 * M, 2591: None},
        shares={upstream.pk: frame_services.ShareInput(D("10"), D("60"))},
    )  # fmt: skip
    plan_round.refresh_from_db()
    assert plan_round.budget_frame == 12 * M
    assert frame.list_frames(plan_round) == {2590: 12 * M}
    share = StageShare.objects.get()
    assert (share.min_percent, share.max_percent) == (D("10"), D("60"))
    event = AuditEvent.objects.get(code="frame.set")
    assert event.extra == {
        "2590": "12000000.00",
        "2591": None,
        f"stage-{upstream.pk}": ["10", "60"],
    }
    for bad in ({2599: M}, {2590: -M}):
        with pytest.raises(CommitteeError):
            frame_services.set_budget_frame(plan_round=plan_round, actor=world.secretary,
                                            frames=bad)  # fmt: skip
    with pytest.raises(CommitteeError):
        frame_services.set_budget_frame(
            plan_round=plan_round, actor=world.secretary, frames={},
            shares={upstream.pk: frame_services.ShareInput(D("70"), D("60"))},
        )  # fmt: skip


def test_a_suggestion_fits_the_frame_and_is_saved_with_its_inputs(world):
    strong, weak, unscored = (add_item(world, requested=5 * M) for _ in range(3))
    _score(strong, D("90"))
    _score(weak, D("30"))
    _line(unscored.proposal, 2591, 3 * M)  # would take 2591 over its 4 M (2 M committed)
    scenario = frame_services.request_suggestion(
        meeting=world.meeting, actor=world.secretary, floor_percent=D("80")
    )
    assert scenario.status == "optimal"
    rows = {row["item"]: row for row in scenario.inputs["items"]}
    assert rows[unscored.pk]["score_source"] == "agenda_mean"
    assert D(rows[unscored.pk]["score"]) == D("60")
    assert scenario.inputs["left"] == {"2590": "9000000.00", "2591": "2000000.00"}
    chosen = {row["item"]: row for row in scenario.result["items"]}
    # 9 M left in 2590: the strong item in full, the weak one reduced to 4 M (80 %).
    assert chosen[strong.pk]["amount"] == "5000000.00" and not chosen[strong.pk]["reduced"]
    assert chosen[weak.pk]["reduced"] and D(chosen[weak.pk]["amount"]) >= 4 * M
    assert not chosen[unscored.pk]["approved"]
    totals = {int(y): D(a) for y, a in scenario.result["totals"].items()}
    assert totals[2590] <= D(scenario.inputs["left"]["2590"])
    need = next(n for n in scenario.result["needs"] if n["item"] == unscored.pk)
    assert need["reason"] == "year" and "2591" in need["shortfall"]
    assert AuditEvent.objects.filter(code="scenario.suggested").count() == 1
    assert not Resolution.objects.exists()  # only a suggestion


def test_pins_and_who_may_ask(world):
    a, b = add_item(world, requested=5 * M), add_item(world, requested=5 * M)
    _score(a, D("90"))
    with pytest.raises(CommitteeError):
        frame_services.request_suggestion(meeting=world.meeting, actor=world.chair)
    scenario = frame_services.request_suggestion(
        meeting=world.meeting, actor=world.secretary, floor_percent=D("100"),
        pins={a.pk: "out", b.pk: "in"},
    )  # fmt: skip
    chosen = {row["item"]: row["approved"] for row in scenario.result["items"]}
    assert chosen == {a.pk: False, b.pk: True}
    other = add_item(make_setup(plan_round=make_round(2592, open_now=False)), requested=M)
    with pytest.raises(CommitteeError, match="Pins name only"):
        frame_services.request_suggestion(
            meeting=world.meeting, actor=world.secretary, pins={other.pk: "in"}
        )
    with pytest.raises(CommitteeError):
        frame_services.request_suggestion(
            meeting=world.meeting, actor=world.secretary, floor_percent=D("101")
        )


def test_approve_all_as_suggested_records_one_resolution_per_item(world):
    items = [add_item(world, requested=3 * M) for _ in range(4)]
    for item, mean in zip(items, ("90", "80", "70", "10"), strict=True):
        _score(item, D(mean))
    scenario = frame_services.request_suggestion(
        meeting=world.meeting, actor=world.secretary, floor_percent=D("100")
    )
    approved = [row["item"] for row in scenario.result["items"] if row["approved"]]
    assert approved == [items[0].pk, items[1].pk, items[2].pk]  # 9 M of 9 M left
    newer = frame_services.request_suggestion(
        meeting=world.meeting, actor=world.secretary, floor_percent=D("100")
    )
    with pytest.raises(CommitteeError, match="newer suggestion"):
        frame_services.adopt_suggestion(
            meeting=world.meeting, actor=world.chair, scenario_id=scenario.pk
        )
    done = frame_services.adopt_suggestion(
        meeting=world.meeting, actor=world.chair, scenario_id=newer.pk
    )
    assert sorted(r.agenda_item_id for r in done) == approved
    assert AuditEvent.objects.filter(code="resolution.recorded").count() == 3
    assert all("suggestion no." in r.reason for r in done)
    with pytest.raises(CommitteeError, match="decided already"):
        frame_services.adopt_suggestion(
            meeting=world.meeting, actor=world.chair, scenario_id=newer.pk
        )
    member = make_user()
    with pytest.raises(CommitteeError):
        frame_services.adopt_suggestion(
            meeting=world.meeting, actor=member, scenario_id=newer.pk, item_ids=[items[3].pk]
        )


def test_scenario_json_gives_items_amounts_and_totals_and_frame_per_year(world):
    item = add_item(world, requested=2 * M)
    _score(item, D("50"))
    assert frame.scenario_json(world.meeting, None) == {
        "meeting": world.meeting.pk,
        "scenario": None,
    }
    scenario = frame_services.request_suggestion(meeting=world.meeting, actor=world.secretary)
    data = frame.scenario_json(world.meeting, Scenario.objects.get(pk=scenario.pk))
    assert data["items"] == [
        {"item": item.pk, "proposal": item.proposal.code, "score": "50.00",
         "score_source": "screening", "screeners": 1, "recommended": "2000000.00",
         "later_years": {}, "pin": "free", "suggested": "approve", "amount": "2000000.00"}
    ]  # fmt: skip
    assert data["totals"] == {"2590": "2000000.00", "2591": "0.00"}
    assert data["frame"] == {"2590": "10000000.00", "2591": "4000000.00"}
