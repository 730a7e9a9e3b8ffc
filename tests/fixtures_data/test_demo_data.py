"""The demo data carries the real figures of the FY2568 round, follows today's calendar, and loads
safely and repeatably."""

import datetime
import importlib.util
import json
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management.base import CommandError
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from budgetscreen.demo import DemoCalendar, approval_day, demo_calendar, load_demo
from committee.models import (
    AgendaItem,
    DecisionMethod,
    Meeting,
    MeetingStatus,
    Membership,
    Position,
    Resolution,
)
from directory.models import Agency, User
from directory.roles import Role
from plans.models import PlanVersion
from proposals.models import BudgetLine, PlanRound, Proposal, StatusChange
from proposals.workflow import APPROVED_STATES, Status

FIXTURES = django_settings.BASE_DIR / "fixtures"
ARTICLE = django_settings.BASE_DIR.parent / "shared" / "brief" / "source-article-th.txt"
SUBMITTED = ~Q(status__in=[Status.DRAFT, Status.WITHDRAWN])
BANGKOK = zoneinfo.ZoneInfo("Asia/Bangkok")
# 30 November 2569 BE: FY2570 is under way, FY2571 is being submitted and screened.
NOW = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=BANGKOK)


@pytest.fixture
def demo(settings):
    settings.DEMO_DATA = True
    load_demo(now=NOW)


def fy2568():
    return Proposal.objects.filter(round__fiscal_year=2568)


@pytest.mark.django_db
def test_headline_figures_of_fy2568(demo):
    submitted = fy2568().filter(SUBMITTED)
    approved = fy2568().filter(status__in=APPROVED_STATES)
    assert submitted.count() == 140
    assert submitted.values("agency").distinct().count() == 95
    assert submitted.aggregate(s=Sum("requested_amount"))["s"] == Decimal("8369658900.00")
    assert approved.count() == 110
    assert approved.values("agency").distinct().count() == 75
    assert approved.aggregate(s=Sum("approved_amount"))["s"] == Decimal("7964000000.00")


@pytest.mark.django_db
@pytest.mark.parametrize("group_by", ["stage__code", "agency__code"])
def test_breakdowns_add_up_to_the_totals(demo, group_by):
    rows = (
        fy2568()
        .filter(SUBMITTED)
        .values(group_by)
        .annotate(
            requested=Sum("requested_amount"),
            approved=Sum("approved_amount", filter=Q(status__in=APPROVED_STATES)),
        )
    )
    assert sum(row["requested"] for row in rows) == Decimal("8369658900.00")
    assert sum(row["approved"] or 0 for row in rows) == Decimal("7964000000.00")


@pytest.mark.django_db
def test_budget_lines_add_up_to_each_proposal(demo):
    """The round's year of lines sums to the request; approved shares sum to the approval."""
    sums = {
        row["proposal"]: row
        for row in BudgetLine.objects.filter(fiscal_year=F("proposal__round__fiscal_year"))
        .values("proposal")
        .annotate(amount=Sum("amount"), approved=Sum("approved_amount"))
    }
    for proposal in Proposal.objects.exclude(requested_amount=0):
        row = sums[proposal.pk]
        assert row["amount"] == proposal.requested_amount, proposal.code
        assert row["approved"] == proposal.approved_amount, proposal.code


@pytest.mark.django_db
def test_every_amount_is_whole_hundreds_of_baht(demo):
    for amount in BudgetLine.objects.filter(proposal__round__fiscal_year=2568).values_list(
        "amount", flat=True
    ):
        assert amount % 100 == 0


@pytest.mark.django_db
def test_meeting_of_31_january_2567(demo):
    meeting = Meeting.objects.get(round__fiscal_year=2568)
    assert meeting.number_label == "1/2567"
    assert meeting.date.isoformat() == "2024-01-31"
    assert meeting.status == MeetingStatus.CLOSED
    assert meeting.agenda_items.count() == 130
    absent = meeting.attendance.filter(presence="absent").values_list(
        "membership__user__username", flat=True
    )
    assert list(absent) == ["member5"]
    chair = Membership.objects.get(position=Position.CHAIR).user
    assert (chair.first_name, chair.last_name) == ("ปานปรีย์", "พหิทธานุกร")
    # It sat 13:30-16:30; its resolutions were taken by vote where members voted, else
    # without objection (so the minutes never print a count of zero votes).
    assert timezone.localtime(meeting.opened_at).strftime("%H:%M") == "13:30"
    assert timezone.localtime(meeting.closed_at).strftime("%H:%M") == "16:30"
    for resolution in Resolution.objects.filter(agenda_item__meeting=meeting):
        voted = resolution.agenda_item.votes.exists()
        assert resolution.method == (DecisionMethod.VOTE if voted else DecisionMethod.CONSENSUS)
    for meeting in Meeting.objects.exclude(status=MeetingStatus.SCHEDULED):
        assert meeting.opened_at is not None
        assert meeting.closed_at is None or meeting.closed_at >= meeting.opened_at


@pytest.mark.django_db
def test_a_demo_loaded_before_the_codes_changed_gets_no_second_fy2568(demo):
    """Older demos numbered FY2568 ``DG68-001``; loading again must not add 140 more."""
    for proposal in Proposal.objects.filter(round__fiscal_year=2568):
        Proposal.objects.filter(pk=proposal.pk).update(code="DG68-" + proposal.code[-3:])
    load_demo()
    assert Proposal.objects.filter(round__fiscal_year=2568).count() == 140


@pytest.mark.django_db
def test_loading_twice_changes_nothing(demo, settings):
    def counts():
        return {model._meta.label: model.objects.count() for model in apps.get_models()}

    before = counts()
    # Days later, in the same season: the rounds are found by their fiscal year, not re-made
    # around the new "today" (no second open round, no second meeting of today).
    assert load_demo(now=NOW + datetime.timedelta(days=10)) == {}
    assert counts() == before


@pytest.mark.django_db
def test_a_later_season_adds_its_rounds_beside_the_old_ones(demo):
    """Loaded again on 1 March 2570: FY2571 was approved in January and FY2572 is open. The
    open round of November is found and left as it was; the new open round is added, and its
    meetings take the next free numbers of 2570."""
    later = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=BANGKOK)
    before = {
        "fy2571": Proposal.objects.filter(round__fiscal_year=2571).count(),
        "meetings": set(Meeting.objects.values_list("pk", "number", "year_be")),
    }
    created = load_demo(now=later)
    assert created["planround"] == 1 and created["meeting"] == 2
    assert Proposal.objects.filter(round__fiscal_year=2571).count() == before["fy2571"]
    meetings = set(Meeting.objects.values_list("pk", "number", "year_be"))
    assert before["meetings"] < meetings
    labels = set(Meeting.objects.filter(round__fiscal_year=2572).values_list("number", "year_be"))
    assert labels == {(1, 2570), (2, 2570)}
    assert PlanRound.objects.get(fiscal_year=2572).is_open(now=later)
    assert load_demo(now=later + datetime.timedelta(days=3)) == {}


@pytest.mark.django_db
def test_refuses_outside_the_demo_settings(settings):
    settings.DEMO_DATA = False
    with pytest.raises(CommandError, match="DEMO_DATA"):
        load_demo()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_accounts(demo):
    expected = {
        "submitter": Role.SUBMITTER, "submitter2": Role.SUBMITTER, "screener": Role.SCREENER,
        "secretary": Role.SECRETARY, "chair": Role.COMMITTEE, "budget": Role.BUDGET_OFFICE,
        "admin": Role.ADMIN, **{f"member{n}": Role.COMMITTEE for n in range(1, 6)},
    }  # fmt: skip
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password("budgetscreen")
        assert user.has_role(role), username
    submitter, submitter2 = (
        User.objects.get(username="submitter"),
        User.objects.get(username="submitter2"),
    )
    assert submitter.agency is not None and submitter2.agency is not None
    assert submitter.agency != submitter2.agency
    assert User.objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_open_round_has_work_for_every_role(demo):
    fy2571 = Proposal.objects.filter(round__fiscal_year=2571)
    statuses = set(fy2571.values_list("status", flat=True))
    assert statuses == set(Status.values)
    submitter = User.objects.get(username="submitter")
    mine = fy2571.filter(agency=submitter.agency)
    assert mine.filter(status=Status.DRAFT).count() >= 2
    returned = StatusChange.objects.filter(
        proposal__in=mine.filter(status=Status.RETURNED), to_status=Status.RETURNED
    )
    assert returned.exclude(reason="").exists()
    assert fy2571.filter(agency__users__username="submitter2", status=Status.DRAFT).exists()
    assert (
        fy2571.filter(status=Status.SUBMITTED, assigned_screener__username="screener").count() >= 2
    )
    earlier, today = Meeting.objects.filter(round__fiscal_year=2571).order_by("number")
    assert earlier.status == MeetingStatus.CLOSED
    # The closed meeting's resolutions have taken effect: its items are decided.
    assert not earlier.agenda_items.filter(proposal__status=Status.ON_AGENDA).exists()
    assert earlier.agenda_items.filter(resolution__isnull=True).count() == 0
    assert today.status == MeetingStatus.IN_PROGRESS
    assert set(today.agenda_items.values_list("proposal__status", flat=True)) == {Status.ON_AGENDA}
    assert 3 <= today.agenda_items.count() <= 4
    assert not today.agenda_items.filter(votes__isnull=False).exists()


@pytest.mark.django_db
def test_on_30_november_2569_fy2571_is_open_and_fy2570_under_way(demo):
    open_round = PlanRound.objects.get(fiscal_year=2571)
    assert open_round.name_th == "แผนงานบูรณาการรัฐบาลดิจิทัล ประจำปีงบประมาณ พ.ศ. 2571"
    assert open_round.name_en == "Digital Government integrated plan, fiscal year 2571"
    assert open_round.is_open(now=NOW)
    assert open_round.submission_closes_at.astimezone(BANGKOK).date() == datetime.date(2026, 12, 14)
    # Its budget lines start in its own fiscal year, and its meetings are numbered in 2569.
    years = BudgetLine.objects.filter(proposal__round=open_round).values_list(
        "fiscal_year", flat=True
    )
    assert min(years) == 2571 and max(years) == 2573
    labels = Meeting.objects.filter(round=open_round).order_by("date")
    assert [m.number_label for m in labels] == ["2/2569", "3/2569"]
    assert [m.date for m in labels] == [datetime.date(2026, 11, 23), datetime.date(2026, 11, 30)]
    # No round of the past is still open, and the fiscal year that ended is not in the demo.
    assert [r.fiscal_year for r in PlanRound.objects.all() if r.is_open(now=NOW)] == [2571]
    assert set(PlanRound.objects.values_list("fiscal_year", flat=True)) == {2568, 2570, 2571}


@pytest.mark.django_db
def test_the_plan_under_way_was_approved_in_january_2569_and_published(demo):
    plan = Proposal.objects.filter(round__fiscal_year=2570)
    meeting = Meeting.objects.get(round__fiscal_year=2570)
    assert meeting.number_label == "1/2569"
    assert meeting.date == datetime.date(2026, 1, 30)  # the last weekday of January 2569
    assert meeting.status == MeetingStatus.CLOSED
    assert meeting.agenda_items.count() == plan.count()
    assert not meeting.agenda_items.filter(resolution__isnull=True).exists()
    approved = plan.filter(status__in=APPROVED_STATES)
    assert 10 <= approved.count() <= 20
    assert set(plan.values_list("status", flat=True)) <= {
        Status.APPROVED, Status.APPROVED_REDUCED, Status.REJECTED, Status.DEFERRED
    }  # fmt: skip
    version = PlanVersion.objects.get(round__fiscal_year=2570)
    assert version.number == 1
    assert version.snapshot["totals"]["approved_projects"] == approved.count()
    assert version.published_at.astimezone(BANGKOK).date() == datetime.date(2026, 2, 6)
    assert version.note == "มติคณะกรรมการ ครั้งที่ 1/2569 วันที่ 30 มกราคม 2569"
    round_ = version.round
    assert round_.submission_closes_at.astimezone(BANGKOK).date() == datetime.date(2025, 12, 15)
    for proposal in plan:
        assert round_.submission_opens_at <= proposal.submitted_at < round_.submission_closes_at
    years = set(BudgetLine.objects.filter(proposal__in=plan).values_list("fiscal_year", flat=True))
    assert min(years) == 2570


@pytest.mark.django_db
def test_the_budget_office_lands_on_the_plan_under_way(demo, client):
    client.force_login(User.objects.get(username="budget"))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/plans/2570/"


@pytest.mark.django_db
@pytest.mark.parametrize("hour", [10, 0])
def test_every_history_runs_forward_and_decisions_fall_on_their_meeting(settings, hour):
    """Each proposal's steps are in order of time; each decision is taken on the day of the
    meeting that decided it, during the meeting, after the item was listed; loaded in the
    morning or just after midnight."""
    settings.DEMO_DATA = True
    load_demo(now=NOW.replace(hour=hour, minute=20))
    previous = {}
    for change in StatusChange.objects.order_by("proposal_id", "pk"):
        before = previous.get(change.proposal_id)
        assert before is None or before <= change.created_at, change.proposal.code
        previous[change.proposal_id] = change.created_at
    for item in AgendaItem.objects.filter(resolution__isnull=False).select_related(
        "meeting", "resolution", "proposal"
    ):
        listed = item.proposal.status_changes.filter(to_status=Status.ON_AGENDA).get()
        decided = item.resolution.recorded_at
        assert listed.created_at < decided, item.proposal.code
        assert decided.astimezone(BANGKOK).date() == item.meeting.date, item.proposal.code
        start = datetime.datetime.combine(item.meeting.date, item.meeting.start_time, BANGKOK)
        assert start < decided < item.meeting.closed_at, item.proposal.code


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 30 November 2569: FY2571 is open (January 2570 meeting), FY2570 under way.
        (datetime.date(2026, 11, 30), DemoCalendar(2571, 2570, (2570,))),
        # 30 September / 1 October 2569: the fiscal year turns, the open round does not.
        (datetime.date(2026, 9, 30), DemoCalendar(2571, 2569, (2569, 2570))),
        (datetime.date(2026, 10, 1), DemoCalendar(2571, 2570, (2570,))),
        # 31 December 2569 / 1 January 2570: the BE year turns, the round in January is the same.
        (datetime.date(2026, 12, 31), DemoCalendar(2571, 2570, (2570,))),
        (datetime.date(2027, 1, 1), DemoCalendar(2571, 2570, (2570,))),
        # 29 / 30 January 2570: FY2571 is approved at the meeting of the 29th; FY2572 opens.
        (datetime.date(2027, 1, 29), DemoCalendar(2571, 2570, (2570,))),
        (datetime.date(2027, 1, 30), DemoCalendar(2572, 2570, (2570, 2571))),
        (datetime.date(2027, 1, 31), DemoCalendar(2572, 2570, (2570, 2571))),
        # March 2570: FY2570 under way, FY2571 published and waiting for October.
        (datetime.date(2027, 3, 15), DemoCalendar(2572, 2570, (2570, 2571))),
        # The article's season: FY2568 approved on 31 January 2567, FY2569 open after it.
        (datetime.date(2024, 1, 31), DemoCalendar(2568, 2567, (2567,))),
        (datetime.date(2024, 2, 1), DemoCalendar(2569, 2567, (2567, 2568))),
    ],
)
def test_demo_calendar(day, expected):
    assert demo_calendar(day) == expected


def test_the_open_round_is_always_approved_at_the_next_january_meeting():
    day = datetime.date(2024, 1, 1)
    while day < datetime.date(2028, 1, 1):
        calendar = demo_calendar(day)
        # The open round's meeting is the first on or after the day: the one before is past.
        assert approval_day(calendar.open_round - 1) < day <= approval_day(calendar.open_round)
        assert calendar.published[-1] == calendar.open_round - 1
        day += datetime.timedelta(days=1)


def test_approval_day_is_the_last_weekday_of_january():
    assert approval_day(2568) == datetime.date(2024, 1, 31)  # the article's meeting, 31 Jan 2567
    assert approval_day(2570) == datetime.date(2026, 1, 30)  # 31 January 2569 is a Saturday
    assert approval_day(2571) == datetime.date(2027, 1, 29)


@pytest.mark.django_db
def test_the_fixture_meeting_follows_the_same_calendar(demo):
    assert Meeting.objects.get(round__fiscal_year=2568).date == approval_day(2568)


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "generate_fy2568", FIXTURES / "generate_fy2568.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic_and_matches_the_committed_file():
    generator = load_generator()
    first, second = generator.generate(), generator.generate()
    assert first == second
    committed = (FIXTURES / "fy2568.json").read_text(encoding="utf-8")
    assert generator.dumps(first) == committed
    assert json.loads(committed) == first


def test_reference_data_matches_the_article():
    reference = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))
    assert [s["code"] for s in reference["stages"]] == ["upstream", "midstream", "downstream"]
    assert len(reference["dg_strategies"]) == 4
    assert len(reference["national_strategies"]) == 6
    if ARTICLE.exists():  # the brief sits beside the repository on the team's machines
        article = ARTICLE.read_text(encoding="utf-8")
        for benefit in reference["benefits"]:
            assert benefit["name_th"] in article
            assert benefit["name_en"] in article


def test_agency_list():
    data = json.loads((FIXTURES / "agencies.json").read_text(encoding="utf-8"))
    agencies = data["agencies"]
    assert len(agencies) == 95
    assert len({a["name_th"] for a in agencies}) == 95
    assert len({a["code"] for a in agencies}) == 95
    assert 18 <= len(data["ministries"]) <= 22
    ministries = {m["code"] for m in data["ministries"]}
    assert all(a["ministry"] is None or a["ministry"] in ministries for a in agencies)
    assert "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)" in {a["name_th"] for a in agencies}


@pytest.mark.django_db
def test_agencies_in_the_database(demo):
    assert Agency.objects.count() == 95
    assert Agency.objects.annotate(n=Count("proposals")).filter(n=0).count() == 0


@pytest.mark.django_db
def test_the_fy2568_plan_is_published_once_and_again_after_its_amendment(demo):
    """Version 1 a week after the meeting; version 2 after the approved amendment of the
    year's second quarter (``budgetscreen.demo_execution``): the same projects and total."""
    first, second = PlanVersion.objects.filter(round__fiscal_year=2568).order_by("number")
    assert first.number == 1
    assert first.published_at.astimezone(BANGKOK).date() == datetime.date(2024, 2, 7)
    assert first.snapshot["totals"]["approved_projects"] == 110
    assert second.number == 2 and second.published_at.astimezone(BANGKOK).year == 2025
    assert second.snapshot["totals"] == first.snapshot["totals"]


@pytest.mark.django_db
def test_new_and_demo_proposals_share_one_reference_scheme(demo):
    """`<fiscal year BE>-<4 digits>` everywhere: FY2568 fixtures, the demo's later rounds and a
    new draft."""
    from proposals.models import PROPOSAL_CODE_PATTERN, PlanRound
    from proposals.selectors import get_open_round
    from proposals.services import ProposalContent, create_proposal

    plan_round = get_open_round(now=NOW)
    assert plan_round is not None and plan_round.fiscal_year == 2571
    submitter = User.objects.get(username="submitter")
    before = set(Proposal.objects.values_list("code", flat=True))
    new = create_proposal(
        actor=submitter,
        plan_round=plan_round,
        content=ProposalContent(
            fields={"title_th": "โครงการใหม่", "duration_years": 1}, kpis=[], budget={}
        ),
    )
    assert new.code not in before
    rounds = dict(PlanRound.objects.values_list("pk", "fiscal_year"))
    codes = list(Proposal.objects.values_list("code", "round_id"))
    assert len(codes) > 140
    for code, round_id in codes:
        assert re.fullmatch(PROPOSAL_CODE_PATTERN, code), code
        assert code.startswith(f"{rounds[round_id]}-"), code
    # The new draft follows the demo's numbers in its round.
    demo_numbers = [int(c[5:]) for c in before if c.startswith("2571-")]
    assert int(new.code[5:]) == len(demo_numbers) + 1 == max(demo_numbers) + 1
