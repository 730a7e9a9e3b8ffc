"""The screening pages' forms: screen one proposal, bulk agenda and assignment, stale forms."""

from decimal import Decimal

import pytest
from django.urls import reverse

from committee.models import AgendaItem
from proposals.models import Proposal
from proposals.workflow import Status
from screening.models import ScreeningReview

from .factories import make_criteria, make_meeting


@pytest.fixture
def screener_client(client, screener):
    client.force_login(screener)
    return client


def form_data(proposal, criteria, **overrides):
    data = {"recommendation": "forward", "lock_version": proposal.lock_version, "reasons": ""}
    for c in criteria:
        data[f"c{c.pk}_result"] = "met"
        data[f"c{c.pk}_comment"] = ""
    data.update(overrides)
    return data


def test_screen_through_the_form(screener_client, inbox_data):
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    url = reverse("screening:detail", args=[proposal.pk])
    page = screener_client.get(url)
    assert page.context["form"] is not None
    response = screener_client.post(
        url, form_data(proposal, criteria, recommended_amount="๘๐๐,๐๐๐", amount_reason="ตัดงบอบรม")
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.FORWARDED
    assert proposal.recommended_amount == Decimal("800000.00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"recommendation": "return"}, "reasons"),
        ({"recommended_amount": "1,000,000.01"}, "recommended_amount"),
        ({"recommended_amount": "500000"}, "amount_reason"),
        ({"recommended_amount": "abc"}, "recommended_amount"),
        ({"recommendation": "nonsense"}, "recommendation"),
    ],
)
def test_bad_input_keeps_the_form(screener_client, inbox_data, overrides, field):
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    response = screener_client.post(
        reverse("screening:detail", args=[proposal.pk]), form_data(proposal, criteria, **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Proposal.objects.get(pk=proposal.pk).status == Status.SUBMITTED


def test_forwarding_needs_every_criterion(screener_client, inbox_data):
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    data = form_data(proposal, criteria)
    del data[f"c{criteria[0].pk}_result"]
    response = screener_client.post(reverse("screening:detail", args=[proposal.pk]), data)
    assert response.status_code == 200
    assert f"c{criteria[0].pk}_result" in response.context["form"].errors


def test_stale_form_is_refused(screener_client, inbox_data):
    proposal = inbox_data.p["A1"]
    criteria = make_criteria(inbox_data.round)
    url = reverse("screening:detail", args=[proposal.pk])
    stale = form_data(proposal, criteria)
    screener_client.post(url, form_data(proposal, criteria))
    response = screener_client.post(
        url, {**stale, "recommendation": "return", "reasons": "ขาดเอกสาร"}, follow=True
    )
    assert response.status_code == 200
    assert ScreeningReview.objects.filter(proposal=proposal).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).status == Status.FORWARDED
    assert any("Someone else" in str(m) or "ผู้อื่น" in str(m) for m in response.context["messages"])


def test_agenda_from_the_inbox_ticked_and_by_filter(screener_client, inbox_data):
    d = inbox_data
    meeting = make_meeting(d.round)
    response = screener_client.post(
        reverse("screening:agenda"),
        {"meeting": meeting.pk, "proposal": [d.p["A6"].pk], "query": "round=2590"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?round=2590")
    assert list(AgendaItem.objects.values_list("proposal__code", flat=True)) == ["A6"]
    # "All matching the filter" takes only the forwarded ones among them.
    screener_client.post(
        reverse("screening:agenda"),
        {"meeting": meeting.pk, "all_matching": "1", "query": "round=2590&ministry=m-one"},
    )
    assert sorted(AgendaItem.objects.values_list("proposal__code", flat=True)) == ["A3", "A6"]
    # Both downstream: the item already there keeps its place, the new one follows it.
    assert AgendaItem.objects.get(proposal__code="A3").order == 2
    # A proposal not forwarded: refused with a message, nothing placed.
    response = screener_client.post(
        reverse("screening:agenda"),
        {"meeting": meeting.pk, "proposal": [d.p["A1"].pk]},
        follow=True,
    )
    assert AgendaItem.objects.count() == 2
    assert list(response.context["messages"])


def test_bulk_assign_and_distribute(screener_client, screener, inbox_data):
    d = inbox_data
    screener_client.post(
        reverse("screening:bulk_assign"),
        {"screener": screener.pk, "proposal": [d.p["A1"].pk, d.p["A2"].pk]},
    )
    assert Proposal.objects.filter(assigned_screener=screener).count() == 2
    screener_client.post(reverse("screening:distribute"), {"round": "2590"})
    assert not Proposal.objects.filter(
        round=d.round, status=Status.SUBMITTED, assigned_screener=None
    ).exists()
    board = screener_client.get(reverse("screening:dashboard"), {"round": "2590"}).context["board"]
    assert board.total == 9 and board.pending == 3 and board.screened == 5
    assert [
        (r["n"], r["pending"]) for r in board.by_screener if r["assigned_screener"] == screener.pk
    ] == [(3, 3)]
    assert board.requested == Decimal("19400000")


def test_dashboard_has_tables_and_svg(screener_client, inbox_data):
    response = screener_client.get(reverse("screening:dashboard"), {"round": "bogus"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<svg") >= 4
    assert response.context["notices"]
    assert response.context["board"].by_stage[0].count == 4
