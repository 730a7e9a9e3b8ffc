"""The demo data carries the real figures of the FY2568 round, and loads safely and repeatably."""

import importlib.util
import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management.base import CommandError
from django.db.models import Count, F, Q, Sum

from budgetscreen.demo import load_demo
from committee.models import Meeting, MeetingStatus, Membership, Position
from directory.models import Agency, User
from directory.roles import Role
from proposals.models import BudgetLine, Proposal, StatusChange
from proposals.workflow import APPROVED_STATES, Status

FIXTURES = django_settings.BASE_DIR / "fixtures"
ARTICLE = django_settings.BASE_DIR.parent / "shared" / "brief" / "source-article-th.txt"
SUBMITTED = ~Q(status__in=[Status.DRAFT, Status.WITHDRAWN])


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    load_demo()


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


@pytest.mark.django_db
def test_loading_twice_changes_nothing(demo, settings):
    def counts():
        return {model._meta.label: model.objects.count() for model in apps.get_models()}

    before = counts()
    assert load_demo() == {}
    assert counts() == before


@pytest.mark.django_db
def test_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
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
def test_fy2569_has_work_for_every_role(demo):
    fy2569 = Proposal.objects.filter(round__fiscal_year=2569)
    statuses = set(fy2569.values_list("status", flat=True))
    assert statuses == set(Status.values)
    submitter = User.objects.get(username="submitter")
    mine = fy2569.filter(agency=submitter.agency)
    assert mine.filter(status=Status.DRAFT).count() >= 2
    returned = StatusChange.objects.filter(
        proposal__in=mine.filter(status=Status.RETURNED), to_status=Status.RETURNED
    )
    assert returned.exclude(reason="").exists()
    assert fy2569.filter(agency__users__username="submitter2", status=Status.DRAFT).exists()
    assert (
        fy2569.filter(status=Status.SUBMITTED, assigned_screener__username="screener").count() >= 2
    )
    earlier, today = Meeting.objects.filter(round__fiscal_year=2569).order_by("number")
    assert earlier.status == MeetingStatus.CLOSED
    # The closed meeting's resolutions have taken effect: its items are decided.
    assert not earlier.agenda_items.filter(proposal__status=Status.ON_AGENDA).exists()
    assert earlier.agenda_items.filter(resolution__isnull=True).count() == 0
    assert today.status == MeetingStatus.IN_PROGRESS
    assert set(today.agenda_items.values_list("proposal__status", flat=True)) == {Status.ON_AGENDA}
    assert 3 <= today.agenda_items.count() <= 4
    assert not today.agenda_items.filter(votes__isnull=False).exists()
    assert fy2569.first().round.is_open()


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
def test_the_fy2568_plan_is_published_once(demo):
    from plans.models import PlanVersion

    version = PlanVersion.objects.get(round__fiscal_year=2568)
    assert version.number == 1
    assert version.snapshot["totals"]["approved_projects"] == 110


@pytest.mark.django_db
def test_new_and_demo_proposals_share_one_reference_scheme(demo):
    """`<fiscal year BE>-<4 digits>` everywhere: FY2568 fixtures, FY2569 demo and a new draft."""
    from proposals.models import PROPOSAL_CODE_PATTERN, PlanRound
    from proposals.selectors import get_open_round
    from proposals.services import ProposalContent, create_proposal

    plan_round = get_open_round()
    assert plan_round is not None and plan_round.fiscal_year == 2569
    submitter = User.objects.get(username="submitter")
    before = set(Proposal.objects.values_list("code", flat=True))
    new = create_proposal(
        actor=submitter,
        plan_round=plan_round,
        content=ProposalContent(fields={"title_th": "โครงการใหม่", "duration_years": 1}, kpis=[], budget={}),
    )
    assert new.code not in before
    rounds = dict(PlanRound.objects.values_list("pk", "fiscal_year"))
    codes = list(Proposal.objects.values_list("code", "round_id"))
    assert len(codes) > 140
    for code, round_id in codes:
        assert re.fullmatch(PROPOSAL_CODE_PATTERN, code), code
        assert code.startswith(f"{rounds[round_id]}-"), code
    # The new draft follows the demo's numbers in its round.
    demo_numbers = [int(c[5:]) for c in before if c.startswith("2569-")]
    assert int(new.code[5:]) == len(demo_numbers) + 1 == max(demo_numbers) + 1
