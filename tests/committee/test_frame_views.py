"""The frame and suggestion pages: who sees and does what, what they show, their queries."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation

from committee import frame_services
from committee.models import BudgetFrame, Resolution, Scenario
from core.models import AuditEvent
from proposals.models import BudgetLine, ExpenseCategory, Stage
from screening.models import ScoreSummary
from tests.factories import make_round

from .factories import add_item, make_setup, mark_present

pytestmark = pytest.mark.django_db
M = D("1000000.00")


@pytest.fixture
def world(db):
    plan_round = make_round(2590, open_now=False, budget_frame=10 * M)
    BudgetFrame.objects.create(round=plan_round, fiscal_year=2591, amount=4 * M)
    setup = make_setup(plan_round=plan_round)
    mark_present(setup, setup.voters)
    setup.items = [add_item(setup, requested=4 * M) for _ in range(3)]
    for item, mean in zip(setup.items, ("90", "60", "30"), strict=True):
        ScoreSummary.objects.create(proposal=item.proposal, mean=D(mean), screeners=2)
    return setup


def test_the_meeting_page_shows_scores_the_frame_left_and_the_suggestion(client, world):
    client.force_login(world.chair)
    page = client.get(reverse("committee:meeting", args=[world.meeting.pk])).content.decode()
    assert 'data-frame-year="2590"' in page and "10,000,000.00" in page
    assert "90.0" in page and 'data-frame-url="' in page
    frame_services.request_suggestion(meeting=world.meeting, actor=world.secretary)
    page = client.get(reverse("committee:meeting", args=[world.meeting.pk])).content.decode()
    assert page.count('class="adopt-form"') == 3  # 2 in full, 1 reduced: 4 + 4 + 2 > 10 × 0.8?
    state = client.get(reverse("committee:frame_state", args=[world.meeting.pk])).json()
    assert state["years"][0] == {
        "year": 2590, "frame": "10000000.00", "committed": "0.00", "decided": "0.00",
        "left": "10000000.00", "over": False, "frame_text": "10,000,000.00",
        "committed_text": "0.00", "decided_text": "0.00", "left_text": "10,000,000.00",
    }  # fmt: skip


def test_adopting_one_item_goes_through_the_resolution_page(client, world):
    scenario = frame_services.request_suggestion(
        meeting=world.meeting, actor=world.secretary, floor_percent=D("100")
    )
    strong = world.items[0]
    row = next(r for r in scenario.result["items"] if r["item"] == strong.pk)
    client.force_login(world.chair)
    response = client.post(
        reverse("committee:resolution", args=[world.meeting.pk, strong.pk]),
        {"outcome": "approved", "approved_amount": row["amount"],
         "reason": "As suggested to fit the budget frame"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Resolution.objects.get().agenda_item == strong
    state = client.get(reverse("committee:frame_state", args=[world.meeting.pk])).json()
    assert state["years"][0]["left"] == "6000000.00"


def test_over_the_frame_is_refused_with_a_warning_then_taken_with_a_reason(client, world):
    BudgetLine.objects.create(proposal=world.items[2].proposal, fiscal_year=2591,
                              category=ExpenseCategory.INVESTMENT, amount=5 * M)  # fmt: skip
    client.force_login(world.secretary)
    url = reverse("committee:resolution", args=[world.meeting.pk, world.items[2].pk])
    with translation.override("en"):
        response = client.post(url, {"outcome": "approved"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert not Resolution.objects.exists()
    assert "exceed the budget frame" in response.content.decode() or "เกินกรอบวงเงิน" in (
        response.content.decode()
    )
    client.post(url, {"outcome": "approved", "over_frame": "on", "reason": "นโยบายเร่งด่วน"})
    assert Resolution.objects.get().over_frame


def test_the_secretary_sets_the_frame_and_a_member_only_reads_it(client, world):
    url = reverse("committee:frame", args=[2590])
    client.force_login(world.chair)
    assert client.get(url).status_code == 200
    assert client.post(url, {"frame-2590": "1"}).status_code == 403
    client.force_login(world.secretary)
    stage = Stage.objects.order_by("order").first()
    bad = {"frame-2590": "12,000,000", "frame-2591": "", f"min-{stage.pk}": "x"}
    response = client.post(url, bad)
    assert response.status_code == 200  # the form again, nothing saved
    assert BudgetFrame.objects.filter(round__fiscal_year=2590).count() == 1
    response = client.post(url, {"frame-2590": "12,000,000", "frame-2592": "๑,๐๐๐"})
    assert response.status_code == 302
    assert dict(
        BudgetFrame.objects.filter(round__fiscal_year=2590).values_list("fiscal_year", "amount")
    ) == {2590: 12 * M, 2592: D("1000.00")}
    assert AuditEvent.objects.filter(code="frame.set").count() == 1
    assert client.get(reverse("committee:frame", args=[2999])).status_code == 404


def test_the_suggestion_page_asks_shows_and_adopts(client, world, django_assert_max_num_queries):
    client.force_login(world.secretary)
    url = reverse("committee:scenario", args=[world.meeting.pk])
    response = client.post(url, {"floor": "80", f"pin-{world.items[2].pk}": "out"})
    assert response.status_code == 302
    scenario = Scenario.objects.get()
    with django_assert_max_num_queries(30):
        page = client.get(url).content.decode()
    assert "Pinned out by the committee." in page or "กำหนดให้อยู่นอกชุด" in page
    data = client.get(reverse("committee:scenario_json", args=[world.meeting.pk])).json()
    assert data["scenario"] == scenario.pk and data["frame"]["2590"] == "10000000.00"
    member = world.members[1]
    client.force_login(member)
    adopt = reverse("committee:scenario_adopt", args=[world.meeting.pk])
    assert client.post(adopt, {"scenario": scenario.pk}).status_code == 403
    assert client.post(url, {"floor": "80"}).status_code == 403
    client.force_login(world.chair)
    client.post(adopt, {"scenario": "x"})
    assert not Resolution.objects.exists()
    client.post(adopt, {"scenario": scenario.pk})
    assert Resolution.objects.count() == 2
    assert AuditEvent.objects.filter(code="scenario.adopted").count() == 1


def test_the_agenda_orders_by_score_within_each_stage(client, world):
    client.force_login(world.secretary)
    weakest, strongest = world.items[2], world.items[0]
    client.post(reverse("committee:agenda", args=[world.meeting.pk]), {"action": "order_by_score"})
    order = list(world.meeting.agenda_items.order_by("order").values_list("pk", flat=True))
    assert order == [strongest.pk, world.items[1].pk, weakest.pk]
    assert AuditEvent.objects.get(code="agenda.ordered").extra == {"by": "score"}


def test_the_admin_sets_the_frame_through_the_service(client, world):
    from tests.factories import make_user

    admin_user = make_user("admin", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    add = reverse("admin:committee_budgetframe_add")
    assert client.get(add).status_code == 200
    response = client.post(
        add, {"round": world.meeting.round.pk, "fiscal_year": "2592", "amount": "5000000"}
    )
    assert response.status_code == 302
    row = BudgetFrame.objects.get(fiscal_year=2592)
    assert row.amount == 5 * M
    assert AuditEvent.objects.filter(code="frame.set").count() == 1
    client.post(reverse("admin:committee_budgetframe_delete", args=[row.pk]), {"post": "yes"})
    assert not BudgetFrame.objects.filter(fiscal_year=2592).exists()
    assert AuditEvent.objects.filter(code="frame.set").count() == 2
